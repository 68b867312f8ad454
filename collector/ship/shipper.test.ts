/**
 * Tests of the shipper with a fake transport under a `VirtualClock`:
 * direct sends with natural batching, an outage (batches buffered, retries
 * with doubling backoff on the clock, drained oldest first, nothing lost or
 * reordered), `push` never waiting on a send that hangs, permanent
 * refusals and rejected events counted, the bounds, and a restart on the
 * same disk buffer.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { VirtualClock } from "../../streams/clock.ts";
import { makeEvent, type Event } from "../../streams/event.ts";
import { MemoryBuffer } from "./buffer.ts";
import { DiskBuffer } from "./disk-buffer.ts";
import { Shipper } from "./shipper.ts";
import { PermanentSendError, type Batch, type SendResult, type Transport } from "./transport.ts";

const T0 = 1_700_000_000;

class FakeTransport implements Transport {
  readonly name = "fake";
  up = true;
  /** Batches delivered, in order. */
  readonly delivered: Batch[] = [];
  /** Clock time of every attempt. */
  readonly attempts: number[] = [];
  respond: (batch: Batch) => Promise<SendResult | void> | undefined = () => undefined;
  constructor(private readonly clock: VirtualClock) {}

  send(batch: Batch): Promise<SendResult | void> {
    this.attempts.push(this.clock.now());
    const custom = this.respond(batch);
    if (custom !== undefined) return custom;
    if (!this.up) return Promise.reject(new Error("connection refused"));
    this.delivered.push(batch);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  metrics(): number[] {
    return this.delivered.flatMap((b) => b.events.map((e) => e.metric!));
  }
}

let n = 0;
function events(count: number): Event[] {
  return Array.from({ length: count }, () => makeEvent({ host: "web1", service: "seq", time: T0, metric: n++ }));
}

function setup(options: { maxBytes?: number; maxPendingEvents?: number } = {}): { clock: VirtualClock; transport: FakeTransport; shipper: Shipper } {
  const clock = new VirtualClock(T0);
  const transport = new FakeTransport(clock);
  const shipper = new Shipper({ clock, transport, buffer: new MemoryBuffer(options.maxBytes ?? 1_000_000), maxPendingEvents: options.maxPendingEvents });
  return { clock, transport, shipper };
}

