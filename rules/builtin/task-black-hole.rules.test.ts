// Tests of task-black-hole: over 10 minutes per host, failed/started > 0.75 and failed/finished > 3 (n/0 exceeded, 0/0 not) drains the host and pages a warning.
import { ruleTest, type RuleHarness } from "satellite";

/** Task events of `host` at the current time: the starts, then the finishes, then the failures. */
function tasks(t: RuleHarness, host: string, counts: { failed: number; started: number; finished: number }): void {
  for (let i = 0; i < counts.started; i++) t.inject({ host, service: "task started", state: "ok", ttl: 600 });
  for (let i = 0; i < counts.finished; i++) t.inject({ host, service: "task finished", state: "ok", ttl: 600 });
  for (let i = 0; i < counts.failed; i++) t.inject({ host, service: "task failed", state: "critical", ttl: 600 });
}

/** `host` beats every 10 s from `from` to `to` inclusive. */
function beat(t: RuleHarness, host: string, from: number, to: number): void {
  for (let time = from; time <= to; time += 10) t.inject({ host, service: "heartbeat", state: "ok", ttl: 30, time });
}

ruleTest("8 failed, 10 started, 2 finished within ten minutes drains the host and pages a warning", (t) => {
  tasks(t, "h1", { started: 10, finished: 2, failed: 8 });
  t.expectIntents([
    { kind: "restore", rule: "task-black-hole", host: "h1", reason: "no task black hole" }, // the first verdict
    { kind: "resolve", key: "task-black-hole/task black hole:h1" }, // closes what an engine that judged h1 before paged
    { kind: "drain", rule: "task-black-hole", host: "h1", reason: "task black hole: 8 failed, 10 started, 2 finished in the last 10 minutes" },
    { kind: "page", rule: "task-black-hole/task black hole", key: "task-black-hole/task black hole:h1", severity: "warning", summary: /^task black hole: h1 \(8 failed/ },
  ]);
});

ruleTest("1 failed, 10 started, 2 finished is no black hole", (t) => {
  tasks(t, "h1", { started: 10, finished: 2, failed: 1 });
  t.expectIntents([{ kind: "restore", host: "h1" }, { kind: "resolve" }]);
});

ruleTest("8 failed, 10 started, 9 finished is no black hole: only failed/started is exceeded", (t) => {
  tasks(t, "h1", { started: 10, finished: 9, failed: 8 });
  t.expectIntents([{ kind: "restore", host: "h1" }, { kind: "resolve" }]);
});

ruleTest("8 failed, 20 started, 2 finished is no black hole: only failed/finished is exceeded", (t) => {
  tasks(t, "h1", { started: 20, finished: 2, failed: 8 });
  t.expectIntents([{ kind: "restore", host: "h1" }, { kind: "resolve" }]);
});

ruleTest("failures with nothing started or finished in the window exceed both ratios", (t) => {
  tasks(t, "h1", { started: 0, finished: 0, failed: 3 });
  t.expectIntents([{ kind: "restore" }, { kind: "resolve" }, { kind: "drain", host: "h1", reason: /3 failed, 0 started, 0 finished/ }, { kind: "page" }]);
});

ruleTest("0 / 0 is not exceeded: a host that only beats is never a black hole", (t) => {
  beat(t, "h1", 0, 1200);
  t.expectIntents([{ kind: "restore", host: "h1", time: 0 }, { kind: "resolve", time: 0 }]);
});

ruleTest("fewer than three failures are not a black hole, whatever the ratios", (t) => {
  tasks(t, "h1", { started: 2, finished: 0, failed: 2 });
  t.expectIntents([{ kind: "restore" }, { kind: "resolve" }]);
  tasks(t, "h1", { started: 0, finished: 0, failed: 1 });
  t.expectIntents([{ kind: "drain", host: "h1", reason: /3 failed, 2 started, 0 finished/ }, { kind: "page" }]);
});

ruleTest("failures within ten minutes add up", (t) => {
  tasks(t, "h1", { started: 2, finished: 0, failed: 2 });
  t.advanceTo(300);
  tasks(t, "h1", { started: 2, finished: 0, failed: 2 });
  t.expectIntents([{ kind: "restore" }, { kind: "resolve" }, { kind: "drain", host: "h1", reason: /4 failed, 4 started/ }, { kind: "page" }]);
});

ruleTest("failures more than ten minutes apart do not add up", (t) => {
  tasks(t, "h1", { started: 2, finished: 0, failed: 2 });
  t.advanceTo(601);
  tasks(t, "h1", { started: 2, finished: 0, failed: 2 });
  t.expectIntents([{ kind: "restore" }, { kind: "resolve" }]);
});

ruleTest("a drained black hole is restored and its page resolved once its failures age out, its heartbeats moving the window", (t) => {
  beat(t, "h1", 0, 0);
  tasks(t, "h1", { started: 10, finished: 2, failed: 8 });
  t.expectIntents([{ kind: "restore" }, { kind: "resolve" }, { kind: "drain" }, { kind: "page" }]);
  beat(t, "h1", 10, 590);
  t.expectNoIntents();
  beat(t, "h1", 600, 600);
  t.expectIntents([
    { kind: "restore", host: "h1", reason: "no task black hole", time: 600 },
    { kind: "resolve", key: "task-black-hole/task black hole:h1", summary: /^h1 no longer fails its tasks \(0 failed/ },
  ]);
});

ruleTest("successes that come in end the black hole", (t) => {
  tasks(t, "h1", { started: 10, finished: 2, failed: 8 });
  t.expectIntents([{ kind: "restore" }, { kind: "resolve" }, { kind: "drain" }, { kind: "page" }]);
  tasks(t, "h1", { started: 0, finished: 1, failed: 0 }); // 8 / 3 is not > 3
  t.expectIntents([{ kind: "restore", host: "h1" }, { kind: "resolve", key: "task-black-hole/task black hole:h1" }]);
});

ruleTest("each host is judged on its own tasks: one black hole among busy hosts", (t) => {
  for (let i = 0; i < 10; i++) tasks(t, `h${i}`, { started: 10, finished: 2, failed: i === 4 ? 0 : 2 });
  t.expectIntents(Array.from({ length: 10 }, (_, i) => [{ kind: "restore" as const, host: `h${i}` }, { kind: "resolve" as const, key: `task-black-hole/task black hole:h${i}` }]).flat());
  t.advanceTo(60);
  tasks(t, "h4", { started: 10, finished: 0, failed: 15 }); // 15 / 20 started is not more than 0.75
  t.expectNoIntents();
  tasks(t, "h4", { started: 0, finished: 0, failed: 1 }); // 16 / 20 started, 16 / 2 finished
  t.expectIntents([{ kind: "drain", host: "h4", reason: /16 failed, 20 started, 2 finished/ }, { kind: "page", host: "h4" }]);
});

ruleTest("task events that expire in the index are not counted again", (t) => {
  for (let i = 0; i < 2; i++) t.inject({ host: "h1", service: "task started", ttl: 10 }, { host: "h1", service: "task failed", ttl: 10 });
  t.advanceTo(100); // the latest "task started" and "task failed" expire at 10
  t.inject({ host: "h1", service: "heartbeat", state: "ok", ttl: 30 });
  t.expectIntents([{ kind: "restore" }, { kind: "resolve" }]);
});

ruleTest("tasks killed on purpose (a user's kill, a drain deadline) do not make a black hole", (t) => {
  for (let i = 0; i < 6; i++) t.inject({ host: "h1", service: "task started", state: "ok", ttl: 600 });
  for (let i = 0; i < 6; i++) t.inject({ host: "h1", service: "task failed", state: "critical", ttl: 600, attributes: { reason: "killed (SIGTERM)" } });
  t.expectIntents([{ kind: "restore", host: "h1" }, { kind: "resolve" }]);
});
