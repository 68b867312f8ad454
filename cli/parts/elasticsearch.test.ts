/**
 * Tests of the Elasticsearch output part against the local Elasticsearch
 * server (dashboards/testing) over real sockets, with Satellite's templates
 * installed (so every document is checked against the mappings) and the
 * sink's timing on a virtual clock: bus batches land in the right data
 * streams and wait for the flush (through an outage and a slow cluster,
 * losing nothing); the tap never blocks and drops, counts and logs what
 * does not fit; alert history and host-state changes from the real
 * alerting and host health hooks are indexed with the fields the Kibana
 * dashboards use; an in-process bus whose handler is wrapped indexes every
 * event exactly once.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { Client } from "@elastic/elasticsearch";
import { Alerting } from "../../alerting/alerting.ts";
import { page, RecordingNotifier, resolve } from "../../alerting/test-support.ts";
import { InProcessBus } from "../../bus/inprocess.ts";
import { createElasticsearchClient } from "../../dashboards/es/client.ts";
import { installTemplates } from "../../dashboards/es/templates.ts";
import { createMetricsRegistry } from "../../dashboards/metrics/index.ts";
import { FAULTS, FakeElasticsearch } from "../../dashboards/testing/elasticsearch-server.ts";
import { HostHealth } from "../../scheduler/health/host-health.ts";
import { TestInventory } from "../../scheduler/health/test-support.ts";
import { openDatabase } from "../../store/database.ts";
import { VirtualClock } from "../../streams/clock.ts";
import { Engine } from "../../streams/engine.ts";
import { makeEvent, type Event } from "../../streams/event.ts";
import { discard, fanout } from "../../streams/stream.ts";
import { startElasticsearch, type ElasticsearchPart, type ElasticsearchPartSettings } from "./elasticsearch.ts";

const T = 1_700_000_000;
const NS = "test";
const EVENTS = `logs-satellite.events-${NS}`;
const METRICS = `metrics-satellite.host-${NS}`;
const TASKS = `logs-satellite.tasks-${NS}`;
const ALERTS = `logs-satellite.alerts-${NS}`;
const HOSTS = `logs-satellite.hosts-${NS}`;

/** Lets pending promise callbacks and socket events run (no timers involved). */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function tracked<T>(p: Promise<T>): { done: () => boolean; promise: Promise<T> } {
  let settled = false;
  const promise = p.then((v) => {
    settled = true;
    return v;
  });
  return { done: () => settled, promise };
}

function checks(prefix: string, n: number, host = "web1"): Event[] {
  return Array.from({ length: n }, (_, i) => makeEvent({ host, service: `check ${prefix}${i}`, time: T, state: "ok", description: `${prefix}${i}` }));
}

