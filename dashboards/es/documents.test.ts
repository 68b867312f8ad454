/**
 * Tests of the document mappers: which data stream each record goes to and
 * which ECS / Metricbeat fields it gets.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeEvent, type Event } from "../../streams/event.ts";
import { alertDocument, dataStreamName, eventDocument, hostStateDocument, isoTime, taskDocument, type EsDocument } from "./documents.ts";
import { metricService } from "./metricbeat.ts";

const T = 1_700_000_000;

function ev(fields: Partial<Event> & { service: string }): Event {
  return makeEvent({ host: "web1", time: T, ...fields });
}

function get(doc: EsDocument, path: string): unknown {
  let node: unknown = doc;
  for (const part of path.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

describe("eventDocument", () => {
  it("puts a metric event named after a Metricbeat field into metrics-satellite.host as that nested field", () => {
    const doc = eventDocument(ev({ service: "system.memory.swap.used.pct", metric: 0.4, ttl: 30, state: "ok" }));
    assert.equal(dataStreamName(doc), "metrics-satellite.host-default");
    assert.equal(doc["@timestamp"], "2023-11-14T22:13:20.000Z");
    assert.deepEqual(doc.system, { memory: { swap: { used: { pct: 0.4 } } } });
    assert.deepEqual(doc.metricset, { name: "memory" });
    assert.deepEqual(doc.host, { name: "web1" });
    assert.deepEqual(doc.service, { name: "system.memory.swap.used.pct", type: "system" });
    assert.equal(get(doc, "event.kind"), "metric");
    assert.equal(get(doc, "event.module"), "system");
    assert.equal(get(doc, "event.dataset"), doc.data_stream.dataset, "ECS: event.dataset equals data_stream.dataset");
    assert.deepEqual(doc.satellite, { state: "ok", ttl: 30 });
  });

  it("takes a filesystem's mount point from the service name, else from the mount_point attribute (not repeated in labels)", () => {
    const named = eventDocument(ev({ service: "system.filesystem.used.pct /data", metric: 0.93, attributes: { mount_point: "/data", device: "sdb1" } }));
    assert.deepEqual(named.system, { filesystem: { used: { pct: 0.93 }, mount_point: "/data" } });
    assert.deepEqual(named.labels, { device: "sdb1" });
    const attributed = eventDocument(ev({ service: "system.filesystem.used.pct", metric: 0.5, attributes: { mount_point: "/" } }));
    assert.equal(get(attributed, "system.filesystem.mount_point"), "/");
    assert.equal(attributed.labels, undefined);
  });

  it("merges ECS host metrics into host beside host.name", () => {
    const doc = eventDocument(ev({ service: "host.network.ingress.bytes", metric: 1200 }));
    assert.deepEqual(doc.host, { name: "web1", network: { ingress: { bytes: 1200 } } });
    assert.deepEqual(doc.metricset, { name: "network" });
  });

  it("sends everything else to logs-satellite.events with the metric in satellite.metric", () => {
    const cases: [string, Event][] = [
      ["a heartbeat", ev({ service: "heartbeat", state: "ok", metric: 3600 })],
      ["an unknown system.* name", ev({ service: "system.memory.frobs", metric: 1 })],
      ["a qualifier on a metricset that takes none", ev({ service: "system.memory.used.pct extra", metric: 0.1 })],
      ["an expired metric (no metric)", ev({ service: "system.memory.swap.used.pct", state: "expired" })],
    ];
    for (const [what, e] of cases) {
      const doc = eventDocument(e);
      assert.equal(dataStreamName(doc), "logs-satellite.events-default", what);
      assert.equal(get(doc, "event.kind"), "event", what);
      assert.equal(get(doc, "satellite.metric"), e.metric, what);
      assert.equal(doc.system, undefined, what);
    }
  });

  it("copies description, tags and attributes (dots in keys become underscores, ECS labels have none)", () => {
    const doc = eventDocument(ev({ service: "disk writable", state: "critical", description: "timed out", tags: ["check"], attributes: { "k8s.pod": "p1", team: "infra" } }));
    assert.equal(doc.message, "timed out");
    assert.deepEqual(doc.tags, ["check"]);
    assert.deepEqual(doc.labels, { k8s_pod: "p1", team: "infra" });
    assert.equal(get(doc, "satellite.state"), "critical");
  });

  it("gives cluster-wide events (host \"*\") no host.name", () => {
    const doc = eventDocument(ev({ host: "*", service: "swapping hosts", metric: 0.25 }));
    assert.equal(doc.host, undefined);
  });

  it("uses the namespace given and refuses one Elasticsearch would refuse", () => {
    assert.equal(dataStreamName(eventDocument(ev({ service: "x" }), { namespace: "prod" })), "logs-satellite.events-prod");
    for (const bad of ["eu-west", "Prod", "", "a b", "_x"]) {
      assert.throws(() => eventDocument(ev({ service: "x" }), { namespace: bad }), /namespace must be a data stream namespace/, JSON.stringify(bad));
    }
  });
});

describe("taskDocument", () => {
  it("maps started, finished and failed to ECS process events", () => {
    const started = eventDocument(ev({ service: "task started", state: "ok", attributes: { task_id: "3f2a" } }));
    assert.equal(dataStreamName(started), "logs-satellite.tasks-default");
    assert.deepEqual(started.event, { kind: "event", dataset: "satellite.tasks", module: "satellite", category: ["process"], type: ["start"], action: "started", outcome: "unknown" });
    assert.deepEqual(started.satellite, { state: "ok", task: { id: "3f2a" } });
    assert.equal(started.labels, undefined, "task_id is not repeated in labels");

    const finished = taskDocument(ev({ service: "task finished", metric: 42.5, attributes: { task_id: "3f2a" } }));
    assert.equal(get(finished, "event.outcome"), "success");
    assert.equal(get(finished, "event.duration"), 42_500_000_000);
    assert.deepEqual(finished.process, { exit_code: 0 });

    const failed = taskDocument(ev({ service: "task failed", state: "critical", metric: 127, description: "exit 127: command not found" }));
    assert.deepEqual(get(failed, "event.type"), ["end"]);
    assert.equal(get(failed, "event.outcome"), "failure");
    assert.deepEqual(failed.process, { exit_code: 127 });
    assert.equal(failed.message, "exit 127: command not found");

    const lost = taskDocument(ev({ service: "task lost", metric: 1.5 }));
    assert.deepEqual(get(lost, "event.type"), ["info"]);
    assert.equal(get(lost, "event.action"), "lost");
    assert.equal(get(lost, "satellite.metric"), 1.5);
  });
});

describe("alertDocument and hostStateDocument", () => {
  it("maps an alert history record to an ECS alert", () => {
    const doc = alertDocument({ time: T, id: "a1", rule: "disk/full", key: "disk/full:web1", state: "triggered", severity: "critical", host: "web1", service: "system.filesystem.used.pct /", summary: "/ is 97% full" });
    assert.equal(dataStreamName(doc), "logs-satellite.alerts-default");
    assert.deepEqual(doc.event, { kind: "alert", dataset: "satellite.alerts", module: "satellite", action: "triggered" });
    assert.deepEqual(doc.rule, { name: "disk/full" });
    assert.deepEqual(doc.log, { level: "critical" });
    assert.equal(doc.message, "/ is 97% full");
    assert.deepEqual(doc.host, { name: "web1" });
    assert.deepEqual(doc.satellite, { alert: { id: "a1", key: "disk/full:web1", state: "triggered", severity: "critical" } });
    const cluster = alertDocument({ time: T, id: "a2", rule: "swap/cluster", key: "swap/cluster:*", state: "resolved", severity: "warning", summary: "ok" });
    assert.equal(cluster.host, undefined);
  });

  it("maps a host-state change with who and why", () => {
    const doc = hostStateDocument({ time: T, host: "web1", schedulable: false, flag: "blacklisted", reason: "fails every task", actor: "rule:tasks", ttl: 3600 });
    assert.equal(dataStreamName(doc), "logs-satellite.hosts-default");
    assert.deepEqual(doc.host, { name: "web1" });
    assert.equal(get(doc, "event.action"), "blacklisted");
    assert.deepEqual(get(doc, "event.type"), ["change"]);
    assert.equal(doc.message, "fails every task");
    assert.deepEqual(doc.satellite, { host: { flag: "blacklisted", schedulable: false, actor: "rule:tasks", ttl: 3600 } });
  });
});

describe("metricService and isoTime", () => {
  it("resolves names with and without qualifiers", () => {
    assert.deepEqual(metricService("system.network.in.bytes eth0"), { field: "system.network.in.bytes", metricset: "network", qualifierField: "system.network.name", qualifier: "eth0" });
    assert.equal(metricService("system.filesystem.used.pct "), undefined);
    assert.equal(metricService("toString"), undefined, "no prototype keys");
  });

  it("keeps milliseconds and refuses non-finite times", () => {
    assert.equal(isoTime(T + 0.1234), "2023-11-14T22:13:20.123Z");
    assert.throws(() => isoTime(Number.NaN), RangeError);
  });
});
