/**
 * Tests of the intent helpers: summary truncation, cluster events, the one-line
 * format and the default logging sink.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ev } from "../streams/test-support.ts";
import { formatIntent, isClusterEvent, logIntents, MAX_SUMMARY_LENGTH, truncateSummary, type Intent } from "./intents.ts";

describe("intents", () => {
  it("truncates summaries longer than 1024 characters and leaves shorter ones alone", () => {
    assert.equal(truncateSummary("short"), "short");
    assert.equal(truncateSummary("x".repeat(MAX_SUMMARY_LENGTH)).length, MAX_SUMMARY_LENGTH);
    assert.equal(truncateSummary("x".repeat(MAX_SUMMARY_LENGTH + 1)), "x".repeat(MAX_SUMMARY_LENGTH - 1) + "…");
  });

  it("treats host * and the empty host as the cluster", () => {
    assert.deepEqual([isClusterEvent(ev({ host: "*" })), isClusterEvent(ev({ host: "" })), isClusterEvent(ev({ host: "h1" }))], [true, true, false]);
  });

  it("formats each kind on one line", () => {
    const e = ev({ host: "h1", service: "cpu", state: "ok", metric: 0.5 });
    const cases: [Intent, string][] = [
      [{ kind: "page", rule: "cpu/high", key: "cpu/high:h1/cpu", severity: "warning", summary: "cpu high", time: 1, host: "h1", service: "cpu", evidence: [e] }, "page warning cpu/high:h1/cpu: cpu high"],
      [{ kind: "resolve", rule: "cpu/high", key: "cpu/high:h1/cpu", time: 2 }, "resolve cpu/high:h1/cpu"],
      [{ kind: "blacklist", rule: "tasks", host: "h1", reason: "fails tasks", ttl: 600, time: 3 }, "blacklist h1 for 600 s (tasks): fails tasks"],
      [{ kind: "drain", rule: "swap", host: "h1", reason: "swapping", time: 3 }, "drain h1 (swap): swapping"],
      [{ kind: "log", rule: "cpu", message: "", event: e }, "log (cpu) h1 cpu ok 0.5"],
      [{ kind: "log", rule: "cpu", message: "look", event: e }, "log (cpu) look h1 cpu ok 0.5"],
      [{ kind: "forward", rule: "cpu", target: "es", event: e }, "forward h1 cpu to es (cpu)"],
    ];
    for (const [intent, line] of cases) assert.equal(formatIntent(intent), line);
  });

  it("the default sink logs pages and host actions but not index or forward intents", () => {
    const lines: string[] = [];
    const sink = logIntents((l) => lines.push(l));
    const e = ev({ host: "h1", service: "cpu" });
    sink({ kind: "index", rule: "r", event: e });
    sink({ kind: "forward", rule: "r", target: "es", event: e });
    sink({ kind: "restore", rule: "r", host: "h1", reason: "fine", time: 0 });
    assert.deepEqual(lines, ["restore h1 (r): fine"]);
  });
});
