/** Tests for the expiry queue: deadlines to the millisecond, lazy refresh, moves, cancels, slices, re-entrancy. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testContext } from "../test-support.ts";
import { ExpiryQueue, toDueMs, UNQUEUED, type ExpiryEntry } from "./expiry.ts";

interface Item extends ExpiryEntry {
  readonly key: string;
}

function item(key: string): Item {
  return { key, dueMs: 0, bucketMs: UNQUEUED };
}

function setup(sliceSize?: number) {
  const { ctx, clock, errors } = testContext(1000);
  const fired: string[] = [];
  const queue = new ExpiryQueue<Item>(ctx, { onDue: (e) => fired.push(`${e.key}@${clock.now()}`), sliceSize });
  return { ctx, clock, errors, fired, queue };
}

describe("toDueMs", () => {
  const cases: [number, number][] = [
    [1060, 1_060_000],
    [0.1 + 0.2, 300],
    [1.0005, 1001],
    [1.0000001, 1000],
    [1_700_000_060.123, 1_700_000_060_123],
    [1_700_000_060.5, 1_700_000_060_500],
  ];
  for (const [t, ms] of cases) {
    it(`${t} s -> ${ms} ms`, () => assert.equal(toDueMs(t), ms));
  }
});

describe("ExpiryQueue", () => {
  it("calls onDue exactly at the deadline, not before, and leaves no timer behind", () => {
    const { clock, fired, queue } = setup();
    queue.schedule(item("a"), 1010);
    clock.advanceTo(1009.999);
    assert.equal(fired.length, 0);
    clock.advanceTo(1010);
    assert.deepEqual(fired, ["a@1010"]);
    assert.equal(clock.pending, 0);
    assert.equal(queue.slots, 0);
    assert.equal(queue.bucketCount, 0);
  });

  it("keeps one slot per entry on a later refresh and requeues it lazily when the old bucket comes due", () => {
    const { clock, fired, queue } = setup();
    const a = item("a");
    queue.schedule(a, 1010);
    for (let t = 1001; t <= 1009; t++) {
      clock.advanceTo(t);
      queue.schedule(a, t + 10);
    }
    assert.equal(queue.slots, 1);
    assert.equal(queue.bucketCount, 1);
    assert.equal(clock.pending, 1);
    clock.advanceTo(1010);
    assert.equal(fired.length, 0);
    assert.equal(queue.slots, 1, "requeued once, at its latest deadline");
    clock.advanceTo(1019);
    assert.deepEqual(fired, ["a@1019"]);
  });

  it("moves an entry to an earlier deadline and skips the stale slot later", () => {
    const { clock, fired, queue } = setup();
    const a = item("a");
    queue.schedule(a, 1060);
    queue.schedule(a, 1005);
    assert.equal(queue.slots, 2);
    clock.advanceTo(1100);
    assert.deepEqual(fired, ["a@1005"]);
    assert.equal(queue.slots, 0);
    assert.equal(clock.pending, 0);
  });

  it("cancel stops onDue; rescheduling after cancel fires once", () => {
    const { clock, fired, queue } = setup();
    const a = item("a");
    const b = item("b");
    queue.schedule(a, 1005);
    queue.schedule(b, 1005);
    queue.cancel(a);
    queue.cancel(b);
    queue.schedule(b, 1005);
    clock.advanceTo(1010);
    assert.deepEqual(fired, ["b@1005"]);
  });

  it("fires buckets in time order and entries of one millisecond in queueing order", () => {
    const { clock, fired, queue } = setup();
    queue.schedule(item("late"), 1003);
    queue.schedule(item("x"), 1001.0004);
    queue.schedule(item("early"), 1001);
    queue.schedule(item("y"), 1001.0002);
    clock.advanceTo(1010);
    assert.deepEqual(fired, ["early@1001", "x@1001.001", "y@1001.001", "late@1003"]);
  });

  it("works a storm off in slices, yielding between them, in order", () => {
    const { clock, fired, queue } = setup(5000);
    for (let i = 0; i < 12_000; i++) queue.schedule(item(`k${i}`), 1010);
    const seenByOthers: number[] = [];
    // A timer set after the queue's own, for the same moment: it runs between the slices.
    clock.setTimer(1010, () => seenByOthers.push(fired.length));
    clock.advanceTo(1010);
    assert.equal(fired.length, 12_000);
    assert.deepEqual(seenByOthers, [5000]);
    assert.ok(fired.every((f, i) => f === `k${i}@1010`));
  });

  it("handles a deadline already past when queued on the next turn", () => {
    const { clock, fired, queue } = setup();
    queue.schedule(item("old"), 900);
    assert.equal(fired.length, 0);
    clock.runDue();
    assert.deepEqual(fired, ["old@1000"]);
  });

  it("copes with onDue queueing an earlier (already past) deadline and with onDue clearing the queue", () => {
    const { ctx, clock } = testContext(1000);
    const fired: string[] = [];
    const queue: ExpiryQueue<Item> = new ExpiryQueue<Item>(ctx, {
      sliceSize: 2,
      onDue(e) {
        fired.push(e.key);
        if (e.key === "a") queue.schedule(item("past"), 990);
        if (e.key === "c") queue.clear();
      },
    });
    for (const key of ["a", "b", "c", "d"]) queue.schedule(item(key), 1005);
    queue.schedule(item("after-clear"), 1006);
    clock.advanceTo(1100);
    assert.deepEqual(fired, ["a", "past", "b", "c"]);
    assert.equal(clock.pending, 0);
    queue.schedule(item("again"), 1200);
    clock.advanceTo(1200);
    assert.deepEqual(fired, ["a", "past", "b", "c", "again"]);
  });

  it("reports a throwing onDue and carries on", () => {
    const { ctx, clock, errors } = testContext(0);
    const fired: string[] = [];
    const queue = new ExpiryQueue<Item>(ctx, {
      name: "test expiry",
      onDue(e) {
        if (e.key === "bad") throw new Error("boom");
        fired.push(e.key);
      },
    });
    queue.schedule(item("bad"), 1);
    queue.schedule(item("good"), 1);
    clock.advanceTo(2);
    assert.deepEqual(fired, ["good"]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.where, "test expiry");
  });

  it("rejects a bad sliceSize and a non-finite deadline", () => {
    const { ctx } = testContext(0);
    assert.throws(() => new ExpiryQueue<Item>(ctx, { onDue() {}, sliceSize: 0 }), /sliceSize must be an integer >= 1, got 0/);
    const queue = new ExpiryQueue<Item>(ctx, { onDue() {} });
    assert.throws(() => queue.schedule(item("a"), NaN), /deadline must be finite/);
  });

  it("is deterministic: the same schedule gives the same firing sequence", () => {
    const run = (): string[] => {
      const { clock, fired, queue } = setup(7);
      const items = Array.from({ length: 200 }, (_, i) => item(`k${i}`));
      for (let i = 0; i < items.length; i++) queue.schedule(items[i]!, 1000 + ((i * 37) % 23) / 4);
      for (let i = 0; i < items.length; i += 3) queue.schedule(items[i]!, 1000 + ((i * 11) % 17) / 2);
      clock.advanceTo(1100);
      return fired;
    };
    const first = run();
    assert.equal(first.length, 200);
    assert.deepEqual(run(), first);
  });
});
