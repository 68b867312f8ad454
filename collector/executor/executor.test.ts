/**
 * Tests of the executor with real child processes: output, exit codes,
 * environment and working directory, bounded capture, kills of the whole
 * process group with SIGTERM then SIGKILL after the grace period (on a
 * virtual clock), the task events it publishes, and the report outbox.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { BusTopic } from "../../bus/bus.ts";
import { VirtualClock } from "../../streams/clock.ts";
import type { Event } from "../../streams/event.ts";
import type { LaunchOrder } from "../../scheduler/protocol.ts";
import { Executor } from "./executor.ts";
import { TailBuffer } from "./tail.ts";

function recorder(): { publish: (topic: BusTopic, events: readonly Event[]) => Promise<void>; events: Event[]; topics: BusTopic[] } {
  const events: Event[] = [];
  const topics: BusTopic[] = [];
  return {
    events,
    topics,
    publish: (topic, batch) => {
      topics.push(topic);
      events.push(...batch);
      return Promise.resolve();
    },
  };
}

function order(taskId: string, command: string, extra: Partial<LaunchOrder> = {}): LaunchOrder {
  return { taskId, jobUuid: `job-${taskId}`, user: "alice", command, env: {}, cpus: 1, mem: 64, ...extra };
}

/** Resolves when `text` appears in the task's output. */
function outputSeen(sink: { onOutput?: (id: string, s: string, c: Buffer) => void }, taskId: string, text: string): Promise<void> {
  let seen = "";
  return new Promise((resolve) => {
    sink.onOutput = (id, _s, chunk) => {
      if (id !== taskId) return;
      seen += chunk.toString();
      if (seen.includes(text)) resolve();
    };
  });
}

