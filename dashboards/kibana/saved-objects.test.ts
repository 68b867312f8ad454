/**
 * Tests of the Kibana saved objects Satellite ships: the structure of every
 * object (as Kibana's import and Lens read it), that every reference
 * resolves to an object in the file, that every field a visualization or a
 * query uses is in the mappings of the data stream its data view covers,
 * and that the committed NDJSON is what the generator produces.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { DATA_STREAMS, type DataStreamKey } from "../es/documents.ts";
import { leafFields } from "../es/mappings.ts";
import { streamMappings, streamPattern } from "../es/templates.ts";
import { DASHBOARD_IDS, satelliteSavedObjects } from "./dashboards.ts";
import { MIGRATION_VERSIONS, lens, toNdjson, type SavedObject } from "./saved-objects.ts";

const objects = satelliteSavedObjects();
const byKey = new Map(objects.map((o) => [`${o.type}:${o.id}`, o]));
const STREAMS = Object.keys(DATA_STREAMS) as DataStreamKey[];
const streamOfPattern = new Map(STREAMS.map((s) => [streamPattern(s), s]));
const AGGREGATABLE = new Set(["keyword", "constant_keyword", "long", "float", "double", "scaled_float", "date", "boolean"]);

interface Column {
  operationType: string;
  sourceField?: string;
  dataType: string;
  isBucketed: boolean;
  label: string;
  params?: { orderBy?: { type: string; columnId?: string }; sortField?: string };
  filter?: { query: string; language: string };
}

interface LensState {
  datasourceStates: { formBased: { layers: Record<string, { columns: Record<string, Column>; columnOrder: string[] }> } };
  visualization: Record<string, unknown>;
  query: { query: string; language: string };
  filters: unknown[];
}

function lensState(o: SavedObject): LensState {
  return o.attributes.state as LensState;
}

/** The stream whose data view layer `layerId` of `o` reads. */
function layerStream(o: SavedObject, layerId: string): DataStreamKey {
  const ref = o.references.find((r) => r.name === `indexpattern-datasource-layer-${layerId}`);
  assert.ok(ref, `${o.id}: layer ${layerId} has a data view reference`);
  const view = byKey.get(`index-pattern:${ref.id}`);
  assert.ok(view, `${o.id}: data view ${ref.id} is in the file`);
  const stream = streamOfPattern.get(view.attributes.title as string);
  assert.ok(stream, `${view.id} covers one of Satellite's data streams`);
  return stream;
}

