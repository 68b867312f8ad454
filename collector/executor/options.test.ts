/** Tests of the executor's settings: defaults, and errors that name the field. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EXECUTOR_DEFAULTS, resolveExecutorOptions } from "./options.ts";

describe("resolveExecutorOptions", () => {
  it("fills in the defaults", () => {
    const s = resolveExecutorOptions(undefined);
    assert.equal(s.heartbeatSeconds, EXECUTOR_DEFAULTS.heartbeatSeconds);
    assert.equal(s.killGraceSeconds, 10);
    assert.equal(s.tailBytes, 65_536);
    assert.equal(s.capacity, undefined);
    assert.deepEqual(s.attributes, {});
  });

  it("names the field at fault", () => {
    const cases: [unknown, RegExp][] = [
      [{ tailBytes: 0 }, /^collector\.executor\.tailBytes must be a positive integer, got 0$/],
      [{ heartbeatSeconds: "5" }, /^collector\.executor\.heartbeatSeconds must be a positive number, got "5"$/],
      [{ killGraceSeconds: -1 }, /killGraceSeconds must be a non-negative number/],
      [{ capacity: { cpus: 2 } }, /capacity\.mem must be a positive number/],
      [{ workDir: "tmp" }, /workDir must be an absolute path/],
      [{ attributes: { rack: 3 } }, /attributes\.rack must be a string/],
      [{ heartbeat: 5 }, /collector\.executor\.heartbeat is not a setting/],
      ["x", /collector\.executor must be an object/],
    ];
    for (const [raw, error] of cases) assert.throws(() => resolveExecutorOptions(raw), { message: error }, JSON.stringify(raw));
  });
});
