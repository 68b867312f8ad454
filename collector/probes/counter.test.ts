/**
 * Tests of `CounterRates`: rates only from two readings, elapsed time from
 * the caller's `now`, no rate (and a new baseline) when a counter goes
 * backwards, and state dropped for keys that stop appearing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CounterRates } from "./counter.ts";

describe("CounterRates", () => {
  it("gives no rate on first sight, then the change per second of now", () => {
    const c = new CounterRates();
    assert.equal(c.rate("k", 1000, 100), undefined);
    assert.equal(c.rate("k", 3000, 110), 200);
    assert.equal(c.rate("k", 3000, 112.5), 0);
  });

  it("gives no rate for the interval in which a counter went backwards, and rates from the new baseline after", () => {
    const c = new CounterRates();
    c.rate("k", 5000, 100);
    assert.equal(c.rate("k", 40, 110), undefined, "a reset is not a negative rate");
    assert.equal(c.rate("k", 140, 120), 10);
  });

  it("gives no rate when now did not move forward, and rebaselines", () => {
    const c = new CounterRates();
    c.rate("k", 100, 100);
    assert.equal(c.rate("k", 200, 100), undefined);
    assert.equal(c.rate("k", 300, 90), undefined, "time went backwards");
    assert.equal(c.rate("k", 400, 100), 10);
  });

  it("forgets a key on a non-finite value", () => {
    const c = new CounterRates();
    c.rate("k", 100, 100);
    assert.equal(c.rate("k", Number.NaN, 110), undefined);
    assert.equal(c.size, 0);
    assert.equal(c.rate("k", 300, 120), undefined, "first sight again");
  });

  it("delta follows the same rules without dividing by time", () => {
    const c = new CounterRates();
    assert.equal(c.delta("t", 10, 1), undefined);
    assert.equal(c.delta("t", 25, 3), 15);
    assert.equal(c.delta("t", 5, 4), undefined);
    assert.equal(c.delta("t", 6, 5), 1);
  });

  it("drops keys not updated since the previous sweep, so a key that comes back starts over", () => {
    const c = new CounterRates();
    c.rate("eth0", 100, 100);
    c.rate("eth1", 100, 100);
    c.sweep();
    c.rate("eth0", 200, 110);
    c.sweep();
    assert.equal(c.size, 1, "eth1 was not seen in the second sample");
    assert.equal(c.rate("eth1", 900, 120), undefined, "eth1's old baseline is gone");
    assert.equal(c.rate("eth0", 300, 120), 10);
  });
});
