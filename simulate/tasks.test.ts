/**
 * Tests of the simulator's task side under the virtual clock, with the real
 * scheduler in-process (in-memory SQLite) and the engine running the
 * built-in rules: a seed replays the same tasks; placed tasks finish and
 * their jobs complete; kills are honoured; a black-hole host is drained by
 * the task-black-hole rule and no other host is; a partitioned host's tasks
 * are lost and requeued without burning retries; without a scheduler only
 * readings are sent.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BUILTIN_RULES_DIR } from "../cli/app.ts";
import type { Intent } from "../rules/intents.ts";
import { loadRules } from "../rules/loader.ts";
import { inProcessSchedulerClient } from "../scheduler/agents.ts";
import { testScheduler } from "../scheduler/test-support.ts";
import { Engine } from "../streams/engine.ts";
import type { Event } from "../streams/event.ts";
import { fanout } from "../streams/stream.ts";
import { REASON_SIMULATED_KILL, runtimeOfCommand } from "./agent.ts";
import { formatStatus, startSimulation, type StartSimulationOptions } from "./simulation.ts";

type Extra = Partial<Omit<StartSimulationOptions, "clock" | "publish" | "scheduler">>;

/** A scheduler, an engine with the built-in rules, and a simulation feeding both. */
function world(extra: Extra & { hosts: number; scenario: string; seed: number }, rules = true) {
  const { scheduler, clock, db } = testScheduler();
  scheduler.start();
  const engine = new Engine({ clock });
  const intents: Intent[] = [];
  if (rules) {
    const loaded = loadRules(BUILTIN_RULES_DIR, { context: () => engine.ctx, sink: (i) => intents.push(i) });
    assert.ok(loaded.ok);
    engine.setStream(fanout(engine.ctx, "rules", loaded.value.map((r) => r.stream)));
  }
  const taskEvents: Event[] = [];
  const sim = startSimulation({
    clock,
    settings: { start: 60, duration: 300 },
    ...extra,
    publish: (events) => void engine.submitAll(events),
    publishTasks: (events) => {
      taskEvents.push(...events);
      engine.submitAll(events);
    },
    scheduler: { client: inProcessSchedulerClient(scheduler), submit: (spec) => scheduler.submit(spec) },
  });
  /** Moves the clock a second at a time, letting heartbeats be answered in between. */
  async function run(seconds: number): Promise<void> {
    for (let i = 0; i < seconds; i++) {
      clock.advanceBy(1);
      await sim.idle();
    }
  }
  async function close(): Promise<void> {
    await sim.stop();
    scheduler.stop();
    db.close();
  }
  return { scheduler, clock, sim, intents, taskEvents, run, close };
}

