/**
 * Tests of the guard decision: the inventory minimum, the fraction cap of
 * registered hosts, and the sliding rate window, in that order.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkRemoval, outCap } from "./guard.ts";
import { HOST_HEALTH_DEFAULTS, resolveHostHealthOptions } from "./options.ts";

const limits = HOST_HEALTH_DEFAULTS;

describe("checkRemoval", () => {
  it("caps hosts out by automation at ⌊fraction × registered⌋", () => {
    assert.equal(outCap(50, 0.1), 5);
    assert.equal(outCap(9, 0.1), 0);
    assert.equal(outCap(100, 0.29), 29);
    assert.deepEqual(checkRemoval({ registered: 50, outByAutomation: 4, removalsInWindow: 0 }, limits), { allowed: true });
    const refused = checkRemoval({ registered: 50, outByAutomation: 5, removalsInWindow: 0 }, limits);
    assert.equal(refused.allowed, false);
    assert.equal(!refused.allowed && refused.guard, "fraction");
    assert.match(!refused.allowed ? refused.why : "", /at most 5 of 50 registered hosts \(10%\)/);
  });

  it("refuses below the inventory minimum, an empty inventory included", () => {
    for (const registered of [0, 1, 2]) {
      const v = checkRemoval({ registered, outByAutomation: 0, removalsInWindow: 0 }, { ...limits, maxOutFraction: 1 });
      assert.equal(!v.allowed && v.guard, "inventory", `registered ${registered}`);
    }
  });

  it("refuses when the window already holds maxRemovalsPerWindow removals", () => {
    const v = checkRemoval({ registered: 100, outByAutomation: 0, removalsInWindow: 5 }, limits);
    assert.equal(!v.allowed && v.guard, "rate");
    assert.deepEqual(checkRemoval({ registered: 100, outByAutomation: 0, removalsInWindow: 4 }, limits), { allowed: true });
  });
});

describe("resolveHostHealthOptions", () => {
  it("fills defaults and names a bad or unknown field", () => {
    assert.equal(resolveHostHealthOptions({ maxOutFraction: 0.2 }).minInventory, 3);
    assert.throws(() => resolveHostHealthOptions({ maxOutFraction: 2 }), /scheduler\.health\.maxOutFraction must be a fraction from 0 to 1, got 2/);
    assert.throws(() => resolveHostHealthOptions({ minInventry: 3 }), /scheduler\.health\.minInventry is not a setting/);
    assert.throws(() => resolveHostHealthOptions({ removalWindowSeconds: "x" }, "health"), /health\.removalWindowSeconds must be a positive number, got "x"/);
  });
});
