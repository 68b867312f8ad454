/** Tests for `ewmaTimeless` and `ewma`. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { ewma, ewmaTimeless } from "./ewma.ts";

const close = (actual: number | undefined, expected: number): void => assert.ok(Math.abs((actual ?? NaN) - expected) < 1e-9, `${actual} ≈ ${expected}`);

describe("ewmaTimeless", () => {
  it("starts at 0 and weights the newest metric by r; events without metric pass unchanged", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = ewmaTimeless(ctx, 0.5, out.stream);
    const dead = expire(ev(), 1);
    s(ev({ metric: 4 }));
    s(ev({ metric: 4 }));
    s(dead);
    s(ev({ metric: 0 }));
    assert.deepEqual(out.items.map((e) => e.metric), [2, 3, undefined, 1.5]);
    assert.equal(out.items[2], dead);
    assert.throws(() => ewmaTimeless(ctx, 1.5), /r must be in \(0, 1\]/);
    assert.throws(() => ewmaTimeless(ctx, 0), /r must be a finite number > 0/);
  });
});

describe("ewma", () => {
  it("seeds with the first metric and halves an old value's weight per half-life of event time", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = ewma(ctx, 10, out.stream);
    s(ev({ time: 0, metric: 0 }));
    s(ev({ time: 10, metric: 100 })); // d = 0.5
    s(ev({ time: 30, metric: 0 })); // d = 0.25
    assert.deepEqual(out.items.map((e) => e.metric), [0, 50, 12.5]);
  });

  it("depends on elapsed event time, not on the number of events", () => {
    const { ctx } = testContext();
    const one = collect();
    const many = collect();
    const a = ewma(ctx, 10, one.stream);
    const b = ewma(ctx, 10, many.stream);
    a(ev({ time: 0, metric: 0 }));
    a(ev({ time: 10, metric: 100 }));
    b(ev({ time: 0, metric: 0 }));
    for (let t = 1; t <= 10; t++) b(ev({ time: t, metric: 100 }));
    close(one.items.at(-1)?.metric, 50);
    close(many.items.at(-1)?.metric, 50);
  });

  it("gives no weight to an event at the same or an earlier time; expired events pass unchanged", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = ewma(ctx, 10, out.stream);
    const dead = expire(ev(), 100);
    s(ev({ time: 10, metric: 8 }));
    s(ev({ time: 10, metric: 1000 }));
    s(ev({ time: 5, metric: 1000 }));
    s(dead);
    s(ev({ time: 20, metric: 0 }));
    assert.deepEqual(out.items.map((e) => e.metric), [8, 8, 8, undefined, 4]);
    assert.equal(out.items[3], dead);
  });
});
