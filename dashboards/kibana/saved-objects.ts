/**
 * Kibana saved objects as TypeScript values: the object shape of Kibana's
 * import/export NDJSON, builders for the three types Satellite ships (data
 * views, Lens visualizations, dashboards whose panels refer to the Lens
 * objects by reference), and the NDJSON serializer. The objects carry the
 * migration versions of the format they are written in (Kibana 8.8+ core,
 * Lens 8.9, dashboard 8.7, data view 8.0), so Kibana 8.9 and later (9.x
 * included) migrate them forward on import. IDs are fixed strings, so a
 * re-import with `overwrite=true` replaces instead of duplicating.
 */
import type { DataStreamKey } from "../es/documents.ts";
import { leafFields } from "../es/mappings.ts";
import { streamMappings, streamPattern } from "../es/templates.ts";

/** A reference from one saved object to another. */
export interface SavedObjectReference {
  readonly type: string;
  readonly id: string;
  readonly name: string;
}

/** One line of a saved objects NDJSON file. */
export interface SavedObject {
  readonly type: string;
  readonly id: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly references: readonly SavedObjectReference[];
  readonly coreMigrationVersion: string;
  readonly typeMigrationVersion: string;
}

/**
 * The migration versions stamped on each type (the format the builders write).
 *
 * @example
 * lens(spec).typeMigrationVersion; // MIGRATION_VERSIONS.lens
 */
export const MIGRATION_VERSIONS = Object.freeze({ core: "8.8.0", "index-pattern": "8.0.0", lens: "8.9.0", dashboard: "8.7.0" });

/**
 * The id of the data view of a data stream.
 *
 * @example
 * dataViewId("alerts"); // "satellite-alerts"
 */
export function dataViewId(stream: DataStreamKey): string {
  return `satellite-${stream}`;
}

/**
 * The data view (`index-pattern`) over one data stream in every namespace.
 *
 * @example
 * dataView("metrics", "Satellite host metrics").attributes.title; // "metrics-satellite.host-*"
 */
export function dataView(stream: DataStreamKey, name: string): SavedObject {
  return {
    type: "index-pattern",
    id: dataViewId(stream),
    attributes: { title: streamPattern(stream), name, timeFieldName: "@timestamp", allowNoIndex: true, fields: "[]", fieldFormatMap: "{}", runtimeFieldMap: "{}", sourceFilters: "[]", typeMeta: "{}" },
    references: [],
    coreMigrationVersion: MIGRATION_VERSIONS.core,
    typeMigrationVersion: MIGRATION_VERSIONS["index-pattern"],
  };
}

/** A bucket column: a date histogram on `@timestamp`, or the top values of a field. */
export type BucketSpec = { readonly op: "date_histogram" } | { readonly op: "terms"; readonly field: string; readonly size: number; readonly label: string };

/** A metric column. `count` counts documents; `last_value` takes the newest value by `@timestamp`. */
export interface MetricSpec {
  readonly op: "count" | "average" | "max" | "min" | "sum" | "median" | "unique_count" | "last_value";
  readonly field?: string;
  readonly label: string;
  /** Display format; default Kibana's for the field. */
  readonly format?: "percent" | "bytes" | "number";
}

/** What a Lens visualization shows. */
export interface LensSpec {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly stream: DataStreamKey;
  /** KQL applied to the whole visualization. */
  readonly query?: string;
  readonly chart:
    | { readonly kind: "xy"; readonly series: "line" | "area" | "bar_stacked" | "bar_horizontal"; readonly x: BucketSpec; readonly split?: BucketSpec; readonly metrics: readonly MetricSpec[] }
    | { readonly kind: "metric"; readonly metric: MetricSpec }
    | { readonly kind: "table"; readonly rows: readonly BucketSpec[]; readonly metrics: readonly MetricSpec[] };
}

const LAYER = "layer1";

/** Lens' data type for an Elasticsearch field type. */
function dataTypeOf(esType: string): string {
  switch (esType) {
    case "keyword":
    case "constant_keyword":
      return "string";
    case "boolean":
      return "boolean";
    case "date":
      return "date";
    default:
      return "number";
  }
}

function fieldType(stream: DataStreamKey, field: string): string {
  const type = leafFields(streamMappings(stream)).get(field);
  if (type === undefined) throw new Error(`Lens: field ${field} is not in the ${stream} templates' mappings`);
  return type;
}

function formatParams(format: MetricSpec["format"]): Record<string, unknown> {
  return format === undefined ? {} : { format: { id: format, params: { decimals: format === "percent" ? 1 : 0 } } };
}

