// Tests of MovingCounts: the counts of what movingTimeWindow would hold, event by event, including events out of time order.
import assert from "node:assert/strict";
import { test } from "node:test";
import { makeEvent, type Event } from "../../streams/event.ts";
import type { Events } from "../../streams/stream.ts";
import { testContext } from "../../streams/test-support.ts";
import { movingTimeWindow } from "../../streams/windows/moving-time-window.ts";
import { MovingCounts } from "./moving-counts.ts";

test("counts the events of the last `seconds`, an event at the cutoff leaving", () => {
  const w = new MovingCounts(600, 2);
  assert.equal(w.add(0, 0), true);
  assert.equal(w.add(10, 1), true);
  assert.equal(w.add(20, 1), true);
  assert.deepEqual([w.count(0), w.count(1)], [1, 2]);
  assert.equal(w.add(600, -1), true); // cutoff 0: the event at 0 leaves
  assert.deepEqual([w.count(0), w.count(1)], [0, 2]);
  assert.equal(w.add(615, -1), true);
  assert.deepEqual([w.count(0), w.count(1)], [0, 1]);
});

test("an event at or before the cutoff is not counted and add returns false", () => {
  const w = new MovingCounts(60, 1);
  w.add(100, 0);
  assert.equal(w.add(40, 0), false);
  assert.equal(w.add(30, 0), false);
  assert.equal(w.count(0), 1);
  assert.equal(w.add(41, 0), true); // after the cutoff, out of order: counted
  assert.equal(w.count(0), 2);
});

test("an event of kind -1 moves the window without being counted", () => {
  const w = new MovingCounts(10, 1);
  w.add(0, 0);
  w.add(5, -1);
  assert.equal(w.count(0), 1);
  w.add(10, -1);
  assert.equal(w.count(0), 0);
});

test("rejects a window that is not a positive finite number of seconds", () => {
  assert.throws(() => new MovingCounts(0, 1), RangeError);
  assert.throws(() => new MovingCounts(Infinity, 1), RangeError);
  assert.throws(() => new MovingCounts(Number.NaN, 1), RangeError);
});

test("agrees with movingTimeWindow on a long random sequence, times out of order included", () => {
  const seconds = 50;
  const kinds = 3;
  const counts = new MovingCounts(seconds, kinds);
  const last: { window?: Events | undefined } = {};
  const windowed = movingTimeWindow(testContext(0).ctx, seconds, (w) => (last.window = w));
  let seed = 7;
  const random = (): number => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
  let t = 0;
  for (let i = 0; i < 20_000; i++) {
    t += random() * 3;
    // Now and then an event from the past, sometimes from before the window.
    const time = random() < 0.1 ? t - random() * seconds * 1.5 : t;
    const kind = Math.floor(random() * (kinds + 1)) - 1; // -1 … kinds - 1
    const e: Event = makeEvent({ host: "h", service: String(kind), time });
    last.window = undefined;
    windowed(e);
    const added = counts.add(time, kind);
    const window = last.window as Events | undefined; // set by the window stream (TypeScript cannot see the call)
    assert.equal(added, window !== undefined, `event ${i} at ${time}: added`);
    if (window === undefined) continue;
    for (let k = 0; k < kinds; k++) {
      assert.equal(counts.count(k), window.filter((w) => w.service === String(k)).length, `event ${i}: kind ${k}`);
    }
  }
});
