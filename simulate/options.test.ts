/** Tests of the simulator's settings: defaults, and errors that name the field. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveSimulateOptions, SIMULATE_DEFAULTS } from "./options.ts";

describe("resolveSimulateOptions", () => {
  it("fills in the defaults", () => {
    assert.equal(resolveSimulateOptions(undefined), SIMULATE_DEFAULTS);
    const o = resolveSimulateOptions({ hosts: 20, scenario: "black-hole", jobsPerMinute: 0 });
    assert.deepEqual([o.hosts, o.scenario, o.seed, o.intervalSeconds, o.start, o.duration, o.tasks, o.jobsPerMinute, o.fraction], [20, "black-hole", 1, 10, 60, 600, true, 0, undefined]);
  });

  it("names the field at fault", () => {
    assert.throws(() => resolveSimulateOptions({ hosts: 0 }), /^Error: simulate\.hosts must be an integer from 1 to 1000000, got 0$/);
    assert.throws(() => resolveSimulateOptions({ scenario: "meteor" }, "start.simulate"), /^Error: start\.simulate\.scenario must be one of healthy, swap-storm/);
    assert.throws(() => resolveSimulateOptions({ fraction: 1.5 }), /simulate\.fraction must be a fraction in \(0, 1\], got 1\.5/);
    assert.throws(() => resolveSimulateOptions({ tasks: "yes" }), /simulate\.tasks must be true or false, got "yes"/);
    assert.throws(() => resolveSimulateOptions({ host: 3 }), /simulate\.host is not a setting \(known: hosts,/);
    assert.throws(() => resolveSimulateOptions([]), /simulate must be an object/);
  });
});
