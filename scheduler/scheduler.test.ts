/**
 * Tests of the scheduler core under a virtual clock: placement on
 * schedulable hosts with room, the agent protocol, lost hosts, retries and
 * mea culpa, drains, kills, idempotent submission, and restarts on a real
 * SQLite file.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { VirtualClock } from "../streams/clock.ts";
import { REASON_AGENT_LOST, REASON_DRAINED, REASON_KILLED_BY_USER, REASON_LOST_BY_AGENT } from "./model.ts";
import { beat, spec, testScheduler } from "./test-support.ts";

const CAP = { cpus: 4, mem: 4096 };

describe("placement through the scheduler", () => {
  it("places tasks only on registered, schedulable hosts with room", () => {
    const { scheduler, health } = testScheduler();
    for (const u of ["j1", "j2", "j3"]) assert.equal(scheduler.submit(spec(u, "alice")).status, "created");
    assert.equal(scheduler.pass().placed, 0, "no host registered: nothing placed");
    beat(scheduler, "h1", { cpus: 2, mem: 1000 });
    beat(scheduler, "h2", CAP);
    health.set("h2", { schedulable: false, reasons: ["blacklisted: bad disk"] });
    assert.equal(scheduler.pass().placed, 2);
    const launch = beat(scheduler, "h1", { cpus: 2, mem: 1000 }).launch;
    assert.deepEqual(launch.map((l) => l.jobUuid), ["j1", "j2"]);
    assert.deepEqual(launch[0], { taskId: "t1", jobUuid: "j1", user: "alice", command: "true", env: {}, cwd: undefined, cpus: 1, mem: 100 });
    assert.deepEqual(beat(scheduler, "h2", CAP).launch, [], "an unschedulable host gets nothing");
    const h2 = scheduler.hosts().find((h) => h.host === "h2")!;
    assert.equal(h2.schedulable, false);
    assert.deepEqual(h2.reasons, ["blacklisted: bad disk"]);
    assert.deepEqual(scheduler.queue().jobs.map((j) => j.uuid), ["j3"]);
    health.set("h2", { schedulable: true, reasons: [] });
    assert.equal(scheduler.pass().placed, 1);
    assert.deepEqual(beat(scheduler, "h2", CAP).launch.map((l) => l.jobUuid), ["j3"]);
  });

  it("counts memory as well as cpus", () => {
    const { scheduler } = testScheduler();
    beat(scheduler, "h1", { cpus: 16, mem: 1000 });
    scheduler.submit(spec("j1", "alice", { mem: 600 }));
    scheduler.submit(spec("j2", "alice", { mem: 600 }));
    assert.equal(scheduler.pass().placed, 1);
    assert.deepEqual(scheduler.hosts()[0]!.used, { cpus: 1, mem: 600 });
  });

  it("serves users by DRF with shares: the user under their share goes first", () => {
    const { scheduler } = testScheduler({ shares: { alice: { cpus: 2, mem: 4096 } } });
    beat(scheduler, "h1", { cpus: 3, mem: 10_000 });
    for (const u of ["a1", "a2", "a3"]) scheduler.submit(spec(u, "alice"));
    for (const u of ["b1", "b2"]) scheduler.submit(spec(u, "bob"));
    const q = scheduler.queue();
    assert.deepEqual(q.jobs.map((j) => j.uuid), ["a1", "a2", "b1", "a3", "b2"]);
    scheduler.pass();
    assert.deepEqual(scheduler.jobs({ state: "running" }).map((j) => j.uuid).sort(), ["a1", "a2", "b1"]);
    const users = scheduler.queue().users;
    assert.deepEqual(users.map((u) => [u.user, u.dominantShare, u.waiting]), [["alice", 1, 1], ["bob", 1, 1]]);
  });

  it("a submit triggers a pass once started, and the timer keeps passing", () => {
    const { scheduler, clock } = testScheduler();
    beat(scheduler, "h1", CAP);
    scheduler.start();
    scheduler.submit(spec("j1", "alice"));
    clock.runDue();
    assert.equal(scheduler.job("j1")!.state, "running");
    // The timer notices a silent host without anyone calling pass().
    clock.advanceBy(31);
    assert.equal(scheduler.hosts()[0]!.state, "lost");
    scheduler.stop();
    assert.equal(clock.pending, 0, "stop cancels the timers");
  });

  it("a host health change triggers a pass", () => {
    const { scheduler, clock, health } = testScheduler();
    health.set("h1", { schedulable: false, reasons: ["drained by operator"] });
    beat(scheduler, "h1", CAP);
    scheduler.start();
    scheduler.submit(spec("j1", "alice"));
    clock.runDue();
    assert.equal(scheduler.job("j1")!.state, "waiting");
    health.set("h1", { schedulable: true, reasons: [] });
    clock.runDue();
    assert.equal(scheduler.job("j1")!.state, "running");
    scheduler.stop();
    assert.equal(health.listenerCount, 0);
  });
});

describe("the agent protocol", () => {
  it("runs a task: launch until reported, running, finished with output", () => {
    const { scheduler } = testScheduler();
    beat(scheduler, "h1", CAP);
    scheduler.submit(spec("j1", "alice", { env: { A: "1" }, cwd: "/tmp" }));
    scheduler.pass();
    assert.equal(beat(scheduler, "h1", CAP).launch.length, 1);
    assert.equal(beat(scheduler, "h1", CAP).launch.length, 1, "resent until the agent reports it");
    const r = beat(scheduler, "h1", CAP, ["t1"]);
    assert.deepEqual(r, { launch: [], kill: [] });
    assert.equal(scheduler.job("j1")!.tasks[0]!.state, "running");
    assert.equal(scheduler.job("j1")!.tasks[0]!.startedAt, 1000);
    beat(scheduler, "h1", CAP, [], [{ taskId: "t1", exitCode: 0, stdoutTail: "hello\n" }]);
    const job = scheduler.job("j1")!;
    assert.equal(job.state, "completed");
    assert.equal(job.outcome, "success");
    assert.equal(job.tasks[0]!.state, "finished");
    assert.equal(job.tasks[0]!.stdoutTail, "hello\n");
    // A repeated report (its answer was lost) changes nothing.
    beat(scheduler, "h1", CAP, [], [{ taskId: "t1", exitCode: 0 }]);
    assert.equal(scheduler.job("j1")!.outcome, "success");
  });

  it("fails a task that is not running within the launch timeout, as mea culpa", () => {
    const { scheduler, clock } = testScheduler({ launchTimeoutSeconds: 5, heartbeatTimeoutSeconds: 1000 });
    beat(scheduler, "h1", CAP);
    scheduler.submit(spec("j1", "alice", { maxRetries: 0 }));
    scheduler.pass();
    clock.advanceBy(5);
    const r = scheduler.pass();
    assert.equal(r.launchFailures, 1);
    const job = scheduler.job("j1")!;
    assert.equal(job.tasks[0]!.state, "failed");
    assert.match(job.tasks[0]!.reason!, /^launch failure/);
    assert.equal(job.tasks[0]!.meaCulpa, true);
    assert.equal(job.state, "running", "requeued and placed again, retries untouched");
    assert.equal(job.failures, 0);
    assert.equal(job.meaCulpaFailures, 1);
  });

  it("an agent's own launch failure is mea culpa too", () => {
    const { scheduler } = testScheduler();
    beat(scheduler, "h1", CAP);
    scheduler.submit(spec("j1", "alice", { maxRetries: 0 }));
    scheduler.pass();
    beat(scheduler, "h1", CAP, [], [{ taskId: "t1", exitCode: null, reason: "spawn sh EAGAIN", meaCulpa: true }]);
    const job = scheduler.job("j1")!;
    assert.equal(job.tasks[0]!.reason, "launch failure: spawn sh EAGAIN");
    assert.equal(job.state, "waiting");
    assert.equal(job.meaCulpaFailures, 1);
  });

  it("a running task its agent forgot (agent restart) fails as mea culpa", () => {
    const { scheduler } = testScheduler();
    beat(scheduler, "h1", CAP);
    scheduler.submit(spec("j1", "alice", { maxRetries: 0 }));
    scheduler.pass();
    beat(scheduler, "h1", CAP, ["t1"]);
    beat(scheduler, "h1", CAP, []);
    const job = scheduler.job("j1")!;
    assert.equal(job.tasks[0]!.reason, REASON_LOST_BY_AGENT);
    assert.equal(job.state, "waiting");
  });

  it("tells an agent to kill tasks it does not know", () => {
    const { scheduler } = testScheduler();
    const r = beat(scheduler, "h1", CAP, ["stray"]);
    assert.deepEqual(r.kill, ["stray"]);
  });

  it("updates a host's capacity and rejects a bad host name", () => {
    const { scheduler } = testScheduler();
    beat(scheduler, "h1", CAP);
    beat(scheduler, "h1", { cpus: 8, mem: 100 });
    assert.equal(scheduler.hosts()[0]!.cpus, 8);
    assert.throws(() => beat(scheduler, "bad host", CAP), /invalid host name/);
  });
});

describe("failures and retries", () => {
  it("a lost host's tasks fail with 'agent lost' and run elsewhere without burning retries", () => {
    const { scheduler, clock } = testScheduler({ heartbeatTimeoutSeconds: 30 });
    beat(scheduler, "h1", CAP);
    scheduler.submit(spec("j1", "alice", { maxRetries: 0 }));
    scheduler.pass();
    beat(scheduler, "h1", CAP, ["t1"]);
    clock.advanceBy(29);
    assert.deepEqual(scheduler.pass().lostHosts, []);
    beat(scheduler, "h2", CAP);
    clock.advanceBy(1);
    const r = scheduler.pass();
    assert.deepEqual(r.lostHosts, ["h1"]);
    assert.equal(scheduler.isRegistered("h1"), false);
    assert.deepEqual(scheduler.registeredHosts(), ["h2"]);
    const job = scheduler.job("j1")!;
    assert.equal(job.tasks[0]!.state, "failed");
    assert.equal(job.tasks[0]!.reason, REASON_AGENT_LOST);
    assert.equal(job.tasks[0]!.meaCulpa, true);
    assert.equal(job.failures, 0);
    assert.equal(job.state, "running", "maxRetries 0, yet it runs again");
    assert.equal(job.tasks[1]!.host, "h2");
    // The lost host comes back still running the old task: it is told to kill it, and the task still holds its room until it stops.
    const back = beat(scheduler, "h1", CAP, ["t1"]);
    assert.deepEqual(back.kill, ["t1"]);
    assert.equal(scheduler.isRegistered("h1"), true);
    assert.deepEqual(scheduler.hosts().find((h) => h.host === "h1")!.used, { cpus: 1, mem: 100 });
    beat(scheduler, "h1", CAP, [], [{ taskId: "t1", exitCode: null, reason: "signal SIGTERM", stderrTail: "bye" }]);
    assert.deepEqual(scheduler.hosts().find((h) => h.host === "h1")!.used, { cpus: 0, mem: 0 });
    assert.equal(scheduler.job("j1")!.tasks[0]!.reason, REASON_AGENT_LOST, "the late report does not rewrite the task's end");
    assert.equal(scheduler.job("j1")!.tasks[0]!.stderrTail, "bye");
  });

  it("a job whose command keeps failing completes failed after maxRetries re-runs", () => {
    const { scheduler } = testScheduler();
    beat(scheduler, "h1", CAP);
    scheduler.submit(spec("j1", "alice", { maxRetries: 2 }));
    for (let attempt = 1; attempt <= 3; attempt++) {
      assert.equal(scheduler.pass().placed, 1, `attempt ${attempt} placed`);
      beat(scheduler, "h1", CAP, [], [{ taskId: `t${attempt}`, exitCode: 1 }]);
    }
    const job = scheduler.job("j1")!;
    assert.equal(job.state, "completed");
    assert.equal(job.outcome, "failed");
    assert.equal(job.reason, "retries exhausted: exit 1");
    assert.equal(job.failures, 3);
    assert.deepEqual(job.tasks.map((t) => t.state), ["failed", "failed", "failed"]);
    assert.equal(scheduler.pass().placed, 0);
  });

  it("mea-culpa failures beyond the limit count against retries", () => {
    const { scheduler } = testScheduler({ meaCulpaLimit: 2 });
    beat(scheduler, "h1", CAP);
    scheduler.submit(spec("j1", "alice", { maxRetries: 0 }));
    for (let attempt = 1; attempt <= 3; attempt++) {
      assert.equal(scheduler.pass().placed, 1);
      beat(scheduler, "h1", CAP, [`t${attempt}`]);
      beat(scheduler, "h1", CAP, []); // forgotten by the agent: mea culpa
    }
    const job = scheduler.job("j1")!;
    assert.equal(job.meaCulpaFailures, 3);
    assert.equal(job.state, "completed");
    assert.equal(job.reason, `retries exhausted: ${REASON_LOST_BY_AGENT}`);
  });

  it("a retried job avoids the host it failed on when another has room", () => {
    const { scheduler } = testScheduler();
    beat(scheduler, "h1", CAP);
    beat(scheduler, "h2", { cpus: 2, mem: 4096 });
    scheduler.submit(spec("j1", "alice"));
    scheduler.pass();
    const first = scheduler.job("j1")!.tasks[0]!.host;
    beat(scheduler, first, CAP, [], [{ taskId: "t1", exitCode: 2 }]);
    scheduler.pass();
    assert.notEqual(scheduler.job("j1")!.tasks[1]!.host, first);
  });
});

describe("drains and kills", () => {
  it("at a drain deadline, kills the host's tasks and requeues them as mea culpa", () => {
    const { scheduler, clock, health } = testScheduler();
    beat(scheduler, "h1", CAP);
    scheduler.submit(spec("j1", "alice", { maxRetries: 0 }));
    scheduler.pass();
    beat(scheduler, "h1", CAP, ["t1"]);
    beat(scheduler, "h2", CAP);
    health.set("h1", { schedulable: false, draining: { deadline: 1010 }, reasons: ["drain: task black hole"] });
    clock.advanceBy(9);
    assert.equal(scheduler.pass().drainKills, 0, "before the deadline running tasks may finish");
    assert.equal(scheduler.job("j1")!.tasks[0]!.state, "running");
    clock.advanceBy(1);
    assert.equal(scheduler.pass().drainKills, 1);
    const job = scheduler.job("j1")!;
    assert.equal(job.tasks[0]!.state, "killed");
    assert.equal(job.tasks[0]!.reason, REASON_DRAINED);
    assert.equal(job.tasks[0]!.meaCulpa, true);
    assert.equal(job.failures, 0);
    assert.equal(job.tasks[1]!.host, "h2", "requeued and placed on the healthy host");
    assert.deepEqual(beat(scheduler, "h1", CAP, ["t1"]).kill, ["t1"]);
    const h1 = scheduler.hosts().find((h) => h.host === "h1")!;
    assert.equal(h1.schedulable, false);
    assert.deepEqual(h1.draining, { deadline: 1010 });
  });

  it("a draining host gets no new tasks even before its deadline", () => {
    const { scheduler, health } = testScheduler();
    beat(scheduler, "h1", CAP);
    health.set("h1", { schedulable: true, draining: { deadline: 5000 }, reasons: ["drain"] });
    scheduler.submit(spec("j1", "alice"));
    assert.equal(scheduler.pass().placed, 0);
  });

  it("kills a job: waiting, running, completed, unknown", () => {
    const { scheduler } = testScheduler();
    scheduler.submit(spec("w", "alice"));
    assert.equal(scheduler.kill("w"), "killed");
    assert.equal(scheduler.job("w")!.state, "completed");
    assert.equal(scheduler.job("w")!.reason, REASON_KILLED_BY_USER);
    assert.equal(scheduler.kill("w"), "completed");
    assert.equal(scheduler.kill("nope"), "unknown");

    beat(scheduler, "h1", CAP);
    scheduler.submit(spec("r", "alice"));
    scheduler.pass();
    beat(scheduler, "h1", CAP, ["t1"]);
    assert.equal(scheduler.kill("r"), "killed");
    const job = scheduler.job("r")!;
    assert.equal(job.outcome, "failed");
    assert.equal(job.tasks[0]!.state, "killed");
    assert.deepEqual(beat(scheduler, "h1", CAP, ["t1"]).kill, ["t1"]);
    beat(scheduler, "h1", CAP, [], [{ taskId: "t1", exitCode: null, reason: "signal SIGTERM" }]);
    assert.equal(scheduler.job("r")!.tasks[0]!.state, "killed");
    assert.equal(scheduler.pass().placed, 0, "a killed job is not requeued");
  });
});

describe("submission", () => {
  it("is idempotent per uuid and refuses a different spec under a used uuid", () => {
    const { scheduler } = testScheduler();
    const first = scheduler.submit(spec("j1", "alice", { env: { B: "2", A: "1" } }));
    assert.equal(first.status, "created");
    const again = scheduler.submit(spec("j1", "alice", { env: { A: "1", B: "2" } }));
    assert.equal(again.status, "existing");
    const other = scheduler.submit(spec("j1", "alice", { cpus: 2 }));
    assert.equal(other.status, "conflict");
    assert.equal(scheduler.jobs().length, 1);
  });

  it("names the field of an invalid spec", () => {
    const { scheduler } = testScheduler();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ user: "alice", command: "x", cpus: 0, mem: 1 }, /^cpus must be a positive number/],
      [{ user: "alice", command: "x", cpus: 1, mem: -1 }, /^mem must be/],
      [{ user: "alice", command: "", cpus: 1, mem: 1 }, /^command must be/],
      [{ command: "x", cpus: 1, mem: 1 }, /^user must be/],
      [{ user: "alice", command: "x", cpus: 1, mem: 1, priority: 101 }, /^priority must be an integer from 0 to 100/],
      [{ user: "alice", command: "x", cpus: 1, mem: 1, max_retries: 2 }, /^max_retries is not a job field/],
      [{ user: "alice", command: "x", cpus: 1, mem: 1, cwd: "rel" }, /^cwd must be an absolute path/],
      [{ user: "alice", command: "x", cpus: 1, mem: 1, env: { "A-B": "1" } }, /^env key "A-B"/],
    ];
    for (const [raw, error] of cases) {
      const r = scheduler.submit(raw);
      assert.equal(r.status, "invalid", JSON.stringify(raw));
      assert.match((r as { error: string }).error, error);
    }
  });

  it("applies defaults and generates a uuid when none is given", () => {
    const { scheduler } = testScheduler();
    const r = scheduler.submit({ user: "alice", command: "true", cpus: 1, mem: 1 });
    assert.equal(r.status, "created");
    const job = (r as { job: { uuid: string; priority: number; maxRetries: number } }).job;
    assert.match(job.uuid, /^[0-9a-f-]{36}$/);
    assert.equal(job.priority, 50);
    assert.equal(job.maxRetries, 3);
  });

  it("lists jobs by user and state, newest first", () => {
    const { scheduler } = testScheduler();
    scheduler.submit(spec("a1", "alice"));
    scheduler.submit(spec("b1", "bob"));
    scheduler.submit(spec("a2", "alice"));
    scheduler.kill("a1");
    assert.deepEqual(scheduler.jobs({ user: "alice" }).map((j) => j.uuid), ["a2", "a1"]);
    assert.deepEqual(scheduler.jobs({ state: "waiting" }).map((j) => j.uuid), ["a2", "b1"]);
    assert.deepEqual(scheduler.jobs({ limit: 1 }).map((j) => j.uuid), ["a2"]);
  });
});

describe("restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "satellite-scheduler-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("closing and reopening the database keeps hosts, jobs, tasks and counts", () => {
    const path = join(dir, "restart.db");
    const a = testScheduler({}, path);
    beat(a.scheduler, "h1", CAP);
    a.scheduler.submit(spec("j1", "alice"));
    a.scheduler.submit(spec("j2", "bob", { maxRetries: 5 }));
    a.scheduler.submit(spec("j3", "carol", { cpus: 64 }));
    a.scheduler.pass();
    beat(a.scheduler, "h1", CAP, ["t1", "t2"]);
    beat(a.scheduler, "h1", CAP, ["t1"], [{ taskId: "t2", exitCode: 7 }]);
    a.scheduler.stop();
    a.db.close();

    // Much later: the host gets a full timeout to check in after the restart.
    const b = testScheduler({ heartbeatTimeoutSeconds: 30 }, path, new VirtualClock(5000), "u");
    assert.deepEqual(b.scheduler.registeredHosts(), ["h1"]);
    assert.equal(b.scheduler.pass().lostHosts.length, 0);
    const j1 = b.scheduler.job("j1")!;
    assert.equal(j1.state, "running");
    assert.equal(j1.tasks[0]!.state, "running");
    const j2 = b.scheduler.job("j2")!;
    assert.equal(j2.failures, 1);
    assert.equal(j2.tasks[0]!.reason, "exit 7");
    assert.equal(b.scheduler.job("j3")!.state, "waiting");
    assert.deepEqual(b.scheduler.queue().jobs.map((j) => j.uuid), ["j3"], "j2 was placed again by the pass above");
    assert.equal(b.scheduler.submit(spec("j1", "alice")).status, "existing");
    assert.equal(b.scheduler.submit(spec("j4", "alice")).status, "created");
    assert.equal(b.scheduler.job("j4")!.seq, 4);
    beat(b.scheduler, "h1", CAP, [], [{ taskId: "t1", exitCode: 0 }]);
    assert.equal(b.scheduler.job("j1")!.outcome, "success");
    b.db.close();
  });
});
