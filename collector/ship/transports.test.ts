/**
 * The shared conformance test of the transports that need no broker: the
 * Riemann transport into a real Riemann server, the HTTP transport into a
 * real API server (both on 127.0.0.1, port 0, feeding a running engine),
 * and the in-process engine transport. Each must deliver a batch with its
 * fields intact, report events the engine refused as rejected (not as a
 * failure), and fail (not hang, not refuse for good) when the destination
 * is down or does not answer within its timeout on the clock. Then the
 * Riemann fan-out: every batch to each engine, an engine that is down
 * delaying only its own copy. The Kafka transport has its own test against
 * the mock cluster (kafka.test.ts).
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { startApiServer, type ApiServer } from "../../api/server.ts";
import { startRiemannServer, type RiemannServer } from "../../riemann/server.ts";
import { recordingEngine, withTimeout, type RecordingEngine } from "../../riemann/test-support.ts";
import { VirtualClock } from "../../streams/clock.ts";
import { makeEvent, type Event } from "../../streams/event.ts";
import { EngineTransport } from "./engine.ts";
import { HttpTransport } from "./http.ts";
import { RiemannTransport } from "./riemann.ts";
import { openShipping } from "./shipping.ts";
import { PermanentSendError, type Batch, type Transport } from "./transport.ts";

const NOW = Math.floor(Date.now() / 1000);
let seq = 0;

function batchOf(events: Event[]): Batch {
  return { producer: "test", seq: seq++, events };
}

function sample(host: string, metric: number): Event {
  return makeEvent({ host, service: "conformance", time: NOW, state: "ok", metric, description: "fine", tags: ["check", "x"], ttl: 30, attributes: { mount_point: "/var" } });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP server that accepts connections and reads requests but never answers (HTTP and Riemann alike). */
