/**
 * Tests of the index and component templates: names, patterns, priority,
 * no dynamic surprises, and that every document the mappers make is one
 * Elasticsearch would index with these mappings (checked with the mapping
 * model of dashboards/testing, which is itself tested to reject bad ones).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeEvent } from "../../streams/event.ts";
import { checkDocument } from "../testing/mapping-check.ts";
import { DATA_STREAMS, alertDocument, eventDocument, hostStateDocument, type DataStreamKey, type EsDocument } from "./documents.ts";
import { leafFields } from "./mappings.ts";
import { METRIC_FIELDS, QUALIFIER_FIELDS } from "./metricbeat.ts";
import { DEFAULT_RETENTION, TEMPLATE_PRIORITY, satelliteTemplates, streamMappings } from "./templates.ts";

const T = 1_700_000_000;
const STREAMS = Object.keys(DATA_STREAMS) as DataStreamKey[];

/** One document of every shape the mappers produce, by stream. */
function sampleDocuments(): Record<DataStreamKey, EsDocument[]> {
  const e = (fields: Parameters<typeof makeEvent>[0]): EsDocument => eventDocument(makeEvent(fields));
  const metrics = Object.entries(METRIC_FIELDS).map(([name, f]) =>
    e({ host: "h", service: QUALIFIER_FIELDS[f.metricset] ? `${name} q1` : name, time: T, metric: 0.5, state: "ok", ttl: 30, tags: ["t"], attributes: { "a.b": "c" } }),
  );
  return {
    metrics,
    events: [e({ host: "h", service: "heartbeat", time: T, state: "ok", metric: 1, ttl: 30, description: "d", tags: ["x"], attributes: { k: "v", "2024-01-01": "1", n: "12" } }), e({ host: "*", service: "agg", time: T })],
    tasks: ["started", "finished", "failed", "lost"].map((w) => e({ host: "h", service: `task ${w}`, time: T, metric: 3, state: "ok", description: "r", attributes: { task_id: "t1" } })),
    alerts: [alertDocument({ time: T, id: "1", rule: "r", key: "r:h", state: "triggered", severity: "critical", host: "h", service: "s", summary: "x" })],
    hosts: [hostStateDocument({ time: T, host: "h", schedulable: false, flag: "drained", reason: "why", actor: "rule:r", ttl: 60 })],
  };
}

describe("satelliteTemplates", () => {
  const set = satelliteTemplates();

  it("has one data-stream index template per stream, above the stock and Fleet priorities, composed of existing components", () => {
    assert.deepEqual(set.indexTemplates.map((t) => t.body.index_patterns), [["metrics-satellite.host-*"], ["logs-satellite.events-*"], ["logs-satellite.alerts-*"], ["logs-satellite.hosts-*"], ["logs-satellite.tasks-*"]]);
    const components = new Set(set.componentTemplates.map((c) => c.name));
    for (const t of set.indexTemplates) {
      assert.ok(t.body.priority > 200 && t.body.priority === TEMPLATE_PRIORITY, t.name);
      assert.deepEqual(t.body.data_stream, {});
      assert.ok(!t.name.includes("@"), "no @ in our template names (reserved for Elastic's)");
      for (const c of t.body.composed_of) assert.ok(components.has(c), `${t.name} uses ${c}`);
      assert.deepEqual(t.body.template.lifecycle, { data_retention: DEFAULT_RETENTION[t.stream] });
    }
  });

  it("pins data_stream.type and dataset per stream and maps @timestamp as a date", () => {
    for (const stream of STREAMS) {
      const fields = leafFields(streamMappings(stream, set));
      assert.equal(fields.get("@timestamp"), "date");
      const ds = streamMappings(stream, set).properties?.data_stream?.properties;
      assert.equal(ds?.type?.value, DATA_STREAMS[stream].type);
      assert.equal(ds?.dataset?.value, DATA_STREAMS[stream].dataset);
      assert.equal(ds?.namespace?.type, "constant_keyword");
    }
  });

  it("allows no dynamic surprises: unknown fields are not indexed, system.* and satellite.* are strict, labels are keywords", () => {
    const m = streamMappings("metrics", set);
    assert.equal(m.dynamic, false);
    assert.equal(m.date_detection, false);
    assert.equal(m.properties?.system?.dynamic, "strict");
    assert.equal(m.properties?.satellite?.dynamic, "strict");
    assert.equal(m.properties?.labels?.dynamic, true);
    assert.deepEqual(m.dynamic_templates, [{ labels_as_keyword: { path_match: "labels.*", match_mapping_type: "string", mapping: { type: "keyword", ignore_above: 1024 } } }]);
  });

  it("maps every known Metricbeat field with its type, and each metricset's qualifier as keyword", () => {
    const fields = leafFields(streamMappings("metrics", set));
    for (const [name, f] of Object.entries(METRIC_FIELDS)) assert.equal(fields.get(name), f.type, name);
    for (const q of Object.values(QUALIFIER_FIELDS)) assert.equal(fields.get(q), "keyword", q);
    assert.equal(streamMappings("metrics", set).properties?.system?.properties?.memory?.properties?.swap?.properties?.used?.properties?.pct?.scaling_factor, 1000);
  });

  it("takes a retention per stream, null for none, and refuses a malformed one naming the stream", () => {
    const custom = satelliteTemplates({ retention: { metrics: "7d", alerts: null } });
    assert.deepEqual(custom.indexTemplates.find((t) => t.stream === "metrics")?.body.template.lifecycle, { data_retention: "7d" });
    assert.equal(custom.indexTemplates.find((t) => t.stream === "alerts")?.body.template.lifecycle, undefined);
    assert.throws(() => satelliteTemplates({ retention: { tasks: "a week" } }), /retention\.tasks must be a duration/);
  });
});

describe("documents against the templates", () => {
  it("every document shape the mappers make is indexable with its stream's mappings", () => {
    const samples = sampleDocuments();
    for (const stream of STREAMS) {
      const mappings = streamMappings(stream);
      assert.ok(samples[stream].length > 0);
      for (const doc of samples[stream]) {
        assert.equal(doc.data_stream.dataset, DATA_STREAMS[stream].dataset, `${stream}: routed to its own stream`);
        assert.equal(checkDocument(mappings, doc), undefined, `${stream}: ${JSON.stringify(doc)}`);
      }
    }
  });

  it("the mapping model rejects what Elasticsearch would: unknown strict fields, wrong types, another stream's constant", () => {
    const metrics = streamMappings("metrics");
    const doc = eventDocument(makeEvent({ host: "h", service: "system.memory.used.pct", time: T, metric: 0.2 }));
    assert.equal(checkDocument(metrics, { ...doc, system: { memory: { frobs: 1 } } })?.type, "strict_dynamic_mapping_exception");
    assert.equal(checkDocument(metrics, { ...doc, system: { memory: { used: { pct: "lots" } } } })?.type, "document_parsing_exception");
    assert.equal(checkDocument(metrics, { ...doc, data_stream: { ...doc.data_stream, dataset: "satellite.events" } })?.type, "document_parsing_exception");
    assert.equal(checkDocument(metrics, { ...doc, labels: { a: { b: 1 } } }), undefined, "labels is dynamic: nested objects are mapped dynamically");
    assert.equal(checkDocument(metrics, { ...doc, whatever: { x: 1 } }), undefined, "unknown top-level fields are ignored, not rejected");
  });
});
