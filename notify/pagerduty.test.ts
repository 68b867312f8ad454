/**
 * Tests of the PagerDuty notifier against the PagerDuty-compatible receiver
 * over real sockets on 127.0.0.1, with real SQLite files and a VirtualClock:
 * delivery, retries (500, 429, timeouts, network errors), the rate limit,
 * per-dedup-key order, restarts, redaction of routing keys, not-configured
 * routing names, payload limits. Time moves only through the clock; the
 * tests await `idle()` and never sleep.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { openDatabase, type Db } from "../store/database.ts";
import { VirtualClock } from "../streams/clock.ts";
import type { Notification, NotificationAttempt } from "./notification.ts";
import { PagerDutyNotifier, type PagerDutyNotifierConfig } from "./pagerduty.ts";
import { startPagerDutyReceiver, type PagerDutyReceiver } from "./receiver.ts";

const KEY = "0123456789abcdef0123456789abcdef";
const T0 = 1_700_000_000;

function trigger(dedupKey: string, summary = `${dedupKey} is down`, routing = "default"): Notification {
  return { action: "trigger", dedupKey, routing, payload: { summary, source: "web-1", severity: "critical" } };
}
function resolve(dedupKey: string, routing = "default"): Notification {
  return { action: "resolve", dedupKey, routing };
}

interface Harness {
  readonly clock: VirtualClock;
  readonly notifier: PagerDutyNotifier;
  readonly db: Db;
  readonly file: string;
  readonly attempts: NotificationAttempt[];
  readonly logs: string[];
}

let dir: string;
let pd: PagerDutyReceiver;
const open: { notifier: PagerDutyNotifier; db: Db }[] = [];

function harness(overrides: Partial<PagerDutyNotifierConfig> & { file?: string; clock?: VirtualClock } = {}): Harness {
  const file = overrides.file ?? join(dir, `${Math.random().toString(36).slice(2)}.db`);
  const db = openDatabase(file);
  const clock = overrides.clock ?? new VirtualClock(T0);
  const attempts: NotificationAttempt[] = [];
  const logs: string[] = [];
  const notifier = new PagerDutyNotifier({
    db,
    clock,
    routingKeys: { default: KEY },
    eventsUrl: pd.url,
    onAttempt: (a) => attempts.push(a),
    log: (level, message, fields) => logs.push(JSON.stringify({ level, message, ...fields })),
    random: () => 0.5,
    ...overrides,
  });
  open.push({ notifier, db });
  return { clock, notifier, db, file, attempts, logs };
}

/** Advances the clock from wake-up to wake-up until the outbox is empty (or `until` is reached). */
async function drive(h: Pick<Harness, "clock" | "notifier">, until = Infinity): Promise<void> {
  for (let step = 0; step < 100_000; step++) {
    await h.notifier.idle();
    if (h.notifier.stats().depth === 0) return;
    const at = h.notifier.nextWakeAt();
    if (at === undefined) throw new Error(`stuck: ${h.notifier.stats().depth} pending and no wake-up`);
    if (at > until) {
      h.clock.advanceTo(until);
      await h.notifier.idle();
      return;
    }
    h.clock.advanceTo(at);
  }
  throw new Error("drive: too many steps");
}

function actionsOf(key: string): string[] {
  return pd.received.filter((e) => e.dedupKey === key).map((e) => e.action);
}

