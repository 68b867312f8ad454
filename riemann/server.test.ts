/**
 * Tests of the Riemann server over real sockets on 127.0.0.1 with our own
 * client: acks after processing, pipelining in order, a bad message leaves
 * the connection usable, oversized frames and the connection limit close
 * connections with an error, UDP datagrams are processed with no reply, and
 * options are validated with errors naming the field. Every await on a
 * socket has a timeout.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { makeEvent } from "../streams/event.ts";
import { RiemannClient } from "./client.ts";
import { eventToRiemann } from "./codec.ts";
import { encodeFrame, FrameDecoder } from "./framing.ts";
import { decodeMsg, encodeMsg, type PbMsg } from "./schema.ts";
import { resolveRiemannOptions, startRiemannServer, type RiemannServer } from "./server.ts";
import { recordingEngine, withTimeout, type RecordingEngine } from "./test-support.ts";

const TIMEOUT = 5000;

/** Raw socket helper: collects reply frames and tells when the server closed. */
function rawConnection(port: number): Promise<{ socket: net.Socket; replies: PbMsg[]; nextReply(): Promise<PbMsg>; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    const replies: PbMsg[] = [];
    let wake: (() => void) | undefined;
    const decoder = new FrameDecoder(1 << 20, {
      onFrame: (f) => {
        replies.push(decodeMsg(f));
        const w = wake;
        wake = undefined;
        w?.();
      },
      onOversize: () => assert.fail("oversized reply"),
    });
    socket.on("data", (c: Buffer) => decoder.push(c));
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    socket.on("error", () => {});
    let taken = 0;
    const nextReply = (): Promise<PbMsg> =>
      withTimeout(
        new Promise<PbMsg>((r) => {
          const check = (): void => {
            if (replies.length > taken) r(replies[taken++]!);
            else wake = check;
          };
          check();
        }),
        TIMEOUT,
        "a reply frame",
      );
    socket.once("connect", () => resolve({ socket, replies, nextReply, closed }));
    socket.once("error", reject);
  });
}

