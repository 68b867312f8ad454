/**
 * Tests of the process probe: counts by state from /proc/<pid>/stat
 * (commands with spaces and parentheses, a process gone mid-scan), the
 * D-state count, and the thread counts from /proc/stat.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { processesProbe, processState } from "./processes.ts";
import { FixtureTree, metricOf } from "./test-support.ts";

const ctx = { host: "web1", now: 1_700_000_000 };

describe("processesProbe", () => {
  const tree = new FixtureTree("normal");
  after(() => tree.cleanup());

  it("counts processes by state, D state as blocked, and the kernel's running and blocked threads", async () => {
    const events = await processesProbe({ procRoot: tree.procRoot, ttl: 30 }).sample(ctx);
    const counts = Object.fromEntries(events.map((e) => [e.service.replace("system.process.summary.", ""), e.metric]));
    assert.deepEqual(counts, {
      total: 7, // pid 500 exited between the listing and the read
      running: 1,
      sleeping: 2,
      blocked: 1,
      idle: 1,
      stopped: 1,
      zombie: 1,
      dead: 0,
      unknown: 0,
      "threads.running": 3,
      "threads.blocked": 1,
    });
  });

  it("finds the D-state process of an old kernel", async () => {
    const old = new FixtureTree("no-psi");
    try {
      const events = await processesProbe({ procRoot: old.procRoot, ttl: 30 }).sample(ctx);
      assert.equal(metricOf(events, "system.process.summary.blocked"), 1);
      assert.equal(metricOf(events, "system.process.summary.total"), 2);
    } finally {
      old.cleanup();
    }
  });
});

describe("processState", () => {
  it("reads the letter after the last closing parenthesis", () => {
    assert.equal(processState("200 (my (odd) proc) D 1 200"), "D");
    assert.equal(processState("7 (a) b) c) S 1"), "S");
    assert.equal(processState("garbage"), "");
  });
});
