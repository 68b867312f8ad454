/** Tests for the folds: values, templates, skipped events, empty windows. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire, type Event } from "./event.ts";
import { count, DIVIDE_BY_ZERO, folds, fraction, max, mean, median, min, MISSING_OPERAND, quotient, stdDev, sum } from "./folds.ts";
import { ev } from "./test-support.ts";

const a = ev({ host: "a", metric: 1 });
const b = ev({ host: "b", metric: 4 });
const c = ev({ host: "c", metric: 4 });
const none = ev({ host: "n" });
const dead = expire(ev({ host: "x", metric: 100 }), 0);

describe("sum / mean / stdDev", () => {
  it("fold the metrics of the events that have one onto the first such event", () => {
    const w: (Event | undefined)[] = [none, undefined, a, b, c, dead];
    assert.deepEqual(sum(w), { ...a, metric: 9 });
    assert.deepEqual(mean(w), { ...a, metric: 3 });
    assert.equal(stdDev(w)?.metric, Math.sqrt(2));
    assert.equal(stdDev(w)?.host, "a");
  });

  it("give undefined when no event has a metric", () => {
    for (const f of [sum, mean, stdDev]) {
      assert.equal(f([]), undefined);
      assert.equal(f([none, dead, undefined]), undefined);
    }
  });
});

describe("max / min / median", () => {
  it("return the extreme event itself, the later one on ties", () => {
    assert.equal(max([a, b, none, c]), c);
    assert.equal(min([b, a, ev({ metric: 1, host: "a2" }), none])?.host, "a2");
    assert.equal(max([none]), undefined);
  });

  it("median takes index floor(n/2) of the sorted metric events", () => {
    const e = (m: number): Event => ev({ metric: m, host: `m${m}` });
    assert.equal(median([e(5), e(1), e(3)])?.host, "m3");
    assert.equal(median([e(4), e(1), e(3), e(2)])?.host, "m3");
    assert.equal(median([none]), undefined);
  });
});

describe("count", () => {
  it("counts events (with or without metric, expired too) on the first; undefined when empty", () => {
    assert.deepEqual(count([undefined, none, a, dead]), { ...none, metric: 3 });
    assert.equal(count([]), undefined);
    assert.equal(count([undefined]), undefined);
  });
});

describe("fraction", () => {
  it("gives the fraction of live events matching, leaving out expired and missing ones", () => {
    const crit = fraction((e) => e.state === "critical");
    const w = [ev({ host: "a", state: "critical" }), ev({ host: "b", state: "ok" }), dead, undefined, ev({ host: "c", state: "critical" }), ev({ host: "d", state: "ok" })];
    const r = crit(w);
    assert.equal(r?.metric, 0.5);
    assert.equal(r?.host, "a");
    assert.equal(crit([dead]), undefined);
    assert.throws(() => fraction("critical" as unknown as () => boolean), /pred must be a function/);
  });
});

describe("quotient", () => {
  it("divides the first metric by the product of the others, on the first event", () => {
    assert.deepEqual(quotient([ev({ metric: 12 }), ev({ metric: 2 }), ev({ metric: 3 })]), ev({ metric: 2 }));
    assert.deepEqual(quotient([ev({ metric: 7 })]), ev({ metric: 7 }));
  });

  it("describes a zero divisor instead of yielding Infinity or NaN", () => {
    for (const top of [1, 0]) {
      const r = quotient([ev({ metric: top }), ev({ metric: 0 })]);
      assert.equal(r?.metric, undefined);
      assert.equal(r?.description, DIVIDE_BY_ZERO);
    }
  });

  it("describes a missing operand; a missing first operand gives undefined", () => {
    assert.equal(quotient([ev({ metric: 1 }), undefined])?.description, MISSING_OPERAND);
    assert.equal(quotient([ev(), ev({ metric: 1 })])?.description, MISSING_OPERAND);
    assert.equal(quotient([ev({ metric: 1 }), ev({ metric: 0 }), undefined])?.description, DIVIDE_BY_ZERO, "first problem wins");
    assert.equal(quotient([undefined, ev({ metric: 1 })]), undefined);
    assert.equal(quotient([]), undefined);
  });
});

describe("folds object", () => {
  it("holds every fold", () => {
    assert.deepEqual(Object.keys(folds).sort(), ["count", "fraction", "max", "mean", "median", "min", "quotient", "stdDev", "sum"]);
  });
});