describe("Riemann TCP", () => {
  let rec: RecordingEngine;
  let server: RiemannServer;
  let client: RiemannClient;

  before(async () => {
    rec = recordingEngine();
    server = await startRiemannServer({ engine: rec.engine, port: 0, maxFrameBytes: 64 * 1024 });
    client = await RiemannClient.connect({ port: server.tcpPort! });
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it("binds TCP and UDP to the same port number when asked for port 0", () => {
    assert.ok(server.tcpPort! > 0);
    assert.equal(server.udpPort, server.tcpPort);
  });

  it("acks only after the events were processed (indexed and streamed)", async () => {
    const now = rec.clock.now();
    const reply = await withTimeout(client.sendEvents([makeEvent({ host: "ack1", service: "cpu", time: now, metric: 1 })]), TIMEOUT, "ack");
    assert.equal(reply.ok, true);
    assert.equal(rec.engine.index.lookup("ack1", "cpu")?.metric, 1, "indexed before the ack arrived");
    assert.ok(rec.seen.some((e) => e.host === "ack1"));
  });

  it("answers pipelined requests in order (each query sees the events sent before it)", async () => {
    const now = rec.clock.now();
    const sent: Promise<PbMsg>[] = [];
    for (let i = 0; i < 200; i++) {
      sent.push(client.sendEvents([makeEvent({ host: `pipe${i}`, service: "s", time: now, metric: i })]));
      sent.push(client.query(`host = "pipe${i}"`));
      if (i % 50 === 0) sent.push(client.request(Buffer.from([0x0a, 0xff])).then(decodeMsg));
    }
    assert.ok(client.inFlight > 1, "requests really were in flight together");
    const replies = await withTimeout(Promise.all(sent), TIMEOUT, "pipelined replies");
    let k = 0;
    for (let i = 0; i < 200; i++) {
      assert.equal(replies[k++]!.ok, true);
      const q = replies[k++]!;
      assert.equal(q.ok, true);
      assert.deepEqual(
        q.events!.map((e) => e.metric_sint64 ?? e.metric_d),
        [i],
        `query ${i} answered after event ${i}`,
      );
      if (i % 50 === 0) assert.equal(replies[k++]!.ok, false);
    }
  });

  it("answers a bad message with an error and keeps the connection usable", async () => {
    const bad = decodeMsg(await withTimeout(client.request(Buffer.from([0x32, 0x10, 0x01])), TIMEOUT, "error reply"));
    assert.equal(bad.ok, false);
    assert.match(bad.error!, /^invalid message/);
    const good = await withTimeout(client.sendEvents([makeEvent({ host: "after-bad", service: "s", time: rec.clock.now() })]), TIMEOUT, "ack");
    assert.equal(good.ok, true);
  });

  it("reports rejected events and keeps the valid ones of the same message", async () => {
    const reply = await withTimeout(client.send({ events: [{ host: "mixed", service: "ok" }, { host: "mixed" }] }), TIMEOUT, "reply");
    assert.equal(reply.ok, false);
    assert.match(reply.error!, /1 of 2 events rejected: event 1: missing_service/);
    assert.ok(rec.engine.index.lookup("mixed", "ok"));
  });

  it("answers a query parse error with 'parse error: ...'", async () => {
    const reply = await withTimeout(client.query("state = "), TIMEOUT, "reply");
    assert.equal(reply.ok, false);
    assert.match(reply.error!, /^parse error: /);
  });

  it("closes a connection whose frame is over the limit, after an error reply and the frames before it", async () => {
    const raw = await rawConnection(server.tcpPort!);
    const before = server.stats.framesTooLarge;
    const good = encodeFrame(encodeMsg({ events: [eventToRiemann(makeEvent({ host: "before-big", service: "s", time: rec.clock.now() }))] }));
    const bigPrefix = Buffer.alloc(4);
    bigPrefix.writeUInt32BE(64 * 1024 + 1);
    raw.socket.write(Buffer.concat([good, bigPrefix, Buffer.alloc(100)]));
    assert.equal((await raw.nextReply()).ok, true);
    const refusal = await raw.nextReply();
    assert.equal(refusal.ok, false);
    assert.match(refusal.error!, /frame of 65537 bytes is over the limit of 65536 bytes/);
    await withTimeout(raw.closed, TIMEOUT, "server closing the connection");
    assert.equal(server.stats.framesTooLarge, before + 1);
    assert.ok(rec.engine.index.lookup("before-big", "s"));
  });

  it("accepts a frame split across many writes", async () => {
    const raw = await rawConnection(server.tcpPort!);
    const frame = encodeFrame(encodeMsg({ events: [eventToRiemann(makeEvent({ host: "split", service: "s", time: rec.clock.now(), description: "d".repeat(5000) }))] }));
    for (let i = 0; i < frame.length; i += 7) raw.socket.write(frame.subarray(i, i + 7));
    assert.equal((await raw.nextReply()).ok, true);
    raw.socket.destroy();
  });
});

describe("Riemann TCP connection limit", () => {
  it("refuses connections over maxConnections with an error, and accepts again once one closes", async () => {
    const rec = recordingEngine();
    const server = await startRiemannServer({ engine: rec.engine, port: 0, udp: false, maxConnections: 2 });
    try {
      const a = await RiemannClient.connect({ port: server.tcpPort! });
      const b = await RiemannClient.connect({ port: server.tcpPort! });
      assert.equal((await withTimeout(a.send({}), TIMEOUT, "a")).ok, true);
      assert.equal((await withTimeout(b.send({}), TIMEOUT, "b")).ok, true);

      const c = await rawConnection(server.tcpPort!);
      const refusal = await c.nextReply();
      assert.equal(refusal.ok, false);
      assert.match(refusal.error!, /too many connections: 2 are open/);
      await withTimeout(c.closed, TIMEOUT, "refused connection closing");
      assert.equal(server.stats.connectionsRejected, 1);

      const aClosed = new Promise<void>((r) => a.socket.once("close", () => r()));
      a.close();
      await withTimeout(aClosed, TIMEOUT, "a closing");
      // The server sees the close at about the same time; each attempt is a real round trip.
      let accepted = false;
      for (let attempt = 0; attempt < 50 && !accepted; attempt++) {
        const d = await RiemannClient.connect({ port: server.tcpPort! });
        accepted = await withTimeout(
          d.send({}).then(
            (r) => r.ok === true,
            () => false,
          ),
          TIMEOUT,
          "d",
        );
        d.close();
      }
      assert.ok(accepted, "a new connection is served once one closed");
      b.close();
    } finally {
      await server.close();
    }
  });
});

describe("Riemann UDP", () => {
  it("processes each datagram as one message, sends no reply, and drops oversized ones", async () => {
    const rec = recordingEngine();
    const server = await startRiemannServer({ engine: rec.engine, port: 0, maxDatagramBytes: 1000 });
    const socket = dgram.createSocket("udp4");
    const replies: Buffer[] = [];
    socket.on("message", (m) => replies.push(m));
    const send = (bytes: Uint8Array): Promise<void> =>
      new Promise((resolve, reject) => socket.send(bytes, server.udpPort, "127.0.0.1", (err) => (err ? reject(err) : resolve())));
    try {
      const now = rec.clock.now();
      await send(encodeMsg({ events: [eventToRiemann(makeEvent({ host: "big", service: "s", time: now, description: "x".repeat(2000) }))] }));
      await send(Buffer.from([0x0a, 0xff]));
      await send(encodeMsg({ events: [eventToRiemann(makeEvent({ host: "udp1", service: "s", time: now })), eventToRiemann(makeEvent({ host: "udp2", service: "s", time: now }))] }));
      await rec.waitFor((e) => e.host === "udp2", TIMEOUT);
      assert.ok(rec.engine.index.lookup("udp1", "s"));
      assert.equal(rec.engine.index.lookup("big", "s"), undefined);
      assert.equal(server.stats.datagrams, 3);
      assert.equal(server.stats.datagramsTooLarge, 1);
      assert.equal(server.stats.invalidMessages, 1);
      // A TCP round trip after the datagrams: had the server replied over UDP, it would have arrived by now.
      const client = await RiemannClient.connect({ port: server.tcpPort! });
      await withTimeout(client.send({}), TIMEOUT, "tcp round trip");
      client.close();
      assert.equal(replies.length, 0);
    } finally {
      socket.close();
      await server.close();
    }
  });
});

describe("Riemann server lifecycle and options", () => {
  it("close() stops listening and ends open connections", async () => {
    const rec = recordingEngine();
    const server = await startRiemannServer({ engine: rec.engine, port: 0 });
    const client = await RiemannClient.connect({ port: server.tcpPort! });
    const closed = new Promise<void>((r) => client.socket.once("close", () => r()));
    await server.close();
    await withTimeout(closed, TIMEOUT, "client connection closed by the server");
    await assert.rejects(RiemannClient.connect({ port: server.tcpPort! }), /ECONNREFUSED/);
  });

  it("fails to start when the port is taken, naming the cause", async () => {
    const rec = recordingEngine();
    const first = await startRiemannServer({ engine: rec.engine, port: 0, udp: false });
    try {
      await assert.rejects(startRiemannServer({ engine: rec.engine, port: first.tcpPort!, udp: false }), /EADDRINUSE/);
    } finally {
      await first.close();
    }
  });

  const bad: [string, Parameters<typeof resolveRiemannOptions>[0], RegExp][] = [
    ["a port out of range", { port: 70000 }, /riemann\.port must be an integer from 0 to 65535, got 70000/],
    ["a fractional frame limit", { maxFrameBytes: 1.5 }, /riemann\.maxFrameBytes/],
    ["zero connections", { maxConnections: 0 }, /riemann\.maxConnections/],
    ["a datagram limit over 65507", { maxDatagramBytes: 70000 }, /riemann\.maxDatagramBytes/],
    ["TLS without a key", { tls: { key: "", cert: "c" } }, /riemann\.tls\.key is required/],
    ["client certs without a CA", { tls: { key: "k", cert: "c", requireClientCert: true } }, /riemann\.tls\.ca is required/],
  ];
  for (const [name, options, message] of bad) {
    it(`rejects ${name}`, () => {
      assert.throws(() => resolveRiemannOptions(options), message);
    });
  }

  it("fills in Riemann's defaults", () => {
    const s = resolveRiemannOptions({});
    assert.equal(s.host, "127.0.0.1");
    assert.equal(s.port, 5555);
    assert.equal(s.maxFrameBytes, 16 * 1024 * 1024);
    assert.equal(s.maxConnections, 1024);
    assert.equal(s.maxDatagramBytes, 16384);
    assert.equal(resolveRiemannOptions({ tls: { key: "k", cert: "c" } }).tls?.port, 5554);
  });
});