describe("simulated tasks", () => {
  it("is deterministic for a seed: the same task events and job outcomes", async () => {
    const trace = async (seed: number) => {
      const w = world({ hosts: 12, scenario: "black-hole", seed }, false);
      await w.run(400);
      const tasks = w.taskEvents.map((e) => [e.host, e.service, e.attributes?.task_id, e.attributes?.job_uuid, e.time.toFixed(3), e.state, e.metric].join(" "));
      const jobs = w.scheduler.jobs({ limit: 1000 }).map((j) => `${j.uuid} ${j.user} ${j.cpus} ${j.mem} ${j.state} ${j.outcome ?? ""} ${j.failures}`);
      await w.close();
      return { tasks, jobs };
    };
    const a = await trace(5);
    assert.ok(a.tasks.length > 100, `a busy fleet (${a.tasks.length} task events)`);
    assert.deepEqual(await trace(5), a);
    assert.notDeepEqual((await trace(6)).tasks, a.tasks);
  });

  it("hosts register as agents; placed tasks finish and every job completes", async () => {
    const w = world({ hosts: 10, scenario: "healthy", seed: 2, agents: { failureRate: 0 } }, false);
    await w.run(400);
    const hosts = w.scheduler.hosts();
    assert.equal(hosts.length, 10);
    assert.deepEqual(hosts[0]!.attributes, { simulated: "true" });
    assert.deepEqual([hosts[0]!.cpus, hosts[0]!.mem], [8, 32768]);
    assert.ok(w.sim.stats.tasksRunning > 0);
    await w.sim.workload!.stop();
    await w.run(500); // longer than the longest job (300 s) plus a queue's worth
    const jobs = w.scheduler.jobs({ limit: 1000 });
    assert.equal(jobs.length, w.sim.stats.submitted);
    assert.ok(jobs.length > 60, `${jobs.length} jobs`);
    assert.deepEqual(new Set(jobs.map((j) => `${j.state} ${j.outcome}`)), new Set(["completed success"]));
    assert.deepEqual(new Set(jobs.map((j) => j.user)), new Set(["alice", "bob", "carol"]));
    const one = w.scheduler.job(jobs[0]!.uuid)!;
    const task = one.tasks[0]!;
    assert.ok(task.startedAt !== undefined && task.endedAt !== undefined);
    assert.ok(Math.abs(task.endedAt - task.startedAt - runtimeOfCommand(one.command)!) <= 6, "runs about as long as its command says (plus heartbeat delays)");
    const started = w.taskEvents.filter((e) => e.service === "task started").length;
    const finished = w.taskEvents.filter((e) => e.service === "task finished");
    assert.equal(started, jobs.length);
    assert.equal(finished.length, jobs.length);
    assert.deepEqual(Object.keys(finished[0]!.attributes ?? {}).sort(), ["job_uuid", "task_id", "user"]);
    assert.ok(w.scheduler.hosts().every((h) => h.used.cpus === 0 && h.tasks === 0));
    assert.match(formatStatus(w.sim.stats), /^\+900s healthy baseline \| 10 hosts \(0 silent\) \| events \d+ \(\+\d+ task\) 0 errors \| jobs \d+ submitted, 0 refused \| tasks 0 running/);
    await w.close();
  });

  it("honours kills: the task fails 'killed (signal SIGTERM)' and its room is freed", async () => {
    const w = world({ hosts: 2, scenario: "healthy", seed: 1, jobsPerMinute: 0 }, false);
    await w.run(6);
    assert.equal(w.scheduler.submit({ uuid: "long", user: "dave", command: "sleep 1000", cpus: 2, mem: 1024 }).status, "created");
    await w.run(12);
    assert.equal(w.scheduler.job("long")!.tasks[0]!.state, "running");
    assert.equal(w.scheduler.kill("long"), "killed");
    await w.run(12);
    const failed = w.taskEvents.filter((e) => e.service === "task failed");
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.description, REASON_SIMULATED_KILL);
    assert.equal(failed[0]!.attributes?.reason, REASON_SIMULATED_KILL);
    assert.equal(w.sim.stats.tasksKilled, 1);
    assert.equal(w.sim.stats.tasksRunning, 0);
    assert.ok(w.scheduler.hosts().every((h) => h.used.cpus === 0));
    assert.deepEqual([w.scheduler.job("long")!.state, w.scheduler.job("long")!.reason], ["completed", "killed by user"]);
    await w.close();
  });

  it("black hole: the task-black-hole rule drains exactly the black-hole host", async () => {
    const w = world({ hosts: 20, scenario: "black-hole", seed: 3 });
    await w.run(100);
    const victims = w.sim.fleet.hosts.filter((h) => h.condition.blackHole).map((h) => h.name);
    assert.equal(victims.length, 1);
    await w.run(300);
    const onVictim = w.taskEvents.filter((e) => e.host === victims[0] && e.service === "task failed" && e.time > w.sim.fleet.startedAt + 60);
    assert.ok(onVictim.length >= 5, `the black hole failed ${onVictim.length} tasks`);
    assert.ok(onVictim.every((e) => e.attributes?.exit_code === "1" && e.attributes.reason === "exit 1"));
    const drains = w.intents.filter((i) => i.kind === "drain" && i.rule === "task-black-hole");
    assert.ok(drains.length >= 1);
    assert.deepEqual(new Set(drains.map((d) => (d.kind === "drain" ? d.host : ""))), new Set(victims));
    const pages = w.intents.filter((i) => i.kind === "page" && i.rule.startsWith("task-black-hole"));
    assert.deepEqual(new Set(pages.map((p) => (p.kind === "page" ? p.host : ""))), new Set(victims));
    await w.close();
  });

  it("partition: the silent hosts stop heartbeating; their tasks are lost and requeued without burning retries", async () => {
    const w = world({ hosts: 20, scenario: "partition", seed: 4, agents: { failureRate: 0 } });
    await w.run(100);
    const silent = new Set(w.sim.fleet.hosts.filter((h) => h.condition.silent).map((h) => h.name));
    assert.equal(silent.size, 4);
    assert.ok(w.sim.stats.silentBeats > 0);
    await w.run(200);
    assert.deepEqual(new Set(w.scheduler.hosts().filter((h) => h.state === "lost").map((h) => h.host)), silent);
    const lost = w.scheduler
      .jobs({ limit: 1000 })
      .map((j) => w.scheduler.job(j.uuid)!)
      .filter((j) => j.tasks.some((t) => t.reason === "agent lost"));
    assert.ok(lost.length > 0, "some tasks were lost");
    for (const job of lost) {
      const t = job.tasks.find((x) => x.reason === "agent lost")!;
      assert.ok(silent.has(t.host), `${t.id} was on a partitioned host`);
      assert.equal(t.meaCulpa, true);
      assert.equal(job.failures, 0, "no retry burnt");
      assert.ok(job.meaCulpaFailures >= 1);
      assert.notEqual(job.outcome, "failed");
    }
    // The partition heals at 360 s; the jobs run elsewhere (or there again) and complete.
    await w.run(200);
    assert.equal(w.scheduler.hosts().filter((h) => h.state === "lost").length, 0, "the hosts came back");
    await w.sim.workload!.stop();
    await w.run(400);
    for (const job of lost) {
      const now = w.scheduler.job(job.uuid)!;
      assert.deepEqual([now.state, now.outcome, now.failures], ["completed", "success", 0], job.uuid);
      assert.equal(now.tasks.at(-1)!.state, "finished");
    }
    const gone = w.intents.filter((i) => i.kind === "page" && i.rule.endsWith("host gone silent"));
    assert.deepEqual(new Set(gone.map((p) => (p.kind === "page" ? p.host : ""))), silent);
    await w.close();
  });

  it("without a scheduler (--no-tasks) only the readings go out", async () => {
    const { clock, db } = testScheduler();
    const published: Event[] = [];
    const sim = startSimulation({ hosts: 3, scenario: "healthy", seed: 1, clock, publish: (events) => void published.push(...events) });
    clock.advanceBy(30);
    await sim.idle();
    assert.equal(sim.agents.length, 0);
    assert.equal(sim.workload, undefined);
    assert.equal(published.length, 4 * 3 * 10, "4 samples of 3 hosts, 10 events each");
    assert.equal(sim.stats.heartbeats, 0);
    assert.doesNotMatch(formatStatus(sim.stats), /jobs/);
    await sim.stop();
    assert.equal(clock.pending, 0, "stopped: no timers left");
    db.close();
  });

  it("refuses bad task settings by name", () => {
    const { clock, scheduler, db } = testScheduler();
    const base = { hosts: 2, scenario: "healthy", seed: 1, clock, publish: () => {}, scheduler: { client: inProcessSchedulerClient(scheduler), submit: () => ({}) } };
    assert.throws(() => startSimulation({ ...base, jobsPerMinute: -1 }), /--jobs-per-minute must be a number >= 0/);
    assert.throws(() => startSimulation({ ...base, agents: { failureRate: 2 } }), /failureRate must be from 0 to 1/);
    assert.throws(() => startSimulation({ ...base, agents: { heartbeatSeconds: 0 } }), /heartbeat interval must be a positive number/);
    db.close();
  });
});
