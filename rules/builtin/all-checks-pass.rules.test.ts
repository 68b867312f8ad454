// Tests of all-checks-pass: each host is drained while any of its checks fails, and restored when all pass.
import { ruleTest, type TestEvent } from "satellite";

function check(host: string, service: string, state: string, extra: Partial<TestEvent> = {}): TestEvent {
  return { host, service, state, tags: ["check"], ttl: 300, ...extra };
}

ruleTest("a host whose checks pass is restored once, on its first result, and then left alone", (t) => {
  t.inject(check("h1", "disk writable", "ok"));
  t.expectIntents([{ kind: "restore", rule: "all-checks-pass", host: "h1", reason: "all checks pass" }]);
  t.inject(check("h1", "ntp", "ok"), check("h1", "disk writable", "ok", { time: 60 }));
  t.expectNoIntents();
});

ruleTest("a failing check drains its host, and the reason names the check", (t) => {
  t.inject(check("h1", "disk writable", "ok"), check("h1", "ntp", "ok"));
  t.expectIntents([{ kind: "restore", host: "h1" }]);
  t.inject(check("h1", "disk writable", "critical", { time: 60 }));
  t.expectIntents([{ kind: "drain", rule: "all-checks-pass", host: "h1", reason: "failing checks: disk writable", time: 60 }]);
});

ruleTest("a drained host is restored when its failing check passes again", (t) => {
  t.inject(check("h1", "disk writable", "critical"));
  t.expectIntents([{ kind: "drain", host: "h1" }]);
  t.inject(check("h1", "disk writable", "critical", { time: 60 }));
  t.expectNoIntents();
  t.inject(check("h1", "disk writable", "ok", { time: 120 }));
  t.expectIntents([{ kind: "restore", host: "h1", reason: "all checks pass", time: 120 }]);
});

ruleTest("any state but ok fails a check: a warning drains too", (t) => {
  t.inject(check("h1", "load", "warning"));
  t.expectIntents([{ kind: "drain", host: "h1", reason: "failing checks: load" }]);
});

ruleTest("the drain reason follows the set of failing checks, and the host comes back only when all pass", (t) => {
  t.inject(check("h1", "ntp", "ok"), check("h1", "disk writable", "ok"));
  t.expectIntents([{ kind: "restore", host: "h1" }]);
  t.inject(check("h1", "ntp", "critical", { time: 10 }), check("h1", "disk writable", "critical", { time: 11 }));
  t.expectIntents([
    { kind: "drain", host: "h1", reason: "failing checks: ntp" },
    { kind: "drain", host: "h1", reason: "failing checks: disk writable, ntp" },
  ]);
  t.inject(check("h1", "ntp", "warning", { time: 20 }));
  t.expectNoIntents(); // still failing, only its state changed
  t.inject(check("h1", "ntp", "ok", { time: 30 }));
  t.expectIntents([{ kind: "drain", host: "h1", reason: "failing checks: disk writable" }]);
  t.inject(check("h1", "disk writable", "ok", { time: 40 }));
  t.expectIntents([{ kind: "restore", host: "h1" }]);
});

ruleTest("each host is judged on its own checks: one failing host among many drains only that host", (t) => {
  for (let i = 0; i < 10; i++) t.inject(check(`h${i}`, "disk writable", "ok"));
  t.expectIntents(Array.from({ length: 10 }, (_, i) => ({ kind: "restore" as const, host: `h${i}` })));
  t.inject(check("h7", "disk writable", "critical", { time: 60 }));
  for (let i = 0; i < 10; i++) if (i !== 7) t.inject(check(`h${i}`, "disk writable", "ok", { time: 61 }));
  t.expectIntents([{ kind: "drain", host: "h7" }]);
  t.inject(check("h7", "disk writable", "ok", { time: 120 }));
  t.expectIntents([{ kind: "restore", host: "h7" }]);
});

ruleTest("a failing check that stops reporting is forgotten, not held against the host", (t) => {
  t.inject(check("h1", "old check", "critical", { ttl: 60 }), check("h1", "ntp", "ok", { ttl: 600 }));
  t.expectIntents([{ kind: "drain", host: "h1", reason: "failing checks: old check" }]);
  t.advanceTo(59);
  t.expectNoIntents();
  t.advanceTo(61);
  t.expectIntents([{ kind: "restore", host: "h1", time: 60 }]);
});

ruleTest("results without the check tag, and cluster-wide results, are not checks", (t) => {
  t.inject({ host: "h1", service: "cpu", state: "critical", metric: 0.99 });
  t.inject(check("*", "fleet check", "critical"));
  t.expectNoIntents();
});
