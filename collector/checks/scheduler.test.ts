/**
 * Tests of the check scheduler under a `VirtualClock`: interval and cron
 * fires at the right virtual times, events completed with host, tag,
 * service and ttl, one run at a time (skips counted), the timeout reported
 * at the deadline and the command killed (a real `sleep`), crashes and
 * missing commands critical, stuck runs renewing their critical event,
 * invalid results replaced, `runOnce` and `stop`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VirtualClock } from "../../streams/clock.ts";
import type { Event } from "../../streams/event.ts";
import { resolveCheck, type Check, type CheckResult, type CheckRunContext } from "./check.ts";
import { checkTtl, CheckScheduler } from "./scheduler.ts";

/** 7 seconds past a whole minute (in every time zone: offsets are whole minutes). */
const T0 = 1_699_999_987;

interface Deferred {
  resolve(results: CheckResult[]): void;
  reject(err: Error): void;
  readonly ctx: CheckRunContext;
}

/** An in-process check whose runs the test settles by hand. */
function manualCheck(name: string, seconds: number, timeoutSeconds = 5): { check: Check; runs: Deferred[] } {
  const runs: Deferred[] = [];
  const check: Check = {
    name,
    schedule: { kind: "interval", seconds },
    timeoutSeconds,
    ttlPeriods: 3,
    tags: [],
    run: (ctx) => new Promise<readonly CheckResult[]>((resolve, reject) => runs.push({ resolve, reject, ctx })),
  };
  return { check, runs };
}

function instantCheck(name: string, schedule: Check["schedule"], results: () => CheckResult[] = () => [{ state: "ok" }]): Check {
  return { name, schedule, timeoutSeconds: 5, ttlPeriods: 3, tags: ["team-a"], run: () => Promise.resolve(results()) };
}

function setup(checks: Check[], start = T0): { clock: VirtualClock; scheduler: CheckScheduler; events: Event[] } {
  const clock = new VirtualClock(start);
  const events: Event[] = [];
  const scheduler = new CheckScheduler({ clock, host: "web1", checks, sink: (batch) => events.push(...batch) });
  return { clock, scheduler, events };
}

/** Lets settled runs deliver: advances the clock and waits for the runs to settle. */
async function step(clock: VirtualClock, scheduler: CheckScheduler, seconds: number): Promise<void> {
  clock.advanceBy(seconds);
  await scheduler.idle();
}