describe("the Elasticsearch output part", () => {
  let es: FakeElasticsearch;
  let admin: Client;
  let clock: VirtualClock;
  let logs: string[];
  const parts: ElasticsearchPart[] = [];

  before(async () => {
    es = await FakeElasticsearch.start();
    admin = createElasticsearchClient({ node: es.url });
    await installTemplates(admin);
  });
  after(async () => {
    es.release();
    for (const p of parts) p.abort("test over");
    await admin.close();
    await es.close();
  });
  beforeEach(() => {
    es.dataStreams.clear();
    es.failBulk(undefined);
    es.itemFault = undefined;
    es.release();
    clock = new VirtualClock(T);
    logs = [];
  });

  function start(options: ElasticsearchPartSettings = {}): ElasticsearchPart {
    const part = startElasticsearch({ url: es.url, namespace: NS, clock, log: (line) => logs.push(line), options: { random: () => 1, ...options } });
    parts.push(part);
    return part;
  }

  it("writes a bus batch's valid events to their data streams (metrics, events, tasks) and resolves once they are stored", async () => {
    const part = start();
    const batch: unknown[] = [
      makeEvent({ host: "web1", service: "system.memory.swap.used.pct", time: T, metric: 0.4 }),
      makeEvent({ host: "web1", service: "check ssh", time: T, state: "critical", description: "connection refused", attributes: { "check.kind": "tcp" } }),
      makeEvent({ host: "web1", service: "task started", time: T, state: "ok", attributes: { task_id: "t1" } }),
      makeEvent({ host: "web1", service: "task finished", time: T + 2, state: "ok", metric: 2, attributes: { task_id: "t1" } }),
      makeEvent({ host: "web2", service: "task failed", time: T + 3, state: "critical", metric: 127, description: "exit 127", attributes: { task_id: "t2" } }),
      { host: "web1", service: "bad", metric: "not a number" },
      { host: "web1", service: "untimed", state: "ok" },
    ];
    await part.writeBatch(batch);
    assert.equal(es.documents(METRICS).length, 1);
    assert.deepEqual((es.documents(METRICS)[0] as { system: unknown }).system, { memory: { swap: { used: { pct: 0.4 } } } });
    const events = es.documents(EVENTS) as { service: { name: string }; "@timestamp": string; labels?: Record<string, string> }[];
    assert.deepEqual(
      events.map((d) => d.service.name),
      ["check ssh", "untimed"],
    );
    assert.deepEqual(events[0]!.labels, { check_kind: "tcp" });
    assert.equal(events[1]!["@timestamp"], new Date(T * 1000).toISOString(), "an event without a time takes the clock's, as the engine does");
    const tasks = es.documents(TASKS) as { event: { action: string; outcome: string }; satellite: { task?: { id: string } }; process?: { exit_code: number } }[];
    assert.deepEqual(
      tasks.map((d) => [d.event.action, d.event.outcome, d.satellite.task?.id]),
      [
        ["started", "unknown", "t1"],
        ["finished", "success", "t1"],
        ["failed", "failure", "t2"],
      ],
    );
    assert.equal(tasks[2]!.process?.exit_code, 127);
    const stats = part.stats();
    assert.equal(stats.invalid, 1);
    assert.equal(stats.submitted.bus, 6);
    assert.equal(stats.sink.indexed, 6);
    assert.equal(stats.sink.failed, 0);
    await part.close();
  });

  it("holds a bus batch while Elasticsearch answers 503, retrying with backoff, and resolves when it recovers, losing nothing", async () => {
    es.failBulk(FAULTS.unavailable);
    const part = start({ maxBufferedDocs: 5, retryInitialSeconds: 1, retryMaxSeconds: 4 });
    const w1 = tracked(part.writeBatch(checks("a", 3)));
    const w2 = tracked(part.writeBatch(checks("b", 6)));
    await turn();
    await part.sink.idle();
    assert.equal(part.sink.stats().buffered, 5, "the buffer stays bounded");
    assert.equal(part.sink.stats().waitingWrites, 1, "the second batch waits for room");
    for (let i = 0; i < 4; i++) {
      clock.advanceTo(clock.nextTimerAt()!);
      await part.sink.idle();
    }
    assert.equal(w1.done(), false);
    assert.equal(w2.done(), false);
    assert.equal(es.allDocuments().length, 0);
    assert.ok(part.sink.stats().requestFailures >= 5);

    es.failBulk(undefined);
    clock.advanceTo(clock.nextTimerAt()!);
    await w1.promise;
    await w2.promise;
    assert.deepEqual(
      es.documents(EVENTS).map((d) => d.message),
      [...checks("a", 3), ...checks("b", 6)].map((e) => e.description),
      "everything, in order",
    );
    assert.equal(part.stats().sink.retriesByReason.http_503! > 0, true);
    await part.close();
  });

  it("installs the templates before the first document, waiting and retrying while Elasticsearch refuses them; without it the stock template would win", async () => {
    const fresh = await FakeElasticsearch.start(); // only the stock logs-*-* / metrics-*-* templates
    try {
      fresh.failTemplates(FAULTS.unavailable, 2);
      const part = startElasticsearch({ url: fresh.url, namespace: NS, clock, log: (line) => logs.push(line), options: { random: () => 1, retryInitialSeconds: 1 } });
      parts.push(part);
      const w = tracked(part.writeBatch(checks("t", 3)));
      await turn();
      await part.sink.idle();
      assert.equal(fresh.bulkRequests, 0, "no document is sent before the templates are in");
      assert.equal(w.done(), false);
      assert.match(logs.join("\n"), /elasticsearch: cannot write yet: component template satellite-settings: 503 unavailable_shards_exception.*3 document\(s\) wait, retrying in 1\.0 s/);
      for (let i = 0; i < 3 && !w.done(); i++) {
        clock.advanceTo(clock.nextTimerAt()!);
        await part.sink.idle();
        await turn();
      }
      await w.promise;
      assert.equal(fresh.documents(EVENTS).length, 3);
      assert.equal(fresh.dataStreams.get(EVENTS)!.template, "satellite-events", "the data stream was created from Satellite's template");
      const firstBulk = fresh.requests.findIndex((r) => r.path === "/_bulk");
      const lastTemplate = fresh.requests.findLastIndex((r) => r.path.startsWith("/_index_template/") || r.path.startsWith("/_component_template/"));
      assert.ok(lastTemplate >= 0 && lastTemplate < firstBulk, "every template PUT comes before the first _bulk");
      assert.match(logs.join("\n"), /elasticsearch: installed \d+ component and 5 index templates/);
      await part.close();

      // Switched off (templates managed elsewhere): the first document creates its data stream from whatever matches.
      const other = await FakeElasticsearch.start();
      try {
        const off = startElasticsearch({ url: other.url, namespace: NS, clock, log: () => {}, options: { installTemplates: false } });
        parts.push(off);
        await off.writeBatch(checks("u", 1));
        assert.equal(other.dataStreams.get(EVENTS)!.template, "logs");
        assert.equal(other.requests.filter((r) => r.path.includes("_template")).length, 0);
        await off.close();
      } finally {
        await other.close();
      }
    } finally {
      await fresh.close();
    }
  });

  it("holds a bus batch while Elasticsearch is slow and resolves when the response comes", async () => {
    const part = start();
    es.hold();
    const before = es.bulkRequests;
    const w = tracked(part.writeBatch(checks("s", 4)));
    await es.untilBulkRequests(before + 1);
    await turn();
    assert.equal(es.heldRequests, 1, "sent at once: a waiting bus batch does not wait for the flush interval");
    assert.equal(w.done(), false);
    es.release();
    await w.promise;
    assert.equal(es.documents(EVENTS).length, 4);
    await part.close();
  });

  it("the tap never blocks: what does not fit in the buffer is dropped, counted and logged (throttled), and indexing resumes when there is room", async () => {
    const part = start({ maxBufferedDocs: 5, dropLogIntervalSeconds: 60 });
    es.hold();
    for (const e of checks("t", 8)) part.tap(e);
    await turn();
    assert.equal(part.sink.stats().buffered, 5);
    assert.deepEqual(part.stats().dropped, { "tap/buffer_full": 3 });
    assert.equal(logs.filter((l) => l.includes("dropping tap documents (buffer_full)")).length, 1);

    for (const e of checks("u", 4)) part.tap(e);
    await turn();
    assert.deepEqual(part.stats().dropped, { "tap/buffer_full": 7 });
    assert.equal(logs.filter((l) => l.includes("tap documents")).length, 1, "no more lines within the interval");
    clock.advanceBy(60);
    await es.untilBulkRequests(1);
    part.tap(checks("v", 1)[0]!);
    await turn();
    assert.match(logs.join("\n"), /dropped 5 more tap documents in the last 60 s \(buffer_full\); 8 since dropping began/);

    es.release();
    await part.sink.flush();
    assert.equal(part.sink.stats().buffered, 0);
    part.tap(checks("w", 1)[0]!);
    await turn();
    await part.sink.flush();
    assert.match(logs.join("\n"), /stopped dropping tap documents; 8 dropped in all since it began/);
    assert.deepEqual(
      es.documents(EVENTS).map((d) => d.message),
      ["t0", "t1", "t2", "t3", "t4", "w0"],
    );
    const text = await createMetricsRegistry(part.metrics, { processMetrics: false }).metrics();
    assert.match(text, /satellite_elasticsearch_dropped_total\{source="tap",reason="buffer_full"\} 8/);
    assert.match(text, /satellite_elasticsearch_indexed_total 6/);
    assert.match(text, /satellite_elasticsearch_submitted_total\{source="tap"\} 6/);
    await part.close();
  });

  it("the tap leaves the room to bus batches waiting for it", async () => {
    const part = start({ maxBufferedDocs: 3 });
    es.failBulk(FAULTS.unavailable);
    const w = tracked(part.writeBatch(checks("bus", 5)));
    await turn();
    assert.equal(part.sink.stats().waitingWrites, 1);
    part.tap(checks("tap", 1)[0]!);
    await turn();
    assert.deepEqual(part.stats().dropped, { "tap/buffer_full": 1 });
    es.failBulk(undefined);
    while (!w.done()) {
      const next = clock.nextTimerAt();
      if (next !== undefined) clock.advanceTo(next);
      await part.sink.idle();
      await turn();
    }
    assert.equal(es.documents(EVENTS).length, 5);
    await part.close();
  });

  it("indexes alert history from the alerting hook with the fields the alerts dashboard uses", async () => {
    const part = start();
    const db = openDatabase(":memory:");
    const alerting = new Alerting({ db, clock, notifier: new RecordingNotifier(), onHistory: part.onAlertHistory, options: { forSeconds: 10, resolveAfterSeconds: 0 } });
    alerting.startMaintenance({ host: "web2", durationSeconds: 3600, createdBy: "ann", reason: "BIOS update" });
    alerting.handle(page(clock, "web1", { rule: "disk/full", severity: "critical", summary: "web1: / 97% full" }));
    alerting.handle(page(clock, "web2", { rule: "disk/full", severity: "warning", summary: "web2: / 91% full" }));
    clock.advanceBy(10);
    clock.advanceBy(20);
    alerting.handle(resolve(clock, "web1", "disk/full"));
    await part.sink.flush();
    type AlertDoc = { "@timestamp": string; event: { kind: string; action: string }; rule: { name: string }; log: { level: string }; host: { name: string }; message: string; satellite: { alert: Record<string, string> } };
    const docs = es.documents(ALERTS) as AlertDoc[];
    assert.deepEqual(
      docs.map((d) => [d.host.name, d.event.action, d["@timestamp"]]),
      [
        ["web1", "pending", new Date(T * 1000).toISOString()],
        ["web2", "pending", new Date(T * 1000).toISOString()],
        ["web1", "triggered", new Date((T + 10) * 1000).toISOString()],
        ["web2", "silenced", new Date((T + 10) * 1000).toISOString()],
        ["web1", "resolved", new Date((T + 30) * 1000).toISOString()],
      ],
      "a muted start is reported as silenced, not as a page",
    );
    const fired = docs[2]!;
    assert.equal(fired.event.kind, "alert");
    assert.equal(fired.rule.name, "disk/full");
    assert.equal(fired.log.level, "critical");
    assert.equal(fired.message, "web1: / 97% full");
    assert.deepEqual(fired.satellite.alert, { id: fired.satellite.alert.id, key: "disk/full:web1", state: "triggered", severity: "critical" });
    assert.equal(docs[3]!.log.level, "warning");
    assert.equal(part.stats().submitted.alerts, 5, "notifications, attempts and maintenance entries are not alert state changes");
    alerting.close();
    db.close();
    await part.close();
  });

  it("indexes host-state changes from the host health hook with the fields the scheduler dashboard uses", async () => {
    const part = start();
    const db = openDatabase(":memory:");
    const inventory = new TestInventory(["web1", "web2", "web3", "web4"]);
    const health = new HostHealth({ db, clock, inventory, onAudit: part.onHealthAudit, log: () => {}, options: { returnDampingSeconds: 0, maxOutFraction: 0.5 } });
    health.handle({ kind: "drain", rule: "swap", host: "web1", reason: "swapping", ttl: 600, time: clock.now() });
    health.handle({ kind: "drain", rule: "swap", host: "web1", reason: "swapping", ttl: 600, time: clock.now() }); // a refresh: no change
    clock.advanceBy(10);
    health.handle({ kind: "restore", rule: "swap", host: "web1", reason: "swap is fine", time: clock.now() });
    clock.advanceBy(1);
    await part.sink.flush();
    const docs = es.documents(HOSTS) as { host: { name: string }; event: { action: string; category: string[] }; message: string; satellite: { host: { flag: string; schedulable: boolean; actor: string; ttl?: number } } }[];
    assert.ok(docs.length >= 2, `${docs.length} documents`);
    const [drained, ...rest] = docs as [(typeof docs)[0], ...typeof docs];
    assert.equal(drained.host.name, "web1");
    assert.deepEqual(drained.event.category, ["host"]);
    assert.equal(drained.event.action, "draining");
    assert.equal(drained.message, "swapping");
    assert.deepEqual(drained.satellite.host, { flag: "draining", schedulable: false, actor: "rule:swap", ttl: 600 });
    const last = rest[rest.length - 1]!;
    assert.equal(last.satellite.host.flag, "in");
    assert.equal(last.satellite.host.schedulable, true);
    assert.equal(docs.filter((d) => d.satellite.host.flag === "draining").length, 1, "the refresh did not change the state and is not indexed");
    health.close();
    db.close();
    await part.close();
  });

  it("the alerting and host health hooks pass only committed entries: a transaction that rolls back passes nothing", () => {
    const db = openDatabase(":memory:");
    const history: string[] = [];
    const alerting = new Alerting({ db, clock, notifier: new RecordingNotifier(), onHistory: (e) => history.push(`${e.kind} ${e.alert?.key ?? ""}`), onError: () => {} });
    const audits: string[] = [];
    const errors: string[] = [];
    const health = new HostHealth({
      db,
      clock,
      inventory: new TestInventory(["web1", "web2", "web3", "web4"]),
      onAudit: (e) => audits.push(`${e.host} ${e.action} ${e.from} -> ${e.to}`),
      log: (level, message) => void errors.push(`${level} ${message}`),
      options: { maxOutFraction: 0.5 },
    });
    // Each fails a transaction after it wrote a first history row / audit entry.
    db.exec(`CREATE TRIGGER refuse_bad_page BEFORE INSERT ON alerting_history WHEN NEW.kind = 'notification' AND NEW.host = 'bad1' BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    db.exec(`CREATE TRIGGER refuse_second_expiry BEFORE INSERT ON scheduler_health_audit WHEN NEW.action = 'expire' AND NEW.reason LIKE '%rule "b"%' BEGIN SELECT RAISE(ABORT, 'refused'); END`);

    assert.throws(() => alerting.handle(page(clock, "bad1")), /refused/);
    assert.deepEqual(history, [], "the firing entry was rolled back with the notification");
    alerting.handle(page(clock, "web1"));
    assert.deepEqual(history, ["firing disk/full:web1", "notification disk/full:web1"], "after the commit, in order");

    health.handle({ kind: "drain", rule: "a", host: "web1", reason: "swapping", ttl: 60, time: clock.now() });
    health.handle({ kind: "drain", rule: "b", host: "web1", reason: "swapping", ttl: 60, time: clock.now() });
    assert.deepEqual(audits, ["web1 drain in -> draining", "web1 drain draining -> draining"]);
    clock.advanceBy(60); // both expire in one transaction; the second expiry's entry is refused, so the first is rolled back too
    assert.match(errors.join("\n"), /timer of web1 failed/);
    assert.equal(audits.length, 2, `nothing of the rolled-back transaction: ${JSON.stringify(audits)}`);
    health.close();
    alerting.close();
    db.close();
  });

  it("an in-process bus whose handler is wrapped: offsets wait for the flush, and every event is indexed exactly once (bus batches and the tap)", async () => {
    const part = start();
    const engine = new Engine({ clock });
    engine.setStream(fanout(engine.ctx, "engine", [discard, part.tap])); // as startApp wires taps beside the rules
    const bus = new InProcessBus({ partitions: 1 });
    const handled: number[] = [];
    await bus.subscribe(
      "events",
      part.busHandler((events) => {
        handled.push(events.length);
        return engine.submitAll(events);
      }),
    );
    es.hold();
    const before = es.bulkRequests;
    await bus.publish("events", checks("a", 3));
    await es.untilBulkRequests(before + 1);
    await bus.publish("events", checks("b", 2));
    await turn();
    await turn();
    assert.deepEqual(handled, [3], "the next batch waits until the first is stored");
    assert.equal(engine.stats.accepted, 3);
    engine.submit({ host: "web9", service: "http ingest", time: T, state: "ok" }); // not from the bus: the tap's way
    es.release();
    await bus.idle();
    await part.sink.flush();
    assert.deepEqual(handled, [3, 2]);
    assert.deepEqual(
      es
        .documents(EVENTS)
        .map((d) => d.service as { name: string })
        .map((s) => s.name)
        .sort(),
      ["check a0", "check a1", "check a2", "check b0", "check b1", "http ingest"],
    );
    assert.deepEqual(part.stats().submitted, { bus: 5, tap: 1, alerts: 0, hosts: 0 });
    await bus.close();
    await part.close();
  });

  it("closeBus: a bus whose batch waits for an unreachable Elasticsearch still closes, at the deadline, and the batch is dead-lettered", async () => {
    const part = start({ closeTimeoutSeconds: 30 });
    const engine = new Engine({ clock });
    engine.setStream(fanout(engine.ctx, "engine", [discard, part.tap]));
    const bus = new InProcessBus({ partitions: 1 });
    await bus.subscribe("events", part.busHandler((events) => engine.submitAll(events)));
    es.failBulk(FAULTS.unavailable);
    const before = es.bulkRequests;
    await bus.publish("events", checks("x", 2));
    await es.untilBulkRequests(before + 1);
    const closing = tracked(part.closeBus(() => bus.close()));
    clock.advanceBy(29);
    await part.sink.idle();
    await turn();
    assert.equal(closing.done(), false, "the bus waits for its batch");
    clock.advanceBy(1);
    await closing.promise;
    assert.equal(bus.deadLetters.length, 1);
    assert.match(bus.deadLetters[0]!.detail, /aborted \(shutdown deadline\)/);
    assert.equal(part.stats().sink.abandoned, 2);
    assert.match(logs.join("\n"), /the bus is still waiting for Elasticsearch after 30 s of shutdown/);
    await part.close();
  });

  it("close flushes what is held; later tap events are dropped and counted; a close that Elasticsearch does not let finish gives up at the deadline", async () => {
    const part = start();
    part.tap(checks("c", 1)[0]!);
    await part.close();
    assert.equal(es.documents(EVENTS).length, 1);
    part.tap(checks("late", 1)[0]!);
    await turn();
    assert.deepEqual(part.stats().dropped, { "tap/closed": 1 });
    await assert.rejects(part.writeBatch(checks("late", 1)), /closed/);

    es.failBulk(FAULTS.unavailable);
    const stuck = start({ closeTimeoutSeconds: 30 });
    const pending = stuck.writeBatch(checks("d", 2)).catch((err: unknown) => err);
    const closing = tracked(stuck.close());
    await stuck.sink.idle();
    clock.advanceBy(29);
    await stuck.sink.idle();
    assert.equal(closing.done(), false);
    clock.advanceBy(1);
    await closing.promise;
    assert.match(String(await pending), /aborted \(shutdown deadline\)/);
    assert.equal(stuck.stats().sink.abandoned, 2);
    assert.match(logs.join("\n"), /giving up on them/);
  });

  it("refuses bad settings, naming them", () => {
    assert.throws(() => startElasticsearch({ url: "es:9200", namespace: NS, clock, log: () => {} }), /elasticsearch\.node must be an http\(s\) URL/);
    assert.throws(() => startElasticsearch({ url: es.url, namespace: "Prod-1", clock, log: () => {} }), /elasticsearch\.namespace/);
    assert.throws(() => startElasticsearch({ url: es.url, namespace: NS, clock, log: () => {}, options: { maxPendingRecords: 0 } }), /elasticsearch\.maxPendingRecords must be a positive integer/);
    assert.throws(() => startElasticsearch({ url: es.url, namespace: NS, clock, log: () => {}, options: { installTemplates: "yes" as unknown as boolean } }), /elasticsearch\.installTemplates must be true or false/);
  });
});
