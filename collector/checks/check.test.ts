/**
 * Tests of command check definitions: defaults, validation errors that
 * name the field, and resolved checks run for real (exit codes, json
 * lines, env).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHECK_DEFAULTS, resolveCheck, resolveChecks } from "./check.ts";

const ctx = () => ({ host: "web1", signal: new AbortController().signal });

describe("resolveCheck", () => {
  it("fills the defaults: every 60 s, 10 s timeout, exit-code output, ttl of 3 periods", () => {
    const c = resolveCheck({ name: "ok", command: "true" });
    assert.deepEqual(c.schedule, { kind: "interval", seconds: CHECK_DEFAULTS.intervalSeconds });
    assert.equal(c.timeoutSeconds, 10);
    assert.equal(c.ttlPeriods, 3);
    assert.deepEqual(c.tags, []);
  });

  it("takes a cron schedule", () => {
    const c = resolveCheck({ name: "nightly", command: "true", schedule: "0 0 6 * * *" });
    assert.deepEqual(c.schedule, { kind: "cron", expression: "0 0 6 * * *" });
  });

  const errors: [string, unknown, RegExp][] = [
    ["not an object", "df", /^checks\[0\] must be an object, got "df"$/],
    ["no name", { command: "true" }, /^checks\[0\]\.name must be a non-empty string, got nothing$/],
    ["no command", { name: "x" }, /^checks\[0\]\.command must be a non-empty string/],
    ["args not strings", { name: "x", command: "true", args: ["a", 1] }, /^checks\[0\]\.args\[1\] must be a string, got 1$/],
    ["both schedules", { name: "x", command: "true", schedule: "* * * * *", intervalSeconds: 5 }, /give schedule or intervalSeconds, not both/],
    ["a bad cron expression", { name: "x", command: "true", schedule: "61 * * * *" }, /^checks\[0\]\.schedule is not a cron expression: minute/],
    ["a zero interval", { name: "x", command: "true", intervalSeconds: 0 }, /^checks\[0\]\.intervalSeconds must be a positive number of seconds, got 0$/],
    ["a bad timeout", { name: "x", command: "true", timeoutSeconds: "10" }, /^checks\[0\]\.timeoutSeconds must be a positive number of seconds, got "10"$/],
    ["an unknown output", { name: "x", command: "true", output: "nagios" }, /^checks\[0\]\.output must be "exit-code" or "json-lines", got "nagios"$/],
    ["env values not strings", { name: "x", command: "true", env: { A: 1 } }, /^checks\[0\]\.env\.A must be a string, got 1$/],
    ["ttlPeriods below 1", { name: "x", command: "true", ttlPeriods: 0.5 }, /^checks\[0\]\.ttlPeriods must be a number >= 1, got 0.5$/],
    ["an unknown field", { name: "x", command: "true", every: 5 }, /^checks\[0\]\.every is not a check setting/],
  ];
  for (const [what, raw, message] of errors) {
    it(`rejects ${what} with an error naming the field`, () => {
      assert.throws(() => resolveChecks([raw]), { message });
    });
  }

  it("rejects two checks with one name", () => {
    assert.throws(() => resolveChecks([{ name: "x", command: "true" }, { name: "x", command: "false" }]), /two checks are named "x"/);
  });
});

describe("a resolved command check, run", () => {
  it("maps exit codes: 0 ok, 1 warning, 2 critical, 5 critical", async () => {
    const states = [];
    for (const code of [0, 1, 2, 5]) {
      const [r] = await resolveCheck({ name: "x", command: "sh", args: ["-c", `echo exit-was-${code}; exit ${code}`] }).run(ctx());
      states.push([r!.state, r!.metric, r!.description]);
    }
    assert.deepEqual(states, [
      ["ok", 0, "exit-was-0"],
      ["warning", 1, "exit-was-1"],
      ["critical", 2, "exit-was-2"],
      ["critical", 5, "exit 5: exit-was-5"],
    ]);
  });

  it("runs json-lines checks and passes env", async () => {
    const check = resolveCheck({ name: "queues", command: "sh", args: ["-c", 'echo "{\\"service\\":\\"queue $Q\\",\\"metric\\":7}"'], env: { Q: "mail" }, output: "json-lines" });
    assert.deepEqual(await check.run(ctx()), [{ service: "queue mail", metric: 7 }]);
  });

  it("reports a command that does not exist as critical", async () => {
    const [r] = await resolveCheck({ name: "x", command: "satellite-no-such-command-xyz" }).run(ctx());
    assert.equal(r!.state, "critical");
    assert.match(r!.description!, /cannot run "satellite-no-such-command-xyz": .*ENOENT/);
  });
});