/** Field names a KQL query compares (`field : value`, `field >= n`). */
function kqlFields(query: string): string[] {
  return [...query.matchAll(/(?:^|\s|\()"?([A-Za-z_@][\w.@]*)"?\s*(?::|>=|<=|>|<)/g)].map((m) => m[1]!);
}

describe("Kibana saved objects", () => {
  it("are data views, Lens visualizations and the four dashboards, with unique stable ids and the migration versions of their format", () => {
    assert.equal(byKey.size, objects.length, "no duplicate type:id");
    assert.deepEqual(objects.filter((o) => o.type === "dashboard").map((o) => o.id), DASHBOARD_IDS);
    assert.deepEqual(
      objects.filter((o) => o.type === "index-pattern").map((o) => o.attributes.title),
      STREAMS.map((s) => streamPattern(s)),
      "one data view per data stream",
    );
    for (const o of objects) {
      assert.ok(["index-pattern", "lens", "dashboard"].includes(o.type), o.type);
      assert.match(o.id, /^satellite-[a-z0-9-]+$/, o.id);
      assert.equal(o.coreMigrationVersion, MIGRATION_VERSIONS.core);
      assert.equal(o.typeMigrationVersion, MIGRATION_VERSIONS[o.type as keyof typeof MIGRATION_VERSIONS]);
      assert.equal(typeof o.attributes.title, "string");
      assert.ok((o.attributes.title as string).length > 0);
      for (const r of o.references) assert.deepEqual(Object.keys(r).sort(), ["id", "name", "type"], `${o.id} reference keys`);
      assert.equal(new Set(o.references.map((r) => r.name)).size, o.references.length, `${o.id}: reference names are unique`);
    }
  });

  it("every reference resolves to an object in the file, which comes before the object that refers to it", () => {
    const position = new Map(objects.map((o, i) => [`${o.type}:${o.id}`, i]));
    for (const [i, o] of objects.entries()) {
      for (const r of o.references) {
        const at = position.get(`${r.type}:${r.id}`);
        assert.ok(at !== undefined, `${o.type} ${o.id} refers to missing ${r.type} ${r.id}`);
        assert.ok(at < i, `${o.id} comes after ${r.id}`);
      }
    }
  });

  it("data views name the time field and a readable name", () => {
    for (const o of objects.filter((x) => x.type === "index-pattern")) {
      assert.equal(o.attributes.timeFieldName, "@timestamp");
      assert.match(o.attributes.name as string, /^Satellite /);
      assert.deepEqual(o.references, []);
    }
  });

  it("Lens objects are well formed: columns in order, accessors that exist, bucket columns ordered by a metric of the layer", () => {
    for (const o of objects.filter((x) => x.type === "lens")) {
      const state = lensState(o);
      assert.deepEqual(state.query.language, "kuery");
      const layers = Object.entries(state.datasourceStates.formBased.layers);
      assert.equal(layers.length, 1, o.id);
      const [layerId, layer] = layers[0]!;
      assert.deepEqual(Object.keys(layer.columns).sort(), [...layer.columnOrder].sort(), `${o.id}: columnOrder lists every column`);
      const has = (id: unknown): boolean => typeof id === "string" && id in layer.columns;
      for (const c of Object.values(layer.columns)) {
        assert.equal(c.isBucketed, c.operationType === "date_histogram" || c.operationType === "terms", `${o.id} ${c.label}`);
        if (c.params?.orderBy?.type === "column") assert.ok(has(c.params.orderBy.columnId), `${o.id}: ${c.label} orders by an existing column`);
      }
      const vis = state.visualization;
      switch (o.attributes.visualizationType) {
        case "lnsXY": {
          const [l] = vis.layers as { layerId: string; xAccessor: string; accessors: string[]; splitAccessor?: string }[];
          assert.equal(l!.layerId, layerId);
          assert.ok(has(l!.xAccessor) && layer.columns[l!.xAccessor]!.isBucketed, `${o.id} x`);
          assert.ok(l!.accessors.length > 0 && l!.accessors.every((a) => has(a) && !layer.columns[a]!.isBucketed), `${o.id} accessors`);
          if (l!.splitAccessor !== undefined) assert.ok(has(l!.splitAccessor) && layer.columns[l!.splitAccessor]!.isBucketed, `${o.id} split`);
          break;
        }
        case "lnsMetric":
          assert.equal(vis.layerId, layerId);
          assert.ok(has(vis.metricAccessor), `${o.id} metric`);
          break;
        case "lnsDatatable":
          assert.equal(vis.layerId, layerId);
          assert.deepEqual((vis.columns as { columnId: string }[]).map((c) => c.columnId), layer.columnOrder, `${o.id} table columns`);
          break;
        default:
          assert.fail(`${o.id}: unexpected visualizationType ${String(o.attributes.visualizationType)}`);
      }
    }
  });

  it("every field a visualization or a query uses is mapped, aggregatable, and of the type Lens is told, in its data view's stream", () => {
    let checked = 0;
    for (const o of objects.filter((x) => x.type === "lens")) {
      const state = lensState(o);
      for (const [layerId, layer] of Object.entries(state.datasourceStates.formBased.layers)) {
        const stream = layerStream(o, layerId);
        const fields = leafFields(streamMappings(stream));
        const check = (field: string, where: string): void => {
          const type = fields.get(field);
          assert.ok(type !== undefined, `${o.id}: ${where} ${field} is not mapped in ${stream}`);
          assert.ok(AGGREGATABLE.has(type), `${o.id}: ${where} ${field} is ${type}, not aggregatable`);
          checked++;
        };
        for (const c of Object.values(layer.columns)) {
          if (c.sourceField !== undefined && c.sourceField !== "___records___") {
            check(c.sourceField, c.operationType);
            const esType = fields.get(c.sourceField)!;
            const expected = esType === "keyword" || esType === "constant_keyword" ? "string" : esType === "date" ? "date" : esType === "boolean" ? "boolean" : "number";
            if (c.operationType !== "unique_count" && c.operationType !== "count") assert.equal(c.dataType, expected, `${o.id}: ${c.sourceField} dataType`);
          }
          if (c.params?.sortField !== undefined) check(c.params.sortField, "sort field");
          if (c.filter !== undefined) for (const f of kqlFields(c.filter.query)) check(f, "column filter");
        }
        for (const f of kqlFields(state.query.query)) check(f, "query");
      }
    }
    assert.ok(checked > 60, `${checked} field uses checked`);
  });

  it("the field check can fail: a visualization of an unmapped field is refused when generated", () => {
    assert.throws(
      () => lens({ id: "satellite-x", title: "x", stream: "metrics", chart: { kind: "metric", metric: { op: "average", field: "system.cpu.bogus.pct", label: "x" } } }),
      /field system\.cpu\.bogus\.pct is not in the metrics templates' mappings/,
    );
    assert.deepEqual(kqlFields('event.outcome : "failure" and (host.name: a or x >= 3)'), ["event.outcome", "host.name", "x"]);
  });

  it("dashboards: panels on the 48-column grid without overlap, each bound to its Lens object through panelRefName", () => {
    for (const d of objects.filter((x) => x.type === "dashboard")) {
      const panels = JSON.parse(d.attributes.panelsJSON as string) as { type: string; panelIndex: string; panelRefName: string; gridData: { x: number; y: number; w: number; h: number; i: string } }[];
      assert.ok(panels.length >= 4, d.id);
      assert.equal(new Set(panels.map((p) => p.panelIndex)).size, panels.length);
      for (const p of panels) {
        const g = p.gridData;
        assert.equal(g.i, p.panelIndex);
        assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 48 && g.y >= 0 && g.h > 0, `${d.id} ${p.panelIndex} fits the grid`);
        const ref = d.references.find((r) => r.name === `${p.panelIndex}:${p.panelRefName}`);
        assert.ok(ref, `${d.id}: panel ${p.panelIndex} has its reference`);
        assert.equal(ref.type, p.type);
        for (const q of panels) {
          if (q === p) continue;
          const h = q.gridData;
          const overlap = g.x < h.x + h.w && h.x < g.x + g.w && g.y < h.y + h.h && h.y < g.y + g.h;
          assert.ok(!overlap, `${d.id}: panels ${p.panelIndex} and ${q.panelIndex} overlap`);
        }
      }
      assert.equal(d.references.length, panels.length, "no unused references");
      const options = JSON.parse(d.attributes.optionsJSON as string) as Record<string, unknown>;
      assert.equal(options.useMargins, true);
      const source = JSON.parse((d.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON) as { query: { language: string }; filter: unknown[] };
      assert.equal(source.query.language, "kuery");
      assert.deepEqual(source.filter, []);
      assert.equal(d.attributes.timeRestore, true);
    }
  });

  it("the committed dashboards/kibana/satellite.ndjson is what the generator writes", () => {
    const committed = readFileSync(new URL("./satellite.ndjson", import.meta.url), "utf8");
    const generated = toNdjson(objects);
    assert.equal(committed, generated, "regenerate: npx satellite dashboards export /tmp/d && cp /tmp/d/kibana/satellite.ndjson dashboards/kibana/");
    const lines = generated.trimEnd().split("\n");
    assert.equal(lines.length, objects.length);
    for (const line of lines) assert.deepEqual(Object.keys(JSON.parse(line) as object), ["type", "id", "attributes", "references", "coreMigrationVersion", "typeMigrationVersion"]);
  });
});
