/** Tests of the scheduler's settings: defaults, shares, and errors that name the field. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SCHEDULER_DEFAULTS, resolveSchedulerOptions } from "./options.ts";

describe("resolveSchedulerOptions", () => {
  it("fills in the defaults and keeps per-user shares", () => {
    assert.equal(resolveSchedulerOptions(undefined), SCHEDULER_DEFAULTS);
    const o = resolveSchedulerOptions({ heartbeatTimeoutSeconds: 60, shares: { alice: { cpus: 4, mem: 8192 } } });
    assert.equal(o.heartbeatTimeoutSeconds, 60);
    assert.equal(o.passIntervalSeconds, 1);
    assert.equal(o.meaCulpaLimit, 10);
    assert.deepEqual(o.shares.alice, { cpus: 4, mem: 8192 });
    assert.deepEqual(o.defaultShare, { cpus: 1, mem: 1024 });
  });

  it("names the field at fault", () => {
    const cases: [unknown, RegExp][] = [
      [{ heartbeatTimeoutSeconds: "x" }, /^scheduler\.heartbeatTimeoutSeconds must be a positive number, got "x"$/],
      [{ passIntervalSeconds: 0 }, /^scheduler\.passIntervalSeconds must be a positive number/],
      [{ meaCulpaLimit: 1.5 }, /^scheduler\.meaCulpaLimit must be a non-negative integer/],
      [{ maxJobsConsidered: 0 }, /^scheduler\.maxJobsConsidered must be a positive integer/],
      [{ shares: { bob: { cpus: 1 } } }, /^scheduler\.shares\.bob\.mem must be a positive number/],
      [{ defaultShare: { cpus: 1, mem: 1, gpus: 1 } }, /^scheduler\.defaultShare\.gpus is not a setting/],
      [{ heartbeatTimeout: 30 }, /^scheduler\.heartbeatTimeout is not a setting/],
      [[], /^scheduler must be an object/],
    ];
    for (const [raw, error] of cases) assert.throws(() => resolveSchedulerOptions(raw), { message: error }, JSON.stringify(raw));
  });
});
