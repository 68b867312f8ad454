/**
 * Tests of the output mappings: exit codes to states (0 ok, 1 warning, 2
 * and anything else critical), descriptions from the output's tail, json
 * lines to partial events, and failures (no start, signal, bad lines, cut
 * output) to critical results that say why.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CommandResult } from "./command.ts";
import { exitCodeResults, jsonLinesResults, MAX_DESCRIPTION } from "./output.ts";

function result(fields: Partial<CommandResult>): CommandResult {
  return { exitCode: 0, signal: null, stdout: "", stdoutTruncated: false, stderr: "", aborted: false, ...fields };
}

describe("exitCodeResults", () => {
  const cases: [string, Partial<CommandResult>, { state: string; metric?: number; description?: string | RegExp }][] = [
    ["exit 0 is ok, with stdout as the description", { exitCode: 0, stdout: "all good\n" }, { state: "ok", metric: 0, description: "all good" }],
    ["exit 0 with no output has no description", { exitCode: 0 }, { state: "ok", metric: 0, description: undefined }],
    ["exit 1 is a warning", { exitCode: 1, stdout: "82% used" }, { state: "warning", metric: 1, description: "82% used" }],
    ["exit 2 is critical", { exitCode: 2, stdout: "97% used" }, { state: "critical", metric: 2, description: "97% used" }],
    ["exit 3 (Nagios' unknown) is critical and says the code", { exitCode: 3, stderr: "no such mount" }, { state: "critical", metric: 3, description: "exit 3: no such mount" }],
    ["exit 127 is critical", { exitCode: 127 }, { state: "critical", metric: 127, description: "exit 127" }],
    ["stdout and stderr both make the description", { exitCode: 2, stdout: "bad", stderr: "worse" }, { state: "critical", metric: 2, description: "bad\nworse" }],
    ["a command that cannot start is critical", { exitCode: null, error: "spawn nosuch ENOENT" }, { state: "critical", description: 'cannot run "cmd": spawn nosuch ENOENT' }],
    ["a signal is critical", { exitCode: null, signal: "SIGSEGV" }, { state: "critical", description: /SIGSEGV/ }],
  ];
  for (const [name, fields, expected] of cases) {
    it(name, () => {
      const [r, ...rest] = exitCodeResults(result(fields), "cmd");
      assert.equal(rest.length, 0);
      assert.equal(r!.state, expected.state);
      assert.equal(r!.metric, expected.metric);
      if (expected.description instanceof RegExp) assert.match(r!.description ?? "", expected.description);
      else assert.equal(r!.description, expected.description);
    });
  }

  it("keeps the tail of a long output", () => {
    const [r] = exitCodeResults(result({ exitCode: 2, stdout: `${"x".repeat(5000)}THE END` }), "cmd");
    assert.equal(r!.description!.length, MAX_DESCRIPTION);
    assert.ok(r!.description!.endsWith("THE END"));
  });
});

describe("jsonLinesResults", () => {
  it("turns each line into a partial event", () => {
    const stdout = '{"service":"queue depth","metric":12,"state":"ok"}\n\n{"metric":3,"tags":["x"],"attributes":{"queue":"mail"}}\n';
    assert.deepEqual(jsonLinesResults(result({ stdout }), "q"), [
      { service: "queue depth", metric: 12, state: "ok" },
      { metric: 3, tags: ["x"], attributes: { queue: "mail" } },
    ]);
  });

  it("adds a critical result naming each bad line", () => {
    const stdout = '{"metric":1}\nnot json\n[1,2]\n{"host":"other"}\n';
    const results = jsonLinesResults(result({ stdout }), "q");
    assert.deepEqual(results[0], { metric: 1 });
    assert.equal(results.length, 2);
    assert.equal(results[1]!.state, "critical");
    assert.match(results[1]!.description!, /line 2 is not JSON; line 3 is not a JSON object; line 4 has field "host"/);
  });

  it("adds a critical result for a non-zero exit, with stderr", () => {
    const results = jsonLinesResults(result({ exitCode: 4, stdout: '{"metric":1}\n', stderr: "partial failure" }), "q");
    assert.deepEqual(results[0], { metric: 1 });
    assert.deepEqual(results[1], { state: "critical", metric: 4, description: "exit 4: partial failure" });
  });

  it("drops the cut last line of a truncated output and says so", () => {
    const results = jsonLinesResults(result({ stdout: '{"metric":1}\n{"metr', stdoutTruncated: true }), "q");
    assert.deepEqual(results[0], { metric: 1 });
    assert.match(results[1]!.description!, /cut/);
  });

  it("makes a command that cannot start, or dies of a signal, one critical result", () => {
    assert.deepEqual(jsonLinesResults(result({ exitCode: null, error: "spawn x ENOENT" }), "x"), [{ state: "critical", description: 'cannot run "x": spawn x ENOENT' }]);
    const [r] = jsonLinesResults(result({ exitCode: null, signal: "SIGKILL", stdout: '{"metric":1}\n' }), "x");
    assert.equal(r!.state, "critical");
  });
});
