/** Tests of `TransportPublisher`: one send at a time, bursts coalesced, failures and overflow counted. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Batch, Transport } from "../collector/ship/transport.ts";
import type { Event } from "../streams/event.ts";
import { TransportPublisher } from "./publisher.ts";

const ev = (n: number): Event => ({ host: "h", service: `s${n}`, time: n });

/** A transport whose sends wait until released; the first `failures` sends fail. */
function gated(failures = 0) {
  const batches: number[][] = [];
  let release: () => void = () => {};
  let inFlight = 0;
  let maxInFlight = 0;
  const transport: Transport = {
    name: "gated",
    async send(batch: Batch) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((resolve) => (release = resolve));
      inFlight--;
      batches.push(batch.events.map((e) => e.time));
      if (batches.length <= failures) throw new Error("down");
      return { rejected: 0 };
    },
    close: () => Promise.resolve(),
  };
  return { transport, batches, release: () => release(), maxInFlight: () => maxInFlight };
}

describe("TransportPublisher", () => {
  it("sends one batch at a time and coalesces what arrives meanwhile", async () => {
    const g = gated();
    const p = new TransportPublisher(g.transport);
    p.publish([ev(1)]);
    p.publish([ev(2)]);
    p.publish([ev(3), ev(4)]);
    await Promise.resolve();
    g.release();
    await new Promise((r) => setImmediate(r));
    g.release();
    await p.idle();
    assert.deepEqual(g.batches, [[1], [2, 3, 4]]);
    assert.equal(g.maxInFlight(), 1);
    assert.equal(p.stats.sent, 4);
  });

  it("counts a failed batch and goes on; drops the oldest beyond maxQueued", async () => {
    const errors: unknown[] = [];
    const g = gated(1);
    const p = new TransportPublisher(g.transport, { maxQueued: 2, onError: (e) => errors.push(e) });
    p.publish([ev(1)]);
    p.publish([ev(2), ev(3), ev(4)]);
    await Promise.resolve();
    g.release();
    await new Promise((r) => setImmediate(r));
    g.release();
    await p.idle();
    assert.deepEqual(g.batches, [[1], [3, 4]]);
    assert.deepEqual({ ...p.stats }, { sent: 2, rejected: 0, failed: 1, dropped: 1, errors: 1 });
    assert.equal(errors.length, 1);
  });
});
