/**
 * Tests of the on-disk buffer in real temporary directories: FIFO order
 * across segments, the byte bound with the oldest dropped and counted,
 * surviving a close and reopen (sent batches stay sent, new ones go after
 * the old), a torn last line skipped, sent segments deleted, settings
 * validated.
 */
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { makeEvent } from "../../streams/event.ts";
import { DiskBuffer } from "./disk-buffer.ts";
import type { Batch } from "./transport.ts";

const root = mkdtempSync(path.join(os.tmpdir(), "satellite-disk-buffer-"));
let dirs = 0;
const freshDir = (): string => path.join(root, `b${++dirs}`);

/** Batch `seq` of producer "p" with `n` events whose metrics are seq * 100 + i. */
function batch(seq: number, n = 2, producer = "p"): Batch {
  return { producer, seq, events: Array.from({ length: n }, (_, i) => makeEvent({ host: "web1", service: "seq", time: 1_700_000_000, metric: seq * 100 + i })) };
}

/** Takes everything out, in order: the seqs. */
async function drain(buffer: DiskBuffer): Promise<number[]> {
  const seqs: number[] = [];
  for (;;) {
    const b = await buffer.peek();
    if (b === undefined) return seqs;
    seqs.push(b.seq);
    await buffer.ack(b);
  }
}

describe("DiskBuffer", () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it("gives batches back oldest first, across segments, with their identity and events", async () => {
    const buffer = await DiskBuffer.open(freshDir(), { maxBytes: 1_000_000, segmentBytes: 1024 });
    for (let i = 0; i < 40; i++) await buffer.append(batch(i));
    assert.ok(buffer.segmentCount > 3, `several segments (${buffer.segmentCount})`);
    assert.equal(buffer.stats.batches, 40);
    assert.equal(buffer.stats.events, 80);
    const first = await buffer.peek();
    assert.deepEqual(first, JSON.parse(JSON.stringify(batch(0))));
    assert.deepEqual(await drain(buffer), Array.from({ length: 40 }, (_, i) => i));
    assert.deepEqual({ ...buffer.stats }, { events: 0, batches: 0, bytes: 0, droppedEvents: 0, droppedBatches: 0, corruptRecords: 0 });
    await buffer.close();
  });

  it("peek without ack returns the same batch; ack of a batch that is not the oldest does nothing", async () => {
    const buffer = await DiskBuffer.open(freshDir(), { maxBytes: 100_000, segmentBytes: 4096 });
    await buffer.append(batch(1));
    await buffer.append(batch(2));
    assert.equal((await buffer.peek())?.seq, 1);
    assert.equal((await buffer.peek())?.seq, 1);
    await buffer.ack(batch(2));
    assert.equal((await buffer.peek())?.seq, 1);
    await buffer.close();
  });

  it("stays within maxBytes by dropping the oldest segments, and counts what it dropped", async () => {
    const buffer = await DiskBuffer.open(freshDir(), { maxBytes: 8192, segmentBytes: 1024 });
    for (let i = 0; i < 200; i++) {
      await buffer.append(batch(i));
      assert.ok(buffer.stats.bytes <= 8192, `bytes ${buffer.stats.bytes} within the bound after batch ${i}`);
    }
    const kept = buffer.stats.batches;
    assert.equal(buffer.stats.droppedBatches + kept, 200);
    assert.equal(buffer.stats.droppedEvents, 2 * buffer.stats.droppedBatches);
    assert.ok(buffer.stats.droppedBatches > 100);
    const seqs = await drain(buffer);
    assert.deepEqual(seqs, Array.from({ length: kept }, (_, i) => 200 - kept + i), "the newest are kept, in order");
    await buffer.close();
  });

  it("drops a batch too large to ever fit instead of everything else", async () => {
    const buffer = await DiskBuffer.open(freshDir(), { maxBytes: 4096, segmentBytes: 1024 });
    await buffer.append(batch(1));
    await buffer.append(batch(2, 200));
    assert.deepEqual([buffer.stats.droppedBatches, buffer.stats.droppedEvents], [1, 200]);
    assert.deepEqual(await drain(buffer), [1]);
    await buffer.close();
  });

  it("survives a restart: what was sent stays sent, what was not comes back in order, new batches go after", async () => {
    const dir = freshDir();
    const first = await DiskBuffer.open(dir, { maxBytes: 100_000, segmentBytes: 1024 });
    for (let i = 0; i < 30; i++) await first.append(batch(i, 2, "run-1"));
    for (let i = 0; i < 7; i++) await first.ack((await first.peek())!);
    await first.close();

    const second = await DiskBuffer.open(dir, { maxBytes: 100_000, segmentBytes: 1024 });
    assert.equal(second.stats.batches, 23);
    assert.equal(second.stats.events, 46);
    const head = await second.peek();
    assert.deepEqual([head?.producer, head?.seq], ["run-1", 7]);
    await second.append(batch(0, 2, "run-2"));
    await second.append(batch(1, 2, "run-2"));
    const order: string[] = [];
    for (let b = await second.peek(); b !== undefined; b = await second.peek()) {
      order.push(`${b.producer}/${b.seq}`);
      await second.ack(b);
    }
    assert.deepEqual(order, [...Array.from({ length: 23 }, (_, i) => `run-1/${i + 7}`), "run-2/0", "run-2/1"]);
    await second.close();
    assert.deepEqual(readdirSync(dir), [], "everything sent: no segment left");

    const third = await DiskBuffer.open(dir, { maxBytes: 100_000, segmentBytes: 1024 });
    assert.equal(third.stats.batches, 0);
    await third.close();
  });

  it("skips a torn last line left by a crash, counts it, and keeps the rest", async () => {
    const dir = freshDir();
    const first = await DiskBuffer.open(dir, { maxBytes: 100_000, segmentBytes: 50_000 });
    for (let i = 0; i < 3; i++) await first.append(batch(i));
    await first.close();
    const [segment] = readdirSync(dir).filter((f) => f.startsWith("segment-"));
    appendFileSync(path.join(dir, segment!), '{"p":"p","s":3,"e":[{"host":"we');
    const second = await DiskBuffer.open(dir, { maxBytes: 100_000, segmentBytes: 50_000 });
    assert.equal(second.stats.corruptRecords, 1);
    await second.append(batch(4));
    assert.deepEqual(await drain(second), [0, 1, 2, 4]);
    await second.close();
  });

  it("drops the oldest on open when a lower bound is configured", async () => {
    const dir = freshDir();
    const first = await DiskBuffer.open(dir, { maxBytes: 100_000, segmentBytes: 1024 });
    for (let i = 0; i < 100; i++) await first.append(batch(i));
    await first.close();
    const second = await DiskBuffer.open(dir, { maxBytes: 4096, segmentBytes: 1024 });
    assert.ok(second.stats.bytes <= 4096);
    assert.ok(second.stats.droppedBatches > 0);
    const seqs = await drain(second);
    assert.equal(seqs[seqs.length - 1], 99);
    await second.close();
  });

  it("rejects bad bounds with errors naming the field", async () => {
    await assert.rejects(DiskBuffer.open(freshDir(), { maxBytes: 10 }), { message: /^buffer\.maxBytes must be an integer >= 1024, got 10$/ });
    await assert.rejects(DiskBuffer.open(freshDir(), { maxBytes: 4096, segmentBytes: 4096 }), { message: /^buffer\.segmentBytes must be an integer from 512 to maxBytes \/ 2 \(2048\), got 4096$/ });
  });
});