function bucketColumn(stream: DataStreamKey, spec: BucketSpec, orderBy: string | undefined): Record<string, unknown> {
  if (spec.op === "date_histogram") {
    return { label: "@timestamp", dataType: "date", operationType: "date_histogram", sourceField: "@timestamp", isBucketed: true, scale: "interval", params: { interval: "auto", includeEmptyRows: true, dropPartials: false } };
  }
  return {
    label: spec.label,
    customLabel: true,
    dataType: dataTypeOf(fieldType(stream, spec.field)),
    operationType: "terms",
    sourceField: spec.field,
    isBucketed: true,
    scale: "ordinal",
    params: {
      size: spec.size,
      orderBy: orderBy === undefined ? { type: "alphabetical", fallback: true } : { type: "column", columnId: orderBy },
      orderDirection: orderBy === undefined ? "asc" : "desc",
      otherBucket: false,
      missingBucket: false,
      parentFormat: { id: "terms" },
    },
  };
}

function metricColumn(stream: DataStreamKey, spec: MetricSpec): Record<string, unknown> {
  if (spec.op === "count") {
    return { label: spec.label, customLabel: true, dataType: "number", operationType: "count", sourceField: "___records___", isBucketed: false, scale: "ratio", params: { emptyAsNull: true, ...formatParams(spec.format) } };
  }
  if (spec.field === undefined) throw new Error(`Lens: ${spec.op} "${spec.label}" needs a field`);
  const type = fieldType(stream, spec.field);
  if (spec.op === "last_value") {
    const dataType = dataTypeOf(type);
    return {
      label: spec.label,
      customLabel: true,
      dataType,
      operationType: "last_value",
      sourceField: spec.field,
      isBucketed: false,
      scale: dataType === "number" ? "ratio" : "ordinal",
      filter: { query: `"${spec.field}": *`, language: "kuery" },
      params: { sortField: "@timestamp", showArrayValues: false, ...formatParams(spec.format) },
    };
  }
  if (spec.op !== "unique_count" && dataTypeOf(type) !== "number") throw new Error(`Lens: ${spec.op} of ${spec.field} needs a number field, it is ${type}`);
  return { label: spec.label, customLabel: true, dataType: "number", operationType: spec.op, sourceField: spec.field, isBucketed: false, scale: "ratio", params: { emptyAsNull: spec.op !== "unique_count", ...formatParams(spec.format) } };
}

/**
 * A by-reference Lens visualization over one data stream's data view.
 * Throws when a field is not in that stream's template mappings, or is the
 * wrong kind for the operation.
 *
 * @example
 * lens({ id: "cpu", title: "CPU", stream: "metrics",
 *        chart: { kind: "xy", series: "line", x: { op: "date_histogram" }, metrics: [{ op: "average", field: "system.cpu.total.norm.pct", label: "CPU", format: "percent" }] } });
 */
export function lens(spec: LensSpec): SavedObject {
  const columns: Record<string, Record<string, unknown>> = {};
  const order: string[] = [];
  let n = 0;
  const add = (column: Record<string, unknown>): string => {
    const id = `col${++n}`;
    columns[id] = column;
    order.push(id);
    return id;
  };
  let visualizationType: string;
  let visualization: Record<string, unknown>;
  const chart = spec.chart;
  if (chart.kind === "xy") {
    // Columns are numbered in the order added: x, split (if any), metrics; buckets sort by the first metric.
    if ((chart.split !== undefined || chart.x.op === "terms") && chart.metrics[0]?.op === "last_value") {
      throw new Error(`Lens ${spec.id}: terms are ordered by the first metric, which cannot be a last_value`);
    }
    const firstMetric = `col${chart.split === undefined ? 2 : 3}`;
    const x = add(bucketColumn(spec.stream, chart.x, chart.x.op === "terms" ? firstMetric : undefined));
    const split = chart.split === undefined ? undefined : add(bucketColumn(spec.stream, chart.split, firstMetric));
    const accessors = chart.metrics.map((m) => add(metricColumn(spec.stream, m)));
    visualizationType = "lnsXY";
    visualization = {
      legend: { isVisible: true, position: "right" },
      valueLabels: "hide",
      fittingFunction: "None",
      preferredSeriesType: chart.series,
      layers: [{ layerId: LAYER, layerType: "data", seriesType: chart.series, xAccessor: x, accessors, ...(split === undefined ? {} : { splitAccessor: split }) }],
    };
  } else if (chart.kind === "metric") {
    const metric = add(metricColumn(spec.stream, chart.metric));
    visualizationType = "lnsMetric";
    visualization = { layerId: LAYER, layerType: "data", metricAccessor: metric };
  } else {
    // Table rows sort alphabetically: ordering by a metric column would break on last_value (a top-hits aggregation).
    const rows = chart.rows.map((r) => add(bucketColumn(spec.stream, r, undefined)));
    const metrics = chart.metrics.map((m) => add(metricColumn(spec.stream, m)));
    visualizationType = "lnsDatatable";
    visualization = { layerId: LAYER, layerType: "data", columns: [...rows, ...metrics].map((columnId) => ({ columnId })) };
  }
  return {
    type: "lens",
    id: spec.id,
    attributes: {
      title: spec.title,
      description: spec.description ?? "",
      visualizationType,
      state: {
        datasourceStates: { formBased: { layers: { [LAYER]: { columns, columnOrder: order, incompleteColumns: {} } } } },
        visualization,
        query: { query: spec.query ?? "", language: "kuery" },
        filters: [],
        internalReferences: [],
        adHocDataViews: {},
      },
    },
    references: [{ type: "index-pattern", id: dataViewId(spec.stream), name: `indexpattern-datasource-layer-${LAYER}` }],
    coreMigrationVersion: MIGRATION_VERSIONS.core,
    typeMigrationVersion: MIGRATION_VERSIONS.lens,
  };
}