async function silentServer(): Promise<{ port: number; nextRequest(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let waiting: (() => void) | undefined;
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("data", () => {
      const w = waiting;
      waiting = undefined;
      w?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    nextRequest: () => withTimeout(new Promise<void>((resolve) => (waiting = resolve)), 5000, "a request to reach the silent server"),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Destination {
  /** A transport to the running engine. */
  up(clock: VirtualClock): Transport;
  /** A transport to nothing, or undefined when the kind cannot be down. */
  down?(clock: VirtualClock): Promise<Transport>;
  /** A transport to a server that never answers. */
  silent?(clock: VirtualClock, port: number): Transport;
}

describe("transports (conformance)", () => {
  let rec: RecordingEngine;
  let riemann: RiemannServer;
  let api: ApiServer;
  let silent: Awaited<ReturnType<typeof silentServer>>;

  before(async () => {
    rec = recordingEngine();
    riemann = await startRiemannServer({ engine: rec.engine, port: 0, udp: false });
    api = await startApiServer({ engine: rec.engine, port: 0, token: "s3cret" });
    silent = await silentServer();
  });
  after(async () => {
    await riemann.close();
    await api.close();
    await silent.close();
  });

  const destinations: Record<string, Destination> = {
    riemann: {
      up: (clock) => new RiemannTransport({ host: "127.0.0.1", port: riemann.tcpPort!, clock, timeoutSeconds: 5 }),
      down: async (clock) => new RiemannTransport({ host: "127.0.0.1", port: await closedPort(), clock }),
      silent: (clock, port) => new RiemannTransport({ host: "127.0.0.1", port, clock, timeoutSeconds: 5 }),
    },
    http: {
      up: (clock) => new HttpTransport({ url: `http://127.0.0.1:${api.port}`, token: "s3cret", clock, timeoutSeconds: 5 }),
      down: async (clock) => new HttpTransport({ url: `http://127.0.0.1:${await closedPort()}`, clock }),
      silent: (clock, port) => new HttpTransport({ url: `http://127.0.0.1:${port}`, clock, timeoutSeconds: 5 }),
    },
    engine: { up: () => new EngineTransport(rec.engine) },
  };

  for (const [kind, d] of Object.entries(destinations)) {
    describe(kind, () => {
      it("delivers a batch with every field intact", async () => {
        const t = d.up(new VirtualClock(NOW));
        const host = `${kind}-deliver`;
        assert.deepEqual(await t.send(batchOf([sample(host, 1), sample(`${host}-b`, 2.5)])), { rejected: 0 });
        const got = await rec.waitFor((e) => e.host === `${host}-b`);
        assert.deepEqual({ ...got }, { ...sample(`${host}-b`, 2.5) });
        assert.equal(rec.engine.index.lookup(host, "conformance")?.metric, 1);
        await t.close();
      });

      it("reports events the engine refused as rejected, the others processed", async () => {
        const t = d.up(new VirtualClock(NOW));
        const host = `${kind}-rejected`;
        const bad = makeEvent({ ...sample(host, 1), service: `${"s".repeat(300)}` });
        assert.deepEqual(await t.send(batchOf([bad, sample(host, 7)])), { rejected: 1 });
        assert.equal((await rec.waitFor((e) => e.host === host)).metric, 7);
        await t.close();
      });

      if (d.down !== undefined) {
        it("fails, without refusing the batch for good, when the destination is down", async () => {
          const t = await d.down!(new VirtualClock(NOW));
          await assert.rejects(t.send(batchOf([sample(`${kind}-down`, 1)])), (err) => !(err instanceof PermanentSendError));
          await t.close();
        });
      }

      if (d.silent !== undefined) {
        it("fails at its timeout on the clock when the destination never answers", async () => {
          const clock = new VirtualClock(NOW);
          const t = d.silent!(clock, silent.port);
          let settled = false;
          const reached = silent.nextRequest();
          const sending = t.send(batchOf([sample(`${kind}-silent`, 1)])).finally(() => (settled = true));
          sending.catch(() => undefined);
          await reached;
          clock.advanceBy(4.9);
          await new Promise((resolve) => setImmediate(resolve));
          assert.equal(settled, false, "still waiting before the timeout");
          clock.advanceBy(0.1);
          await assert.rejects(withTimeout(sending, 5000, "the send to fail"), /no answer within 5 s/);
          await t.close();
        });
      }
    });
  }

  it("http: a missing or wrong token is a failure to retry (the batch waits for the token to be fixed)", async () => {
    const clock = new VirtualClock(NOW);
    for (const token of [undefined, "wrong"]) {
      const t = new HttpTransport({ url: `http://127.0.0.1:${api.port}/api/v1/events`, token, clock });
      await assert.rejects(t.send(batchOf([sample("http-token", 1)])), (err: Error) => !(err instanceof PermanentSendError) && /HTTP 40[13]/.test(err.message));
    }
  });

  it("riemann fan-out: every batch reaches each engine; one that is down delays only its own copy", async () => {
    const second = recordingEngine();
    const port = await closedPort();
    const clock = new VirtualClock(NOW);
    const shipping = await openShipping({
      clock,
      transports: [new RiemannTransport({ host: "127.0.0.1", port: riemann.tcpPort!, clock }), new RiemannTransport({ host: "127.0.0.1", port, clock })],
    });
    shipping.push([sample("fanout", 1)]);
    await shipping.idle();
    shipping.push([sample("fanout", 2)]);
    await shipping.idle();
    assert.equal(rec.engine.index.lookup("fanout", "conformance")?.metric, 2, "the live engine has both");
    const [live, dead] = shipping.shippers;
    assert.deepEqual([live!.stats.sent, dead!.stats.sent, dead!.stats.bufferedNow], [2, 0, 2]);

    const revived = await startRiemannServer({ engine: second.engine, port, udp: false });
    try {
      clock.advanceBy(2);
      await shipping.idle();
      await second.waitFor((e) => e.host === "fanout" && e.metric === 2);
      assert.deepEqual(
        second.seen.filter((e) => e.host === "fanout").map((e) => e.metric),
        [1, 2],
        "the revived engine gets the buffered batches in order",
      );
      assert.equal(shipping.stats.total.sent, 4);
      assert.equal(rec.seen.filter((e) => e.host === "fanout").length, 2, "no copy sent twice to the live engine");
    } finally {
      await shipping.close();
      await revived.close();
    }
  });
});