/** True when `pid` runs (a zombie waiting to be reaped does not). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("Executor", () => {
  const dir = mkdtempSync(join(tmpdir(), "satellite-executor-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function make(extra: { killGraceSeconds?: number; tailBytes?: number } = {}) {
    const clock = new VirtualClock(100);
    const rec = recorder();
    const hooks: { onOutput?: (id: string, s: string, c: Buffer) => void } = {};
    const executor = new Executor({ host: "web1", clock, publish: rec, workDir: dir, ...extra, onOutput: (id, s, c) => hooks.onOutput?.(id, s, c) });
    return { clock, rec, executor, hooks };
  }

  it("runs a command with its env and cwd, reports exit 0 and publishes started + finished", async () => {
    const { executor, rec, clock } = make();
    executor.launch(order("t1", 'echo "$GREETING from $(pwd) as $SATELLITE_USER"; echo oops >&2', { env: { GREETING: "hello" }, cwd: dir }));
    assert.deepEqual(executor.runningIds(), ["t1"]);
    clock.advanceBy(3);
    const report = (await executor.wait("t1"))!;
    assert.equal(report.exitCode, 0);
    assert.equal(report.stdoutTail, `hello from ${dir} as alice\n`);
    assert.equal(report.stderrTail, "oops\n");
    assert.deepEqual(executor.runningIds(), []);
    assert.deepEqual(executor.pendingReports(), [report]);
    await executor.idle();
    assert.deepEqual(rec.topics, ["tasks", "tasks"]);
    assert.deepEqual(
      rec.events.map((e) => [e.host, e.service, e.state, e.metric, e.time]),
      [
        ["web1", "task started", "ok", undefined, 100],
        ["web1", "task finished", "ok", 3, 103],
      ],
    );
    assert.deepEqual(rec.events[1]!.attributes, { task_id: "t1", job_uuid: "job-t1", user: "alice" });
    assert.equal(rec.events[1]!.ttl, 600);
  });

  it("does not pass the agent's own environment on", async () => {
    process.env.SATELLITE_TEST_SECRET = "hunter2";
    try {
      const { executor } = make();
      executor.launch(order("t1", 'echo "[$SATELLITE_TEST_SECRET]"'));
      assert.equal((await executor.wait("t1"))!.stdoutTail, "[]\n");
    } finally {
      delete process.env.SATELLITE_TEST_SECRET;
    }
  });

  it("a non-zero exit is a failure with the code, published as task failed", async () => {
    const { executor, rec } = make();
    executor.launch(order("t1", "echo bad >&2; exit 3"));
    const report = (await executor.wait("t1"))!;
    assert.deepEqual([report.exitCode, report.reason, report.meaCulpa], [3, "exit 3", undefined]);
    await executor.idle();
    const failed = rec.events[1]!;
    assert.equal(failed.service, "task failed");
    assert.equal(failed.state, "critical");
    assert.equal(failed.metric, 3);
    assert.equal(failed.description, "exit 3");
    assert.deepEqual(failed.attributes, { task_id: "t1", job_uuid: "job-t1", user: "alice", exit_code: "3", reason: "exit 3" });
  });

  it("keeps only the end of a large output", async () => {
    const { executor } = make({ tailBytes: 1000 });
    executor.launch(order("t1", "i=0; while [ $i -lt 3000 ]; do echo line$i; i=$((i+1)); done; echo END"));
    const report = (await executor.wait("t1"))!;
    assert.equal(Buffer.byteLength(report.stdoutTail!), 1000);
    assert.ok(report.stdoutTail!.endsWith("line2999\nEND\n"));
    const t = new TailBuffer(5);
    for (let i = 0; i < 100; i++) t.write(Buffer.from(`${i % 10}`));
    assert.equal(t.text(), "56789");
    const u = new TailBuffer(4);
    u.write(Buffer.from("aé€"));
    assert.equal(u.text(), "€", "a character cut at the start is dropped");
  });

  it("kills the whole process group: SIGTERM first", async () => {
    const { executor, hooks } = make();
    const ready = outputSeen(hooks, "t1", "pid ");
    executor.launch(order("t1", 'sleep 30 & echo "pid $!"; wait'));
    await ready;
    executor.kill("t1");
    const report = (await executor.wait("t1"))!;
    assert.equal(report.exitCode, null);
    assert.equal(report.reason, "killed (signal SIGTERM)");
    const pid = Number(/pid (\d+)/.exec(report.stdoutTail!)![1]);
    assert.equal(isAlive(pid), false, "the background child died with the group");
  });

  it("kills with SIGKILL when the grace period runs out", async () => {
    const { executor, hooks, clock } = make({ killGraceSeconds: 10 });
    const ready = outputSeen(hooks, "t1", "ready");
    executor.launch(order("t1", "trap '' TERM; echo ready; sleep 30; echo survived"));
    await ready;
    executor.kill("t1");
    clock.advanceBy(10);
    const report = (await executor.wait("t1"))!;
    assert.equal(report.reason, "killed (signal SIGKILL)");
    assert.equal(report.stdoutTail, "ready\n");
  });

  it("a missing working directory fails the task, not the host", async () => {
    const { executor, rec } = make();
    executor.launch(order("t1", "true", { cwd: join(dir, "nope") }));
    const report = (await executor.wait("t1"))!;
    assert.match(report.reason!, /working directory .*nope does not exist/);
    assert.equal(report.meaCulpa, undefined);
    await executor.idle();
    assert.deepEqual(rec.events.map((e) => e.service), ["task started", "task failed"]);
  });

  it("runs a task once however often it is ordered, and forgets a report once acknowledged", async () => {
    const { executor, rec } = make();
    executor.launch(order("t1", "echo once"));
    executor.launch(order("t1", "echo once"));
    const report = (await executor.wait("t1"))!;
    executor.launch(order("t1", "echo once"));
    assert.deepEqual(executor.pendingReports().length, 1);
    executor.acknowledge([report]);
    assert.deepEqual(executor.pendingReports(), []);
    executor.launch(order("t1", "echo once"));
    assert.deepEqual(executor.runningIds(), []);
    await executor.idle();
    assert.equal(rec.events.filter((e) => e.service === "task started").length, 1);
  });

  it("a failing publisher does not stop the executor", async () => {
    const clock = new VirtualClock(0);
    const errors: unknown[] = [];
    const executor = new Executor({ host: "web1", clock, publish: { publish: () => Promise.reject(new Error("bus down")) }, onError: (e) => errors.push(e) });
    executor.launch(order("t1", "true"));
    assert.equal((await executor.wait("t1"))!.exitCode, 0);
    await executor.idle();
    assert.equal(errors.length, 2);
  });
});