/** A panel: a Lens object and its size on the dashboard's 48-column grid. */
export interface PanelSpec {
  readonly lens: SavedObject;
  readonly w: number;
  readonly h: number;
}

/** What a dashboard shows. Panels flow left to right, wrapping at 48 columns. */
export interface DashboardSpec {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** KQL in the dashboard's query bar. */
  readonly query?: string;
  /** Default time range, e.g. "now-24h". */
  readonly from: string;
  readonly panels: readonly PanelSpec[];
}

/**
 * A dashboard whose panels refer to their Lens objects by reference
 * (`panelRefName` → `references[]` named `<panelIndex>:panel_<panelIndex>`).
 *
 * @example
 * dashboard({ id: "d", title: "D", description: "", from: "now-24h", panels: [{ lens: cpu, w: 24, h: 12 }] });
 */
export function dashboard(spec: DashboardSpec): SavedObject {
  const panels: Record<string, unknown>[] = [];
  const references: SavedObjectReference[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  spec.panels.forEach((p, i) => {
    if (p.w > 48) throw new Error(`dashboard ${spec.id}: panel ${p.lens.id} is wider than 48 columns`);
    if (x + p.w > 48) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const panelIndex = `p${i + 1}`;
    panels.push({ version: MIGRATION_VERSIONS.core, type: p.lens.type, gridData: { x, y, w: p.w, h: p.h, i: panelIndex }, panelIndex, embeddableConfig: { enhancements: {} }, panelRefName: `panel_${panelIndex}` });
    references.push({ name: `${panelIndex}:panel_${panelIndex}`, type: p.lens.type, id: p.lens.id });
    x += p.w;
    rowHeight = Math.max(rowHeight, p.h);
  });
  return {
    type: "dashboard",
    id: spec.id,
    attributes: {
      title: spec.title,
      description: spec.description,
      version: 1,
      timeRestore: true,
      timeFrom: spec.from,
      timeTo: "now",
      refreshInterval: { pause: false, value: 60_000 },
      panelsJSON: JSON.stringify(panels),
      optionsJSON: JSON.stringify({ useMargins: true, syncColors: false, syncCursor: true, syncTooltips: false, hidePanelTitles: false }),
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: spec.query ?? "", language: "kuery" }, filter: [] }) },
    },
    references,
    coreMigrationVersion: MIGRATION_VERSIONS.core,
    typeMigrationVersion: MIGRATION_VERSIONS.dashboard,
  };
}

/**
 * The NDJSON Kibana's import API takes: one object per line, keys in a
 * fixed order, a final newline.
 *
 * @example
 * toNdjson([dataView("metrics", "Satellite host metrics")]); // '{"type":"index-pattern","id":...}\n'
 */
export function toNdjson(objects: readonly SavedObject[]): string {
  return objects
    .map((o) => JSON.stringify({ type: o.type, id: o.id, attributes: o.attributes, references: o.references, coreMigrationVersion: o.coreMigrationVersion, typeMigrationVersion: o.typeMigrationVersion }))
    .join("\n")
    .concat("\n");
}