describe("PagerDutyNotifier", () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "satellite-notify-"));
    pd = await startPagerDutyReceiver({ port: 0 });
  });
  after(async () => {
    await pd.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => pd.setMode("ok"));
  afterEach(async () => {
    for (const o of open.splice(0)) {
      await o.notifier.close();
      if (o.db.open) o.db.close();
    }
  });

  it("writes to the outbox before enqueue returns, then delivers a valid Events v2 trigger", async () => {
    const h = harness({ options: { clientUrl: "http://127.0.0.1:5001/" } });
    h.notifier.enqueue({ ...trigger("happy"), links: [{ href: "http://127.0.0.1:5001/alerts/happy", text: "alert" }] });
    const rows = h.notifier.outbox.list("happy");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.status, "pending");
    await h.notifier.idle();
    const [e] = pd.received.filter((r) => r.dedupKey === "happy");
    assert.ok(e);
    assert.equal(e.routingKey, KEY);
    assert.equal(e.action, "trigger");
    assert.equal(e.client, "Satellite");
    assert.equal(e.clientUrl, "http://127.0.0.1:5001/");
    assert.deepEqual(e.links, [{ href: "http://127.0.0.1:5001/alerts/happy", text: "alert" }]);
    assert.equal(e.payload!.timestamp, new Date(T0 * 1000).toISOString());
    assert.deepEqual(h.attempts, [{ dedupKey: "happy", action: "trigger", attempt: 1, time: T0, outcome: "delivered", status: 202 }]);
    assert.equal(h.notifier.outbox.list("happy")[0]!.status, "delivered");
    const s = h.notifier.stats();
    assert.equal(s.depth, 0);
    assert.equal(s.delivered, 1);
    assert.equal(s.byRouting.default!.delivered, 1);
    assert.equal(h.clock.pending, 0, "no timer left behind");
  });

  it("rides out 5 minutes of 500s: everything delivered, in order per dedup key, within the rate limit", async () => {
    const h = harness({ options: { ratePerMinute: 10 } });
    pd.setMode("500");
    const keys = ["a", "b", "c", "d", "e", "f"];
    for (const k of keys) h.notifier.enqueue(trigger(`outage-${k}`));
    for (const k of keys) h.notifier.enqueue(resolve(`outage-${k}`));
    for (const k of keys) h.notifier.enqueue(trigger(`outage-${k}`, "back again"));
    await drive(h, T0 + 300);
    assert.equal(h.clock.now(), T0 + 300);
    assert.ok(h.attempts.length > 0 && h.attempts.every((a) => a.outcome === "retrying" && a.status === 500));
    assert.equal(h.notifier.stats().depth, 18);
    pd.setMode("ok");
    await drive(h);
    for (const k of keys) assert.deepEqual(actionsOf(`outage-${k}`), ["trigger", "resolve", "trigger"], k);
    assert.equal(h.notifier.stats().delivered, 18);
    // PagerDuty counts every call over a 60 s look-back window.
    const times = h.attempts.map((a) => a.time).sort((x, y) => x - y);
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((t) => t > times[i]! - 60 && t <= times[i]!).length;
      assert.ok(inWindow <= 10, `${inWindow} requests in the 60 s before ${times[i]! - T0}`);
    }
    assert.ok(h.notifier.stats().retries > 0);
  });

  it("waits out a 429 (honouring Retry-After) and holds the whole routing key meanwhile", async () => {
    const h = harness();
    pd.script({ status: 429, dedupKey: "throttled-1", headers: { "retry-after": "30" }, body: { status: "throttle exceeded", message: "slow down" } });
    h.notifier.enqueue(trigger("throttled-1"));
    await h.notifier.idle();
    assert.equal(h.attempts[0]!.outcome, "retrying");
    assert.equal(h.attempts[0]!.status, 429);
    h.notifier.enqueue(trigger("throttled-2"));
    await h.notifier.idle();
    assert.equal(actionsOf("throttled-2").length, 0, "the routing key is paused after a 429");
    assert.equal(h.notifier.nextWakeAt(), T0 + 30);
    await drive(h);
    assert.equal(actionsOf("throttled-1").length, 1);
    assert.equal(actionsOf("throttled-2").length, 1);
    assert.ok(h.attempts.filter((a) => a.outcome === "delivered").every((a) => a.time >= T0 + 30));
  });

  it("aborts a request after the timeout, retries, and the late-accepted first copy folds into one incident", async () => {
    const h = harness({ options: { requestTimeoutSeconds: 10 } });
    pd.setMode("slow", { delayMs: 60_000, times: 1 });
    const n = pd.requests.length;
    h.notifier.enqueue(trigger("slowpoke"));
    await pd.waitForRequests(n + 1);
    h.clock.advanceBy(10);
    await h.notifier.idle();
    assert.equal(h.attempts[0]!.outcome, "retrying");
    assert.match(h.attempts[0]!.error!, /timed out after 10 s/);
    await drive(h);
    assert.equal(h.attempts.at(-1)!.outcome, "delivered");
    assert.equal(h.attempts.at(-1)!.attempt, 2);
    assert.deepEqual(actionsOf("slowpoke"), ["trigger", "trigger"]);
    assert.equal(pd.incidents("slowpoke").length, 1, "PagerDuty de-duplicates the resent trigger");
  });

  it("retries network errors until the endpoint is back", async () => {
    const down = await startPagerDutyReceiver({ port: 0 });
    const port = down.port;
    const url = down.url;
    await down.close();
    const h = harness({ eventsUrl: url });
    h.notifier.enqueue(trigger("netsplit"));
    await h.notifier.idle();
    await drive(h, T0 + 20);
    assert.ok(h.attempts.length >= 2);
    assert.ok(h.attempts.every((a) => a.outcome === "retrying" && a.status === undefined));
    assert.match(h.attempts[0]!.error!, /ECONNREFUSED|fetch failed/);
    const up = await startPagerDutyReceiver({ port });
    try {
      await drive(h);
      assert.equal(up.received.length, 1);
      assert.equal(h.attempts.at(-1)!.outcome, "delivered");
    } finally {
      await up.close();
    }
  });

  it("keeps order per dedup key while other keys go ahead", async () => {
    const h = harness();
    pd.script({ status: 500, dedupKey: "order-a" });
    h.notifier.enqueue(trigger("order-a"));
    h.notifier.enqueue(trigger("order-b"));
    h.notifier.enqueue(resolve("order-a"));
    h.notifier.enqueue(trigger("order-c"));
    h.notifier.enqueue(resolve("order-b"));
    h.notifier.enqueue(trigger("order-a", "again"));
    h.notifier.enqueue(resolve("order-c"));
    await drive(h);
    assert.deepEqual(actionsOf("order-a"), ["trigger", "resolve", "trigger"]);
    assert.deepEqual(actionsOf("order-b"), ["trigger", "resolve"]);
    assert.deepEqual(actionsOf("order-c"), ["trigger", "resolve"]);
    const seqOf = (key: string, action: string): number => pd.received.find((e) => e.dedupKey === key && e.action === action)!.seq;
    assert.ok(seqOf("order-b", "resolve") < seqOf("order-a", "trigger"), "b was not held up by a's retry");
    assert.ok(seqOf("order-c", "resolve") < seqOf("order-a", "trigger"), "c was not held up by a's retry");
    assert.deepEqual(pd.incidents("order-a").map((i) => i.status), ["resolved", "open"]);
  });

  it("survives being killed mid-request: after the restart the page is resent and PagerDuty holds one incident", async () => {
    const file = join(dir, "killed.db");
    const clock = new VirtualClock(T0);
    const first = harness({ file, clock });
    pd.setMode("slow", { delayMs: 60_000, times: 1 });
    const n = pd.requests.length;
    first.notifier.enqueue(trigger("killed"));
    await pd.waitForRequests(n + 1); // PagerDuty has it; the 202 has not come back
    await first.notifier.close();
    first.db.close();
    assert.equal(first.attempts.length, 0, "the killed notifier recorded nothing");

    clock.advanceBy(5);
    const second = harness({ file, clock });
    second.notifier.enqueue(trigger("killed")); // the alerting side replays its open pages
    assert.equal(second.notifier.stats().replays, 1, "the replay did not add a row");
    await drive(second);
    assert.deepEqual(second.attempts.map((a) => [a.attempt, a.outcome]), [[2, "delivered"]], "attempt count continued");
    assert.deepEqual(pd.received.filter((e) => e.dedupKey === "killed").map((e) => e.effect), ["opened", "deduplicated"]);
    assert.equal(pd.incidents("killed").length, 1);
    assert.equal(second.notifier.outbox.list("killed").length, 1);

    second.notifier.enqueue(resolve("killed"));
    await drive(second);
    assert.equal(pd.incidents("killed")[0]!.status, "resolved");
  });

  it("survives being killed before sending: after the restart the trigger is sent exactly once", async () => {
    const file = join(dir, "killed-early.db");
    const clock = new VirtualClock(T0);
    const first = harness({ file, clock });
    first.notifier.enqueue(trigger("early")); // committed; delivery not started yet
    await first.notifier.close();
    first.db.close();
    const second = harness({ file, clock });
    await drive(second);
    assert.deepEqual(actionsOf("early"), ["trigger"]);
    assert.equal(second.attempts[0]!.attempt, 1);
  });

  it("does not resend after a restart what was delivered, even when the alerting side replays it", async () => {
    const file = join(dir, "delivered.db");
    const clock = new VirtualClock(T0);
    const first = harness({ file, clock });
    first.notifier.enqueue(trigger("done"));
    await drive(first);
    await first.notifier.close();
    first.db.close();
    const second = harness({ file, clock });
    second.notifier.enqueue(trigger("done"));
    second.notifier.enqueue(trigger("done"));
    await drive(second);
    assert.deepEqual(actionsOf("done"), ["trigger"]);
    assert.equal(second.notifier.stats().replays, 2);
    // A changed notification is not a replay.
    second.notifier.enqueue(trigger("done", "done, and worse"));
    await drive(second);
    assert.deepEqual(actionsOf("done"), ["trigger", "trigger"]);
    assert.equal(pd.incidents("done").length, 1);
  });

  it("records a 400 as rejected with PagerDuty's message and errors, does not retry, and moves on to the next notification of the key", async () => {
    const h = harness();
    pd.script({ status: 400, dedupKey: "bad", body: { status: "invalid event", message: "Event object is invalid", errors: ["'payload.source' is missing"] } });
    h.notifier.enqueue(trigger("bad"));
    h.notifier.enqueue(resolve("bad"));
    await drive(h);
    assert.deepEqual(h.attempts.map((a) => a.outcome), ["rejected", "delivered"]);
    assert.equal(h.attempts[0]!.status, 400);
    assert.match(h.attempts[0]!.error!, /Event object is invalid: 'payload.source' is missing/);
    assert.ok(h.logs.some((l) => l.includes('"level":"error"') && l.includes("'payload.source' is missing")));
    assert.equal(h.notifier.stats().rejected, 1);
    assert.equal(h.notifier.outbox.list("bad")[0]!.status, "rejected");
  });

  it("gives up after the maximum age and records it", async () => {
    const h = harness({ options: { maxAgeSeconds: 120 } });
    pd.setMode("500");
    h.notifier.enqueue(trigger("hopeless"));
    await drive(h);
    const last = h.attempts.at(-1)!;
    assert.equal(last.outcome, "gave-up");
    assert.ok(last.time >= T0 + 120);
    assert.equal(h.notifier.stats().gaveUp, 1);
    assert.equal(h.notifier.outbox.list("hopeless")[0]!.status, "gave-up");
    assert.equal(h.clock.pending, 0, "no timer left once nothing is pending");
  });

  it("never writes a routing key to the log, the attempts, the stats or the database file", async () => {
    const h = harness();
    pd.script(
      { status: 500, dedupKey: "secret", body: { status: "error", message: `bad routing key ${KEY}` } },
      { status: 400, dedupKey: "secret", body: { status: "invalid event", message: "Event object is invalid", errors: [`routing_key ${KEY} unknown`] } },
    );
    h.notifier.enqueue(trigger("secret"));
    h.notifier.enqueue(resolve("secret"));
    h.notifier.enqueue(trigger("secret-2"));
    await drive(h);
    assert.deepEqual(h.attempts.filter((a) => a.dedupKey === "secret").map((a) => a.outcome), ["retrying", "rejected", "delivered"]);
    assert.ok(pd.received.some((e) => e.routingKey === KEY), "the key was sent to PagerDuty");
    const everything = [...h.logs, JSON.stringify(h.attempts), JSON.stringify(h.notifier.stats()), JSON.stringify(h.notifier.outbox.list())].join("\n");
    assert.ok(everything.includes("[redacted]"), "the echoed key was redacted");
    assert.ok(!everything.includes(KEY));
    h.db.pragma("wal_checkpoint(TRUNCATE)");
    for (const f of [h.file, `${h.file}-wal`]) if (existsSync(f)) assert.equal(readFileSync(f).indexOf(KEY), -1, f);
  });

  it("records a routing name without a key as not-configured and keeps the row", async () => {
    const h = harness({ routingKeys: () => undefined });
    h.notifier.enqueue(trigger("unrouted", "db down", "db-team"));
    await drive(h);
    assert.deepEqual(h.attempts.map((a) => a.outcome), ["not-configured"]);
    assert.match(h.attempts[0]!.error!, /no routing key configured for routing name "db-team"/);
    assert.equal(actionsOf("unrouted").length, 0);
    const [row] = h.notifier.outbox.list("unrouted");
    assert.equal(row!.status, "not-configured");
    assert.equal(row!.message.payload!.summary, "db down");
    assert.equal(h.notifier.stats().byRouting["db-team"]!.notConfigured, 1);
    assert.ok(h.logs.some((l) => l.includes('"level":"warn"') && l.includes("db-team") && l.includes("db down")));
  });

  it("routes by name: each routing name uses its own key", async () => {
    const other = "fedcba9876543210fedcba9876543210";
    const h = harness({ routingKeys: { default: KEY, db: other } });
    h.notifier.enqueue(trigger("routed-1"));
    h.notifier.enqueue(trigger("routed-2", "x", "db"));
    await drive(h);
    assert.equal(pd.received.find((e) => e.dedupKey === "routed-1")!.routingKey, KEY);
    assert.equal(pd.received.find((e) => e.dedupKey === "routed-2")!.routingKey, other);
    assert.equal(h.notifier.outbox.list("routed-2")[0]!.routing, "db");
  });

  it("shrinks an oversized payload and truncates a long summary so PagerDuty accepts them", async () => {
    const h = harness();
    h.notifier.enqueue({
      action: "trigger",
      dedupKey: "big",
      routing: "default",
      payload: { summary: "s".repeat(3000), source: "web-1", severity: "warning", custom_details: { host: "web-1", dump: "x".repeat(700_000) } },
    });
    await drive(h);
    assert.equal(h.attempts[0]!.outcome, "delivered");
    const e = pd.received.find((r) => r.dedupKey === "big")!;
    assert.ok(e.bytes <= 512_000);
    const p = e.payload as { summary: string; custom_details: Record<string, unknown> };
    assert.equal(p.summary.length, 1024);
    assert.ok(p.summary.endsWith("…"));
    assert.equal(p.custom_details.host, "web-1");
    assert.match(String(p.custom_details.satellite_note), /dropped fields: dump/);
    assert.ok(h.logs.some((l) => l.includes("adjusted to PagerDuty's limits")));
  });

  it("commits or rolls back together with the caller's transaction on the same database", async () => {
    const h = harness();
    h.db.exec("CREATE TABLE IF NOT EXISTS test_alerts (key TEXT PRIMARY KEY)");
    const change = h.db.transaction((key: string, fail: boolean) => {
      h.db.prepare("INSERT INTO test_alerts (key) VALUES (?)").run(key);
      h.notifier.enqueue(trigger(key));
      if (fail) throw new Error("alerting failed after enqueue");
    });
    assert.throws(() => change("tx-rolled-back", true), /alerting failed/);
    change("tx-committed", false);
    await drive(h);
    assert.equal(h.notifier.outbox.list("tx-rolled-back").length, 0);
    assert.deepEqual(actionsOf("tx-rolled-back"), []);
    assert.deepEqual(actionsOf("tx-committed"), ["trigger"]);
  });

  it("validates notifications and refuses enqueue after close", async () => {
    const h = harness();
    assert.throws(() => h.notifier.enqueue({ action: "escalate" as never, dedupKey: "k", routing: "default" }), TypeError);
    assert.throws(() => h.notifier.enqueue({ action: "resolve", dedupKey: "", routing: "default" }), /dedupKey/);
    await h.notifier.close();
    assert.throws(() => h.notifier.enqueue(resolve("k")), /closed/);
  });
});
