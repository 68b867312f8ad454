// Tests of available-hosts: a critical page once less than 70% of the known hosts (live heartbeat, no failing check) has been available for a minute.
import { ruleTest, type RuleHarness } from "satellite";

/** Every host in `hosts` beats at `time`, with `ttl`. */
function beat(t: RuleHarness, hosts: readonly string[], time: number, ttl: number): void {
  for (const host of hosts) t.inject({ host, service: "heartbeat", state: "ok", ttl, time });
}

/** Each host's "disk writable" check reports `state` now. */
function check(t: RuleHarness, hosts: readonly string[], state: string): void {
  for (const host of hosts) t.inject({ host, service: "disk writable", state, tags: ["check"], ttl: 3600 });
}

const hosts = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `h${from + i}`);

/** The rule's first verdict, a minute after the fleet starts reporting, sent whatever it is: here, enough hosts (it resolves a page an earlier engine left open). */
const FIRST_VERDICT = { kind: "resolve", rule: "available-hosts/available hosts", key: "available-hosts/available hosts:*", summary: "100% of hosts available", time: 60 } as const;

ruleTest("a fleet whose hosts are all available never pages; its first verdict, a minute in, resolves", (t) => {
  beat(t, hosts(10), 0, 3600);
  check(t, hosts(10), "ok");
  t.advanceBy(600);
  t.expectIntents([FIRST_VERDICT]);
});

ruleTest("less than 70% available for a minute pages critical, naming the unavailable hosts", (t) => {
  beat(t, hosts(10), 0, 3600);
  t.advanceTo(100);
  check(t, hosts(4), "critical");
  t.advanceTo(159);
  t.expectIntents([FIRST_VERDICT]);
  t.advanceTo(160);
  t.expectIntents([
    {
      kind: "page",
      rule: "available-hosts/available hosts",
      key: "available-hosts/available hosts:*",
      severity: "critical",
      summary: "only 60% of hosts available (6 of 10); unavailable: h0,h1,h2,h3",
      time: 160,
    },
  ]);
});

ruleTest("exactly 70% available does not page", (t) => {
  beat(t, hosts(10), 0, 3600);
  check(t, hosts(3), "critical");
  t.advanceBy(600);
  t.expectIntents([FIRST_VERDICT]); // enough hosts since the first beat (the verdict the minute confirmed)
});

ruleTest("just under 70% available pages", (t) => {
  beat(t, hosts(33), 0, 3600);
  check(t, hosts(10), "critical");
  t.advanceBy(60);
  t.expectIntents([{ kind: "page", summary: /^only 69.7% of hosts available \(23 of 33\)/ }]);
});

ruleTest("a shortage that lasts less than a minute does not page", (t) => {
  beat(t, hosts(10), 0, 3600);
  t.advanceTo(100);
  check(t, hosts(4), "critical");
  t.advanceTo(150);
  check(t, ["h0", "h1"], "ok"); // 80%, within the minute
  t.advanceBy(600);
  t.expectIntents([FIRST_VERDICT]);
});

ruleTest("silent hosts are unavailable", (t) => {
  for (let time = 0; time <= 300; time += 10) beat(t, time < 100 ? hosts(10) : hosts(6, 4), time, 30);
  // h0..h3 last beat at 90 and expire at 120; the page follows a minute later.
  t.expectIntents([FIRST_VERDICT, { kind: "page", summary: "only 60% of hosts available (6 of 10); unavailable: h0,h1,h2,h3", time: 180 }]);
});

ruleTest("the page stays open at 70-75% and resolves a minute after 75% or more are available again", (t) => {
  beat(t, hosts(10), 0, 3600);
  check(t, hosts(4), "critical");
  t.advanceBy(60);
  t.expectIntents([{ kind: "page" }]);
  t.advanceTo(100);
  check(t, ["h0"], "ok"); // 70%: not below the trigger, still below the hold threshold
  t.advanceBy(600);
  t.expectNoIntents();
  t.advanceTo(1000);
  check(t, ["h1"], "ok"); // 80%
  t.advanceTo(1059);
  t.expectNoIntents();
  t.advanceTo(1060);
  t.expectIntents([{ kind: "resolve", rule: "available-hosts/available hosts", key: "available-hosts/available hosts:*", summary: "80% of hosts available", time: 1060 }]);
});

ruleTest("a host silent for a day is taken as gone and no longer counted", (t) => {
  beat(t, hosts(4), 0, 30); // these four never beat again
  for (let time = 0; time <= 90_000; time += 3600) beat(t, hosts(6, 4), time, 7200);
  t.expectIntents([
    { kind: "page", summary: /6 of 10/, time: 90 }, // expired at 30, confirmed at 90
    // Forgotten at 86 430 (a day after their expiry), one by one: the fraction reached 75% (6 of 8) on the way to 100%.
    { kind: "resolve", summary: "75% of hosts available", time: 86_430 + 60 },
  ]);
});

ruleTest("hosts that never sent a heartbeat are not counted", (t) => {
  beat(t, hosts(10), 0, 3600);
  check(t, hosts(10, 100), "critical");
  t.advanceBy(600);
  t.expectIntents([FIRST_VERDICT]);
});
