// Tests of host-expired: a host whose heartbeat (or, without heartbeats, every event) expires is drained and paged; it returns when it reports again.
import { ruleTest, type RuleHarness } from "satellite";

/** `host` beats every 10 s (ttl 30) from `from` to `to` inclusive. */
function beat(t: RuleHarness, host: string, from: number, to: number): void {
  for (let time = from; time <= to; time += 10) t.inject({ host, service: "heartbeat", state: "ok", ttl: 30, time });
}

ruleTest("a host that beats is restored once, on its first heartbeat, and then left alone", (t) => {
  t.inject({ host: "h1", service: "heartbeat", state: "ok", ttl: 30 });
  t.expectIntents([{ kind: "restore", rule: "host-expired", host: "h1", reason: "reporting again" }]);
  beat(t, "h1", 10, 600);
  t.expectNoIntents();
});

ruleTest("a host whose heartbeat expires is drained as silent and paged, at the moment of expiry", (t) => {
  beat(t, "h1", 0, 100);
  t.expectIntents([{ kind: "restore", host: "h1" }]);
  t.advanceTo(129);
  t.expectNoIntents(); // the last beat (t=100, ttl 30) runs out at 130
  t.advanceTo(130);
  t.expectIntents([
    { kind: "drain", rule: "host-expired", host: "h1", reason: "silent", time: 130 },
    { kind: "page", rule: "host-expired/host gone silent", key: "host-expired/host gone silent:h1", severity: "warning", summary: /host gone silent: h1/, host: "h1" },
  ]);
  t.advanceBy(3600);
  t.expectNoIntents(); // one page, not one per tick
});

ruleTest("a silent host returns when it beats again: restored, and its page resolved", (t) => {
  beat(t, "h1", 0, 0);
  t.advanceTo(40);
  t.expectIntents([{ kind: "restore" }, { kind: "drain", reason: "silent" }, { kind: "page" }]);
  t.inject({ host: "h1", service: "heartbeat", state: "ok", ttl: 30, time: 500 });
  t.expectIntents([
    { kind: "restore", host: "h1", reason: "reporting again", time: 500 },
    { kind: "resolve", key: "host-expired/host gone silent:h1", summary: "h1 is reporting again" },
  ]);
});

ruleTest("other services of a host with a heartbeat neither keep it in nor bring it back", (t) => {
  beat(t, "h1", 0, 0);
  t.expectIntents([{ kind: "restore" }]);
  for (let time = 5; time <= 200; time += 5) t.inject({ host: "h1", service: "cpu", metric: 0.5, ttl: 30, time });
  t.expectIntents([
    { kind: "drain", host: "h1", time: 30 },
    { kind: "page", host: "h1" },
  ]);
});

ruleTest("a host without heartbeats is silent only once every service it reported has expired", (t) => {
  t.inject({ host: "db1", service: "cpu", metric: 0.5, ttl: 60 }, { host: "db1", service: "memory", metric: 0.5, ttl: 120 });
  t.expectIntents([{ kind: "restore", host: "db1" }]);
  t.advanceTo(100);
  t.expectNoIntents(); // cpu expired at 60, memory is still live
  t.advanceTo(121);
  t.expectIntents([
    { kind: "drain", host: "db1", reason: "silent", time: 120 },
    { kind: "page", key: "host-expired/host gone silent:db1" },
  ]);
  t.inject({ host: "db1", service: "cpu", metric: 0.5, ttl: 60 });
  t.expectIntents([{ kind: "restore", host: "db1" }, { kind: "resolve", key: "host-expired/host gone silent:db1" }]);
});

ruleTest("among many hosts only the one that goes silent is taken out", (t) => {
  for (let time = 0; time <= 300; time += 10) {
    for (let i = 0; i < 10; i++) if (i !== 3 || time < 100) t.inject({ host: `h${i}`, service: "heartbeat", state: "ok", ttl: 30, time });
  }
  t.expectIntents([
    ...Array.from({ length: 10 }, (_, i) => ({ kind: "restore" as const, host: `h${i}`, time: 0 })),
    { kind: "drain", host: "h3", time: 120 },
    { kind: "page", host: "h3" },
  ]);
});

ruleTest("cluster-wide events are not hosts and never go silent", (t) => {
  t.inject({ host: "*", service: "swapping hosts fraction", metric: 0.1, ttl: 10 });
  t.advanceBy(60);
  t.expectNoIntents();
});

ruleTest("a host that stops beating is forgotten after a week without a heartbeat, whatever else it sends, and starts afresh", (t) => {
  beat(t, "h1", 0, 0);
  t.advanceTo(40);
  t.expectIntents([{ kind: "restore" }, { kind: "drain", reason: "silent" }, { kind: "page" }]);
  // Other events keep coming: they neither bring it back nor keep it remembered.
  for (let day = 0; day < 8; day++) t.inject({ host: "h1", service: "cpu", metric: 0.5, ttl: 30, time: 100 + day * 86_400 });
  t.expectNoIntents();
  t.advanceBy(2 * 86_400);
  // Forgotten: it starts as a new host. Events without a heartbeat make it a host without heartbeats, reporting.
  t.inject({ host: "h1", service: "cpu", metric: 0.5, ttl: 30 });
  t.expectIntents([{ kind: "restore", host: "h1", reason: "reporting again" }]);
  // Its page stays open (a forgotten host's page waits for someone to resolve it).
  beat(t, "h1", t.now(), t.now());
  t.expectNoIntents();
});