describe("Shipper", () => {
  const root = mkdtempSync(path.join(os.tmpdir(), "satellite-shipper-"));
  after(() => rmSync(root, { recursive: true, force: true }));

  it("sends at once while the destination answers; events pushed during a send go out together next", async () => {
    n = 0;
    const { transport, shipper } = setup();
    shipper.push(events(3));
    shipper.push(events(2));
    shipper.push(events(4));
    await shipper.idle();
    assert.deepEqual(transport.delivered.map((b) => b.events.length), [3, 6], "the first push is sent alone, the two during its send together");
    assert.deepEqual(transport.metrics(), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(transport.delivered.map((b) => b.seq), [0, 1]);
    assert.ok(transport.delivered.every((b) => b.producer === shipper.producer));
    const s = shipper.stats;
    assert.deepEqual([s.sent, s.buffered, s.dropped, s.retries, s.sendFailures, s.pending], [9, 0, 0, 0, 0, 0]);
  });

  it("buffers during an outage, retries after 1, 2, 4 s on the clock, then drains oldest first: nothing lost or reordered", async () => {
    n = 0;
    const { clock, transport, shipper } = setup();
    shipper.push(events(2));
    await shipper.idle();
    transport.up = false;
    shipper.push(events(2)); // fails: buffered
    await shipper.idle();
    assert.equal(shipper.stats.backingOff, true);
    shipper.push(events(2)); // during the backoff: straight to the buffer
    await shipper.idle();
    assert.deepEqual([shipper.stats.buffered, shipper.stats.bufferedNow, shipper.stats.sendFailures], [4, 4, 1]);
    clock.advanceBy(0.999);
    await shipper.idle();
    assert.equal(transport.attempts.length, 2, "no attempt before the backoff is over");
    clock.advanceBy(0.001); // 1 s: retry, fails
    await shipper.idle();
    clock.advanceBy(2); // 2 s later: retry, fails
    await shipper.idle();
    shipper.push(events(2));
    await shipper.idle();
    transport.up = true;
    clock.advanceBy(3.999);
    await shipper.idle();
    assert.equal(transport.delivered.length, 1, "still waiting out the 4 s backoff");
    clock.advanceBy(0.001);
    await shipper.idle();
    assert.deepEqual(transport.attempts.map((t) => t - T0), [0, 0, 1, 3, 7, 7, 7]);
    assert.deepEqual(transport.metrics(), [0, 1, 2, 3, 4, 5, 6, 7]);
    const s = shipper.stats;
    assert.deepEqual([s.sent, s.buffered, s.bufferedNow, s.retries, s.sendFailures, s.backingOff], [8, 6, 0, 3, 3, false]);
    shipper.push(events(1));
    await shipper.idle();
    assert.equal(transport.delivered.length, 5, "back to direct sends");
  });

  it("never makes push wait: with a send that never finishes, pushes return and memory stays bounded", () => {
    n = 0;
    const { transport, shipper } = setup({ maxPendingEvents: 100 });
    transport.respond = () => new Promise<void>(() => undefined);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) shipper.push(events(1));
    assert.ok(process.hrtime.bigint() - started < 1_000_000_000n);
    assert.equal(shipper.stats.pending, 100);
    assert.equal(shipper.stats.dropped, 899, "the oldest beyond the bound (one event is in the hung send)");
  });

  it("drops a batch the destination refuses for good, counts events it rejected, and goes on", async () => {
    n = 0;
    const { transport, shipper } = setup();
    transport.respond = (b) => (b.seq === 0 ? Promise.reject(new PermanentSendError("413 too large")) : b.seq === 1 ? Promise.resolve({ rejected: 1 }) : undefined);
    shipper.push(events(3));
    await shipper.idle();
    shipper.push(events(3));
    await shipper.idle();
    shipper.push(events(3));
    await shipper.idle();
    const s = shipper.stats;
    assert.deepEqual([s.dropped, s.rejected, s.sent, s.sendFailures, s.backingOff], [3, 1, 5, 0, false]);
  });

  it("counts what a full buffer drops, oldest first", async () => {
    n = 0;
    const { clock, transport, shipper } = setup({ maxBytes: 2000 });
    transport.up = false;
    for (let i = 0; i < 20; i++) {
      shipper.push(events(2));
      await shipper.idle();
    }
    assert.ok(shipper.stats.bufferBytes <= 2000);
    assert.equal(shipper.stats.dropped + shipper.stats.bufferedNow, 40);
    assert.ok(shipper.stats.dropped > 0);
    transport.up = true;
    clock.advanceBy(60);
    await shipper.idle();
    const got = transport.metrics();
    assert.deepEqual(got, Array.from({ length: got.length }, (_, i) => 40 - got.length + i), "the newest survive, in order");
  });

  it("survives a restart on a disk buffer: close keeps unsent events, the next run sends them first", async () => {
    n = 0;
    const dir = path.join(root, "restart");
    const clock = new VirtualClock(T0);
    const down = new FakeTransport(clock);
    down.up = false;
    const first = new Shipper({ clock, transport: down, buffer: await DiskBuffer.open(dir) });
    first.push(events(2));
    await first.idle();
    first.push(events(2));
    await first.close(); // the second push was never tried: kept on disk
    first.push(events(1));
    assert.equal(first.stats.dropped, 1, "after close, pushes are dropped and counted");

    const up = new FakeTransport(clock);
    const second = new Shipper({ clock, transport: up, buffer: await DiskBuffer.open(dir) });
    assert.equal(second.stats.bufferedNow, 4);
    second.drain();
    second.push(events(1));
    await second.idle();
    assert.deepEqual(up.metrics(), [0, 1, 2, 3, 5]);
    assert.equal(up.delivered[0]!.producer, first.producer, "old batches keep their identity (for the consumer's duplicate check)");
    assert.equal(up.delivered[up.delivered.length - 1]!.producer, second.producer);
    await second.close();
  });

  it("rejects bad settings naming the field", () => {
    const clock = new VirtualClock(T0);
    const transport = new FakeTransport(clock);
    const buffer = new MemoryBuffer(1000);
    assert.throws(() => new Shipper({ clock, transport, buffer, maxBatchEvents: 0 }), { message: /shipping\.maxBatchEvents must be an integer from 1 to 1000/ });
    assert.throws(() => new Shipper({ clock, transport, buffer, retryInitialSeconds: 5, retryMaxSeconds: 1 }), { message: /shipping\.retryMaxSeconds must be a number >= retryInitialSeconds/ });
  });
});
