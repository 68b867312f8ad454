// Tests of swap-storm: a critical page while more than 20% of the live hosts swap, held down to 15% (hysteresis).
import { ruleTest, type RuleHarness } from "satellite";

const SWAP = "system.memory.swap.pages_per_sec";

/** Reports a swap rate for `host`: 500 pages/s when `swapping`, else 0. */
function swap(t: RuleHarness, host: string, swapping: boolean, ttl = 600): void {
  t.inject({ host, service: SWAP, metric: swapping ? 500 : 0, ttl });
}

/** The rule's first verdict, sent whatever it is: no storm (it resolves a page an earlier engine left open). */
const FIRST_VERDICT = { kind: "resolve", rule: "swap-storm/swap storm", key: "swap-storm/swap storm:*", summary: "0% of hosts swapping" } as const;

/** `n` hosts h0..h(n-1), none swapping; the first verdict (no storm) is checked. */
function fleet(t: RuleHarness, n: number): void {
  for (let i = 0; i < n; i++) swap(t, `h${i}`, false);
  t.expectIntents([FIRST_VERDICT]);
}

ruleTest("more than a fifth of the hosts swapping pages critical, naming them", (t) => {
  fleet(t, 10);
  t.advanceTo(10);
  swap(t, "h0", true);
  swap(t, "h1", true);
  t.expectNoIntents(); // 2 of 10 is exactly 20%: not more
  swap(t, "h2", true);
  t.expectIntents([
    { kind: "page", rule: "swap-storm/swap storm", key: "swap-storm/swap storm:*", severity: "critical", summary: "swap storm: 30% of hosts swapping (3 of 10: h0,h1,h2)", time: 10 },
  ]);
});

ruleTest("a host counts as swapping only above 100 pages per second", (t) => {
  fleet(t, 10);
  for (let i = 0; i < 5; i++) t.inject({ host: `h${i}`, service: SWAP, metric: 100, ttl: 600 });
  t.expectNoIntents();
  t.inject({ host: "h0", service: SWAP, metric: 101, ttl: 600 }, { host: "h1", service: SWAP, metric: 101, ttl: 600 }, { host: "h2", service: SWAP, metric: 101, ttl: 600 });
  t.expectIntents([{ kind: "page", severity: "critical" }]);
});

ruleTest("the page stays open between 15% and 20% and resolves at 15% or below", (t) => {
  fleet(t, 20);
  for (const h of ["h0", "h1", "h2", "h3", "h4"]) swap(t, h, true); // 25%
  t.expectIntents([{ kind: "page", summary: /5 of 20/ }]);
  swap(t, "h4", false); // 20%
  t.expectNoIntents();
  swap(t, "h3", false); // 15%: not more than the hold threshold
  t.expectIntents([{ kind: "resolve", rule: "swap-storm/swap storm", key: "swap-storm/swap storm:*", summary: "15% of hosts swapping" }]);
});

ruleTest("a fleet hovering around 20% does not flap", (t) => {
  fleet(t, 10);
  for (const h of ["h0", "h1", "h2"]) swap(t, h, true);
  t.expectIntents([{ kind: "page" }]);
  for (let i = 0; i < 5; i++) {
    t.advanceBy(10);
    swap(t, "h2", false); // 20%
    t.advanceBy(10);
    swap(t, "h2", true); // 30%
  }
  t.expectNoIntents();
  swap(t, "h2", false);
  swap(t, "h1", false); // 10%
  t.expectIntents([{ kind: "resolve" }]);
  swap(t, "h1", true); // 20%: below the trigger again, no new page
  t.expectNoIntents();
});

ruleTest("a swapping host that goes silent stops counting", (t) => {
  fleet(t, 10);
  swap(t, "h0", true);
  swap(t, "h1", true, 30);
  swap(t, "h2", true, 30);
  t.expectIntents([{ kind: "page", summary: /3 of 10/ }]);
  t.advanceTo(29);
  t.expectNoIntents();
  t.advanceTo(30); // h1 and h2 expire: 1 of 8 swap
  t.expectIntents([{ kind: "resolve", summary: "12.5% of hosts swapping" }]);
});

ruleTest("fewer than five live hosts are not a fleet: no storm however many swap", (t) => {
  for (let i = 0; i < 4; i++) swap(t, `h${i}`, true);
  t.expectIntents([FIRST_VERDICT]); // the verdict on one host of four: no storm
  swap(t, "h4", false); // the fifth host: 4 of 5 swap
  t.expectIntents([{ kind: "page", summary: /80% of hosts swapping \(4 of 5/ }]);
});

ruleTest("in a fleet of a thousand, 201 swapping hosts page and the list is cut", (t) => {
  fleet(t, 1000);
  for (let i = 0; i < 200; i++) swap(t, `h${i}`, true);
  t.expectNoIntents();
  swap(t, "h200", true);
  t.expectIntents([{ kind: "page", summary: /^swap storm: 20.1% of hosts swapping \(201 of 1000: h0,h1,.*,h19, …\)$/ }]);
});

ruleTest("after a restart the first verdict resolves a storm page left open, and a storm still going pages again", (t) => {
  // A fresh engine (this harness) in a fleet whose storm ended while no engine watched: the open page is resolved.
  fleet(t, 10);
  // In one whose storm goes on, the first hosts to report are no storm yet (the resolve waits in alerting), then it is.
  t.advanceBy(10);
  for (let i = 0; i < 3; i++) swap(t, `h${i}`, true);
  t.expectIntents([{ kind: "page", summary: /30% of hosts swapping/ }]);
});

ruleTest("other services and hosts that do not swap never page", (t) => {
  for (let i = 0; i < 10; i++) t.inject({ host: `h${i}`, service: "system.memory.swap.used.pct", metric: 0.99 });
  fleet(t, 10);
  t.expectNoIntents();
});
