/**
 * Tests of the rule-author API without files: `createRuleApi` on a virtual
 * clock, emitters turning events and windows into intents, and option
 * validation at build time.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { collect, ev, testContext } from "../streams/test-support.ts";
import { createRuleApi, defineRules, isRuleDefinition, RuleOptionError } from "./define.ts";
import { MAX_SUMMARY_LENGTH, type Intent } from "./intents.ts";

function setup(start = 100) {
  const { ctx, clock, errors } = testContext(start);
  const intents = collect<Intent>();
  const { api, checkDeclarations } = createRuleApi("disk", ctx, intents.stream);
  return { api, checkDeclarations, clock, errors, intents: intents.items };
}

describe("page", () => {
  it("turns an event into a page keyed by rule and host/service, at clock time", () => {
    const { api, intents, clock } = setup();
    const page = api.page({ name: "full", severity: "critical", summary: (e) => `${e.host} disk ${e.metric}` });
    clock.advanceTo(130);
    const e = ev({ host: "h1", service: "disk /", metric: 0.99, time: 120 });
    page(e);
    assert.deepEqual(intents, [
      { kind: "page", rule: "disk/full", key: "disk/full:h1/disk /", severity: "critical", summary: "h1 disk 0.99", time: 130, host: "h1", service: "disk /", evidence: [e] },
    ]);
  });

  it("takes the subject from the last event of a window and keeps the whole window (copied) as evidence", () => {
    const { api, intents } = setup();
    const page = api.page({ name: "full", severity: "warning", summary: (e, evidence) => `${evidence.length} events, last ${e.host}` });
    const window = [ev({ host: "a" }), ev({ host: "b" })];
    page(window);
    window.push(ev({ host: "c" }));
    assert.equal(intents.length, 1);
    const p = intents[0]!;
    assert.equal(p.kind, "page");
    if (p.kind !== "page") return;
    assert.equal(p.key, "disk/full:b/s");
    assert.equal(p.summary, "2 events, last b");
    assert.deepEqual(p.evidence.map((e) => e.host), ["a", "b"]);
  });

  it("ignores an empty window", () => {
    const { api, intents } = setup();
    api.page({ name: "full", severity: "info", summary: "x" })([]);
    api.resolve({ name: "full" })([]);
    assert.deepEqual(intents, []);
  });

  it("pages a cluster event with subject * and no host", () => {
    const { api, intents } = setup();
    api.page({ name: "swapping", severity: "error", summary: "too many hosts swapping" })(ev({ host: "*", service: "swapping hosts" }));
    const p = intents[0];
    assert.ok(p?.kind === "page");
    assert.equal(p.key, "disk/swapping:*");
    assert.equal(p.host, undefined);
    assert.equal(p.service, "swapping hosts");
  });

  it("uses a custom subject, and resolve with the same subject produces the same key", () => {
    const { api, intents } = setup();
    const subject = (e: { host: string }) => e.host;
    api.page({ name: "full", severity: "critical", summary: "full", subject })(ev({ host: "h1", service: "disk /" }));
    api.resolve({ name: "full", subject, summary: (e) => `${e.host} ok` })(ev({ host: "h1", service: "disk /var" }));
    assert.deepEqual(
      intents.map((i) => (i.kind === "page" || i.kind === "resolve" ? i.key : "")),
      ["disk/full:h1", "disk/full:h1"],
    );
    assert.deepEqual(intents[1], { kind: "resolve", rule: "disk/full", key: "disk/full:h1", time: 100, summary: "h1 ok" });
  });

  it("truncates the summary to 1024 characters", () => {
    const { api, intents } = setup();
    api.page({ name: "long", severity: "info", summary: "x".repeat(5000) })(ev());
    const p = intents[0];
    assert.ok(p?.kind === "page");
    assert.equal(p.summary.length, MAX_SUMMARY_LENGTH);
    assert.ok(p.summary.endsWith("…"));
  });

  it("pages an expired event like any other (filtering expiries is the rule's choice)", () => {
    const { api, intents } = setup();
    api.page({ name: "gone", severity: "critical", summary: (e) => `${e.host} ${e.state}` })(ev({ host: "h1", state: "expired" }));
    assert.equal(intents[0]?.kind === "page" && intents[0].summary, "h1 expired");
  });

  it("carries the page's alerting policy on the intent, and none when it sets none", () => {
    const { api, intents } = setup();
    api.page({ name: "flappy", severity: "warning", summary: "s", alerting: { forSeconds: 60, groupBy: "rule", routing: "storage" } })(ev({ host: "h1" }));
    api.page({ name: "plain", severity: "warning", summary: "s" })(ev({ host: "h1" }));
    assert.deepEqual(intents[0]?.kind === "page" && intents[0].alerting, { forSeconds: 60, groupBy: "rule", routing: "storage" });
    assert.equal(intents[1]?.kind === "page" && "alerting" in intents[1], false);
  });
});

describe("option validation at build time", () => {
  const cases: { says: string; build: (api: ReturnType<typeof setup>["api"]) => unknown; message: RegExp }[] = [
    { says: "a severity outside PagerDuty's four is rejected naming the option", build: (r) => r.page({ name: "p", severity: "sev1" as "info", summary: "s" }), message: /page\(\{ name: "p" \}\): option "severity" must be one of "critical", "error", "warning", "info", got "sev1"/ },
    { says: "a page needs a name", build: (r) => r.page({ name: "", severity: "info", summary: "s" }), message: /page\(\): option "name" must be a non-empty string/ },
    { says: "a page needs a summary", build: (r) => r.page({ name: "p", severity: "info", summary: undefined as unknown as string }), message: /option "summary" must be a non-empty string or a function/ },
    { says: "a subject must be a function", build: (r) => r.page({ name: "p", severity: "info", summary: "s", subject: "host" as unknown as () => string }), message: /option "subject" must be a function/ },
    { says: "a blacklist needs ttlSeconds", build: (r) => r.blacklist({ reason: "bad" } as { reason: string; ttlSeconds: number }), message: /blacklist\(\): option "ttlSeconds" must be a finite number of seconds > 0, got undefined/ },
    { says: "a drain ttl must be positive", build: (r) => r.drain({ reason: "bad", ttlSeconds: 0 }), message: /drain\(\): option "ttlSeconds"/ },
    { says: "a restore needs a reason", build: (r) => r.restore({ reason: "" }), message: /restore\(\): option "reason"/ },
    { says: "forward needs a target", build: (r) => r.forward(""), message: /forward\(target\): target must be a non-empty string/ },
    { says: "an alerting policy's durations must be seconds >= 0", build: (r) => r.page({ name: "p", severity: "info", summary: "s", alerting: { forSeconds: -1 } }), message: /page\(\{ name: "p" \}\): option "alerting.forSeconds" must be a finite number of seconds >= 0, got -1/ },
    { says: "an alerting policy groups by rule or not at all", build: (r) => r.page({ name: "p", severity: "info", summary: "s", alerting: { groupBy: "host" as "rule" } }), message: /option "alerting.groupBy" must be "rule" or "none", got "host"/ },
    { says: "an alerting policy rejects unknown fields", build: (r) => r.page({ name: "p", severity: "info", summary: "s", alerting: { for: 60 } as unknown as { forSeconds: number } }), message: /option "alerting.for" is not known/ },
    { says: "an alerting routing is a non-empty name", build: (r) => r.page({ name: "p", severity: "info", summary: "s", alerting: { routing: "" } }), message: /option "alerting.routing" must be a non-empty string/ },
    { says: "options must be an object", build: (r) => r.drain(null as unknown as { reason: string }), message: /drain\(\): expected an options object, got null/ },
  ];
  for (const c of cases) {
    it(c.says, () => {
      const { api } = setup();
      assert.throws(() => c.build(api), (err: unknown) => err instanceof RuleOptionError && c.message.test(err.message));
    });
  }

  it("rejects a resolve of a page name the file never pages, pointing at the resolve call", () => {
    const { api, checkDeclarations } = setup();
    api.page({ name: "full", severity: "info", summary: "s" });
    api.resolve({ name: "ful" });
    assert.throws(checkDeclarations, /resolve\(\{ name: "ful" \}\): no page named "ful" in this rules file/);
  });

  it("accepts a resolve whose page is declared after it", () => {
    const { api, checkDeclarations } = setup();
    api.resolve({ name: "full" });
    api.page({ name: "full", severity: "info", summary: "s" });
    checkDeclarations();
  });
});

describe("host actions", () => {
  it("drain, blacklist and restore name the event's host, the file as rule, and the ttl", () => {
    const { api, intents } = setup(50);
    const e = ev({ host: "h7", service: "swap" });
    api.drain({ reason: (x) => `${x.host} swaps` })(e);
    api.blacklist({ reason: "fails every task", ttlSeconds: 3600 })(e);
    api.restore({ reason: "recovered" })(e);
    assert.deepEqual(intents, [
      { kind: "drain", rule: "disk", host: "h7", reason: "h7 swaps", ttl: undefined, time: 50 },
      { kind: "blacklist", rule: "disk", host: "h7", reason: "fails every task", ttl: 3600, time: 50 },
      { kind: "restore", rule: "disk", host: "h7", reason: "recovered", ttl: undefined, time: 50 },
    ]);
  });

  it("refuses to act on a cluster event", () => {
    const { api, intents } = setup();
    assert.throws(() => api.drain({ reason: "r" })(ev({ host: "*", service: "swapping hosts" })), /cluster event/);
    assert.deepEqual(intents, []);
  });
});

describe("index, forward, log, now", () => {
  it("emit one intent per event", () => {
    const { api, intents, clock } = setup(10);
    const e = ev({ host: "h", service: "cpu", metric: 0.5 });
    api.index()(e);
    api.forward("elasticsearch")(e);
    api.log()(e);
    api.log((x) => `cpu at ${x.metric}`)(e);
    assert.deepEqual(intents, [
      { kind: "index", rule: "disk", event: e },
      { kind: "forward", rule: "disk", target: "elasticsearch", event: e },
      { kind: "log", rule: "disk", message: "", event: e },
      { kind: "log", rule: "disk", message: "cpu at 0.5", event: e },
    ]);
    clock.advanceBy(5);
    assert.equal(api.now(), 15);
    assert.equal(api.ruleName, "disk");
  });

  it("emitters work when taken off the api object", () => {
    const { api, intents } = setup();
    const { log } = api;
    log("x")(ev());
    assert.equal(intents.length, 1);
  });
});

describe("defineRules", () => {
  it("marks its result so the loader can recognise it, and rejects a non-function", () => {
    const def = defineRules((r) => r.log());
    assert.ok(isRuleDefinition(def));
    assert.ok(!isRuleDefinition({ build: () => () => {} }));
    assert.throws(() => defineRules("x" as never), /defineRules: expected a build function/);
  });
});
