/**
 * End-to-end tests of the executor agent against a real scheduler: in
 * process (the embedded mode) and over HTTP on 127.0.0.1 (port 0, bearer
 * token), with real child processes and a virtual clock driving the
 * heartbeats.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BusTopic } from "../../bus/bus.ts";
import { startApiServer } from "../../api/server.ts";
import type { Event } from "../../streams/event.ts";
import { inProcessSchedulerClient } from "../../scheduler/agents.ts";
import type { HeartbeatRequest, HeartbeatResponse, SchedulerClient } from "../../scheduler/protocol.ts";
import { schedulerRouter } from "../../scheduler/router.ts";
import { spec, testScheduler } from "../../scheduler/test-support.ts";
import { hostCapacity, httpSchedulerClient, startExecutorAgent } from "./index.ts";

function recorder(): { publish: (topic: BusTopic, events: readonly Event[]) => Promise<void>; events: Event[] } {
  const events: Event[] = [];
  return { events, publish: (_t, batch) => Promise.resolve(void events.push(...batch)) };
}

describe("executor agent", () => {
  it("in-process: registers, runs a placed job, reports its result, kills on request", async () => {
    const { scheduler, clock, db } = testScheduler();
    const rec = recorder();
    const agent = startExecutorAgent({ host: "h1", scheduler: inProcessSchedulerClient(scheduler), clock, publish: rec, capacity: { cpus: 2, mem: 1024 }, heartbeatSeconds: 2 });
    await agent.beat();
    assert.deepEqual(scheduler.registeredHosts(), ["h1"]);
    scheduler.submit(spec("j1", "alice", { command: "echo hi" }));
    scheduler.pass();
    await agent.beat(); // gets the launch
    const report = await agent.executor.wait("t1");
    assert.equal(report?.exitCode, 0);
    await agent.beat(); // reports it
    assert.equal(scheduler.job("j1")!.outcome, "success");
    assert.equal(scheduler.job("j1")!.tasks[0]!.stdoutTail, "hi\n");
    assert.deepEqual(agent.executor.pendingReports(), [], "acknowledged");

    scheduler.submit(spec("j2", "alice", { command: "sleep 30" }));
    scheduler.pass();
    await agent.beat();
    await agent.beat(); // reported running
    assert.equal(scheduler.job("j2")!.tasks[0]!.state, "running");
    scheduler.kill("j2");
    await agent.beat(); // told to kill
    const killed = await agent.executor.wait("t2");
    assert.equal(killed?.reason, "killed (signal SIGTERM)");
    await agent.beat();
    assert.deepEqual(scheduler.hosts()[0]!.used, { cpus: 0, mem: 0 });
    await agent.stop();
    assert.deepEqual(
      rec.events.map((e) => `${e.service} ${e.attributes?.task_id}`),
      ["task started t1", "task finished t1", "task started t2", "task failed t2"],
    );
    assert.equal(clock.pending, 0, "stopped: no timers left");
    db.close();
  });

  it("heartbeats on the clock and reports an ended task without waiting for the next beat", async () => {
    const { scheduler, clock, db } = testScheduler();
    const calls: HeartbeatRequest[] = [];
    const inner = inProcessSchedulerClient(scheduler);
    const client: SchedulerClient = {
      heartbeat(host, request): Promise<HeartbeatResponse> {
        calls.push(request);
        return inner.heartbeat(host, request);
      },
    };
    const agent = startExecutorAgent({ host: "h1", scheduler: client, clock, publish: recorder(), capacity: { cpus: 1, mem: 100 }, heartbeatSeconds: 5 });
    await agent.loop.idle();
    assert.equal(calls.length, 1, "a first heartbeat at start");
    scheduler.submit(spec("j1", "alice", { command: "exit 4" }));
    scheduler.pass();
    clock.advanceBy(4.9);
    await agent.loop.idle();
    assert.equal(calls.length, 1);
    clock.advanceBy(0.1);
    await agent.loop.idle();
    assert.equal(calls.length, 2, "the timer's heartbeat, which brings the launch");
    await agent.executor.wait("t1");
    clock.runDue(); // the prompt heartbeat the task's end asked for
    await agent.loop.idle();
    assert.equal(calls.length, 3);
    assert.deepEqual(calls[2]!.finished.map((f) => [f.taskId, f.exitCode]), [["t1", 4]]);
    assert.equal(scheduler.job("j1")!.failures, 1);
    await agent.stop();
    db.close();
  });

  it("over HTTP with a bearer token (403 with a wrong one)", async () => {
    const { scheduler, clock, db } = testScheduler();
    const api = await startApiServer({ engine: { submitAll: () => ({ accepted: 0, rejected: [] }) }, port: 0, token: "tok", mounts: [{ path: "/api/v1", handler: schedulerRouter({ scheduler }) }] });
    const url = `http://127.0.0.1:${api.port}`;
    const errors: unknown[] = [];
    try {
      const wrong = startExecutorAgent({ host: "h1", scheduler: httpSchedulerClient({ url, token: "bad" }), clock, publish: recorder(), capacity: { cpus: 1, mem: 100 }, onError: (e) => errors.push(e) });
      await wrong.beat();
      assert.match(String(errors[0]), /scheduler answered 403/);
      await wrong.stop();
      const agent = startExecutorAgent({ host: "h1", scheduler: httpSchedulerClient({ url, token: "tok" }), clock, publish: recorder(), capacity: { cpus: 1, mem: 100 } });
      await agent.beat();
      scheduler.submit(spec("j1", "alice", { command: "printf out; printf err >&2" }));
      scheduler.pass();
      await agent.beat();
      await agent.executor.wait("t1");
      await agent.beat();
      const task = scheduler.job("j1")!.tasks[0]!;
      assert.deepEqual([task.state, task.stdoutTail, task.stderrTail], ["finished", "out", "err"]);
      await agent.stop();
    } finally {
      await api.close();
      db.close();
    }
  });

  it("a failed heartbeat keeps the results for the next one", async () => {
    const { scheduler, clock, db } = testScheduler();
    const inner = inProcessSchedulerClient(scheduler);
    let down = false;
    const client: SchedulerClient = { heartbeat: (host, request) => (down ? Promise.reject(new Error("connection refused")) : inner.heartbeat(host, request)) };
    const errors: unknown[] = [];
    const agent = startExecutorAgent({ host: "h1", scheduler: client, clock, publish: recorder(), capacity: { cpus: 1, mem: 100 }, onError: (e) => errors.push(e) });
    await agent.loop.idle();
    scheduler.submit(spec("j1", "alice", { command: "exit 0" }));
    scheduler.pass();
    await agent.beat();
    await agent.executor.wait("t1");
    down = true;
    await agent.beat();
    assert.equal(errors.length, 1);
    assert.equal(agent.executor.pendingReports().length, 1, "kept");
    assert.equal(scheduler.job("j1")!.state, "running");
    down = false;
    await agent.beat();
    assert.equal(scheduler.job("j1")!.outcome, "success");
    assert.equal(agent.executor.pendingReports().length, 0);
    await agent.stop();
    db.close();
  });

  it("offers the host's cpus and memory by default", () => {
    const cap = hostCapacity();
    assert.ok(Number.isInteger(cap.cpus) && cap.cpus >= 1);
    assert.ok(cap.mem > 100);
  });
});