describe("CheckScheduler", () => {
  it("runs an interval check at start and then every interval, with host, service, tag and ttl filled in", async () => {
    const { clock, scheduler, events } = setup([instantCheck("fine", { kind: "interval", seconds: 30 })]);
    scheduler.start();
    await step(clock, scheduler, 0);
    for (let i = 0; i < 4; i++) await step(clock, scheduler, 15);
    assert.deepEqual(events.map((e) => e.time - T0), [0, 30, 60]);
    assert.deepEqual(
      { ...events[0] },
      { host: "web1", service: "fine", time: T0, state: "ok", description: undefined, metric: undefined, tags: ["check", "team-a"], ttl: 90, attributes: undefined },
    );
  });

  it("runs a cron check at the times its expression names, on the virtual clock", async () => {
    const { clock, scheduler, events } = setup([instantCheck("quarterly", { kind: "cron", expression: "*/15 * * * * *" })]);
    scheduler.start();
    for (let i = 0; i < 60; i++) await step(clock, scheduler, 1);
    assert.deepEqual(events.map((e) => e.time - T0), [8, 23, 38, 53]);
    assert.ok(events.every((e) => e.ttl === 45), "ttl = 3 periods of 15 s");
  });

  it("gives a cron check's events a ttl spanning its next three fires, however irregular", () => {
    const fridayNine = new Date(2024, 0, 5, 9, 0, 0).getTime() / 1000;
    const wednesdayNine = new Date(2024, 0, 10, 9, 0, 0).getTime() / 1000;
    assert.equal(checkTtl({ schedule: { kind: "cron", expression: "0 0 9 * * 1-5" }, ttlPeriods: 3 }, fridayNine), wednesdayNine - fridayNine);
    assert.equal(checkTtl({ schedule: { kind: "interval", seconds: 60 }, ttlPeriods: 5 }, fridayNine), 300);
  });

  it("skips a fire while the previous run is still going, and counts it", async () => {
    const { check, runs } = manualCheck("slow", 10, 25);
    const { clock, scheduler, events } = setup([check]);
    scheduler.start();
    clock.advanceBy(0);
    clock.advanceBy(10);
    clock.advanceBy(10);
    assert.equal(runs.length, 1, "no second run while the first is going");
    assert.equal(scheduler.stats.get("slow")!.skipped, 2);
    runs[0]!.resolve([{ state: "ok", metric: 1 }]);
    await scheduler.idle();
    assert.deepEqual(events.map((e) => [e.state, e.metric, e.time - T0]), [["ok", 1, 20]]);
    clock.advanceBy(10);
    assert.equal(runs.length, 2, "the next fire runs again");
    runs[1]!.resolve([]);
  });

  it("reports a timeout at the deadline, aborts the run, and ignores what it says afterwards", async () => {
    const { check, runs } = manualCheck("hangs", 60, 5);
    const { clock, scheduler, events } = setup([check]);
    scheduler.start();
    clock.advanceBy(4.9);
    assert.equal(events.length, 0);
    assert.equal(runs[0]!.ctx.signal.aborted, false);
    clock.advanceBy(0.1);
    assert.equal(runs[0]!.ctx.signal.aborted, true);
    assert.deepEqual(events.map((e) => [e.service, e.state, e.description, e.ttl, e.tags]), [["hangs", "critical", "timed out after 5 s", 180, ["check"]]]);
    runs[0]!.resolve([{ state: "ok" }]);
    await scheduler.idle();
    assert.equal(events.length, 1, "a late result of a timed-out run is dropped");
    assert.equal(scheduler.stats.get("hangs")!.timeouts, 1);
  });

  it("keeps a run that ignores its abort critical at every fire until it goes", async () => {
    const { check, runs } = manualCheck("stuck", 10, 5);
    const { clock, scheduler, events } = setup([check]);
    scheduler.start();
    clock.advanceBy(0);
    clock.advanceBy(5);
    clock.advanceBy(5);
    clock.advanceBy(10);
    assert.deepEqual(
      events.map((e) => [e.time - T0, e.state, e.description]),
      [
        [5, "critical", "timed out after 5 s"],
        [10, "critical", "still running 10 s after it started; killed at its 5 s timeout but has not exited"],
        [20, "critical", "still running 20 s after it started; killed at its 5 s timeout but has not exited"],
      ],
    );
    runs[0]!.resolve([]);
    await scheduler.idle();
    clock.advanceBy(10);
    assert.equal(runs.length, 2, "once gone, the check runs again");
    runs[1]!.resolve([]);
  });

  it("kills a real command at its timeout: critical 'timed out', the sleep gone", async () => {
    const check = resolveCheck({ name: "sleepy", command: "sleep", args: ["30"], timeoutSeconds: 2, intervalSeconds: 60 });
    const { clock, scheduler, events } = setup([check]);
    scheduler.start();
    clock.advanceBy(0);
    clock.advanceBy(2);
    const started = Date.now();
    await scheduler.idle();
    assert.ok(Date.now() - started < 10_000, "the run settled at once: the sleep was killed");
    assert.deepEqual(events.map((e) => [e.service, e.state, e.description, e.ttl]), [["sleepy", "critical", "timed out after 2 s", 180]]);
  });

  it("makes a crash (signal) and a missing command critical for their own checks", async () => {
    const crash = resolveCheck({ name: "segfaults", command: "sh", args: ["-c", "kill -SEGV $$"] });
    const missing = resolveCheck({ name: "missing", command: "satellite-no-such-command-xyz" });
    const failing = resolveCheck({ name: "exit 2", command: "sh", args: ["-c", "echo disk full; exit 2"] });
    const { clock, scheduler, events } = setup([crash, missing, failing]);
    scheduler.start();
    await step(clock, scheduler, 0);
    const byService = new Map(events.map((e) => [e.service, e]));
    assert.equal(byService.get("segfaults")?.state, "critical");
    assert.match(byService.get("segfaults")!.description!, /SIGSEGV/);
    assert.equal(byService.get("missing")?.state, "critical");
    assert.match(byService.get("missing")!.description!, /cannot run .*ENOENT/);
    assert.equal(byService.get("exit 2")?.state, "critical");
    assert.equal(byService.get("exit 2")?.metric, 2);
    assert.equal(byService.get("exit 2")?.description, "disk full");
    assert.ok(events.every((e) => e.tags?.includes("check") === true && e.ttl === 180 && e.host === "web1"));
  });

  it("makes a check that throws critical, and counts it", async () => {
    const thrower: Check = { ...instantCheck("buggy", { kind: "interval", seconds: 10 }), run: () => Promise.reject(new Error("oops")) };
    const { clock, scheduler, events } = setup([thrower]);
    scheduler.start();
    await step(clock, scheduler, 0);
    assert.deepEqual(events.map((e) => [e.state, e.description]), [["critical", "the check failed: oops"]]);
    assert.equal(scheduler.stats.get("buggy")!.errors, 1);
  });

  it("replaces a result that is not a valid event with a critical event saying why", async () => {
    const bad = instantCheck("bad", { kind: "interval", seconds: 10 }, () => [{ metric: Number.NaN }, { state: "ok", service: "bad/sub" }]);
    const { clock, scheduler, events } = setup([bad]);
    scheduler.start();
    await step(clock, scheduler, 0);
    assert.equal(events[0]!.state, "critical");
    assert.match(events[0]!.description!, /not a valid event: metric must be a finite number/);
    assert.equal(events[1]!.service, "bad/sub");
    assert.equal(scheduler.stats.get("bad")!.invalidResults, 1);
  });

  it("runOnce runs every check now and resolves with their events", async () => {
    const { scheduler, events } = setup([instantCheck("a", { kind: "interval", seconds: 10 }), instantCheck("b", { kind: "cron", expression: "0 0 * * * *" })]);
    const once = await scheduler.runOnce();
    assert.deepEqual(once.map((e) => e.service).sort(), ["a", "b"]);
    assert.equal(events.length, 2, "the events go to the sink too");
  });

  it("stop cancels the schedule and aborts runs in progress", async () => {
    const { check, runs } = manualCheck("long", 10, 30);
    const { clock, scheduler, events } = setup([check]);
    scheduler.start();
    clock.advanceBy(0);
    const stopped = scheduler.stop();
    assert.equal(runs[0]!.ctx.signal.aborted, true);
    runs[0]!.resolve([{ state: "ok" }]);
    await stopped;
    clock.advanceBy(100);
    assert.equal(runs.length, 1);
    assert.equal(events.length, 0);
    assert.equal(clock.pending, 0, "no timer left");
  });
});
