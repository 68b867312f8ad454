/**
 * The Elasticsearch side of Satellite's dashboards: component templates
 * (shared settings, the ECS fields every document has, and one per data
 * stream kind) and composable index templates that make
 * `metrics-satellite.host-*` and `logs-satellite.{events,alerts,hosts,tasks}-*`
 * data streams with explicit mappings. Unknown fields are not indexed
 * (`dynamic: false` at the root, `strict` under `system` and `satellite`),
 * except `labels.*`, which a dynamic template maps to keyword. The index
 * templates' priority beats Elasticsearch's stock `logs-*-*`/`metrics-*-*`
 * templates (100) and Fleet's (up to 200). `installTemplates` PUTs them all.
 */
import type { Client } from "@elastic/elasticsearch";
import type { estypes } from "@elastic/elasticsearch";
import { DATA_STREAMS, type DataStreamKey } from "./documents.ts";
import { mergeMappings, type FieldMapping, type Mappings } from "./mappings.ts";
import { METRIC_FIELDS, QUALIFIER_FIELDS } from "./metricbeat.ts";

/**
 * Priority of Satellite's index templates: above stock (100), Fleet (≤ 200) and Elastic's advice for custom templates (> 500).
 *
 * @example
 * satelliteTemplates().indexTemplates[0]!.body.priority === TEMPLATE_PRIORITY; // true
 */
export const TEMPLATE_PRIORITY = 550;

/**
 * Version stamped on every template (`version`); raise it when a template changes.
 *
 * @example
 * satelliteTemplates().indexTemplates[0]!.body.version; // TEMPLATE_VERSION
 */
export const TEMPLATE_VERSION = 1;

/**
 * `_meta` on every template, so an operator can tell who installed it.
 *
 * @example
 * TEMPLATE_META.managed_by; // "satellite"
 */
export const TEMPLATE_META = Object.freeze({ managed_by: "satellite", description: "Installed by `satellite dashboards install`; edits are overwritten on the next install." });

/** A component template: its name and the body of `PUT _component_template/<name>`. */
export interface ComponentTemplate {
  readonly name: string;
  readonly body: {
    readonly template: { readonly settings?: Readonly<Record<string, unknown>>; readonly mappings?: Mappings };
    readonly version: number;
    readonly _meta: Readonly<Record<string, unknown>>;
  };
}

/** An index template: its name and the body of `PUT _index_template/<name>`. */
export interface IndexTemplate {
  readonly name: string;
  /** The data stream it makes. */
  readonly stream: DataStreamKey;
  readonly body: {
    readonly index_patterns: readonly string[];
    readonly composed_of: readonly string[];
    readonly priority: number;
    readonly data_stream: Readonly<Record<string, never>>;
    readonly template: { readonly mappings?: Mappings; readonly lifecycle?: { readonly data_retention: string } };
    readonly version: number;
    readonly _meta: Readonly<Record<string, unknown>>;
  };
}

/** Everything `installTemplates` installs, in install order (component templates first). */
export interface TemplateSet {
  readonly componentTemplates: readonly ComponentTemplate[];
  readonly indexTemplates: readonly IndexTemplate[];
}

/** Options of `satelliteTemplates`. */
export interface TemplateOptions {
  /**
   * Data stream lifecycle retention per stream ("30d", "12h", ...); null keeps
   * data forever. Defaults: `DEFAULT_RETENTION`.
   */
  readonly retention?: Partial<Record<DataStreamKey, string | null>>;
}

/**
 * How long each data stream keeps documents unless configured otherwise.
 *
 * @example
 * DEFAULT_RETENTION.alerts; // "365d"
 */
export const DEFAULT_RETENTION: Readonly<Record<DataStreamKey, string>> = Object.freeze({
  metrics: "30d",
  events: "30d",
  tasks: "90d",
  alerts: "365d",
  hosts: "365d",
});

const keyword: FieldMapping = { type: "keyword", ignore_above: 1024 };
const constantKeyword: FieldMapping = { type: "constant_keyword" };

function objectOf(fields: Readonly<Record<string, FieldMapping>>, dynamic?: boolean | "strict"): FieldMapping {
  return dynamic === undefined ? { properties: fields } : { dynamic, properties: fields };
}

/** Builds nested `properties` from dotted field names. */
function nest(fields: Readonly<Record<string, FieldMapping>>): Record<string, FieldMapping> {
  const root: Record<string, FieldMapping> = {};
  for (const [path, mapping] of Object.entries(fields)) {
    const parts = path.split(".");
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i]!;
      const existing = node[key] ?? { properties: {} };
      const props = { ...(existing.properties ?? {}) };
      node[key] = { ...existing, properties: props };
      node = props;
    }
    node[parts[parts.length - 1]!] = mapping;
  }
  return root;
}

/** Mappings every Satellite document shares. */
function baseMappings(): Mappings {
  return {
    dynamic: false,
    date_detection: false,
    numeric_detection: false,
    dynamic_templates: [{ labels_as_keyword: { path_match: "labels.*", match_mapping_type: "string", mapping: keyword } }],
    properties: {
      "@timestamp": { type: "date" },
      data_stream: objectOf({ type: constantKeyword, dataset: constantKeyword, namespace: constantKeyword }),
      ecs: objectOf({ version: keyword }),
      event: objectOf({ kind: keyword, dataset: keyword, module: keyword, category: keyword, type: keyword, action: keyword, outcome: keyword, duration: { type: "long" } }),
      host: objectOf({ name: keyword }),
      service: objectOf({ name: keyword, type: keyword }),
      message: { type: "match_only_text" },
      tags: keyword,
      labels: { type: "object", dynamic: true },
      satellite: objectOf({ state: keyword, ttl: { type: "float" }, metric: { type: "double" } }, "strict"),
    },
  };
}

function metricMapping(type: string): FieldMapping {
  return type === "scaled_float" ? { type: "scaled_float", scaling_factor: 1000 } : { type };
}

/** Mappings of the host metrics stream: every field of `METRIC_FIELDS`, with `system` strict. */
function metricsMappings(): Mappings {
  const flat: Record<string, FieldMapping> = { "metricset.name": keyword, "metricset.period": { type: "long" } };
  for (const [name, field] of Object.entries(METRIC_FIELDS)) flat[name] = metricMapping(field.type);
  for (const qualifier of Object.values(QUALIFIER_FIELDS)) flat[qualifier] = keyword;
  const properties = nest(flat);
  return { properties: { ...properties, system: { ...properties.system!, dynamic: "strict" } } };
}

function alertsMappings(): Mappings {
  return {
    properties: {
      rule: objectOf({ name: keyword }),
      log: objectOf({ level: keyword }),
      satellite: objectOf({ alert: objectOf({ id: keyword, key: keyword, state: keyword, severity: keyword }) }),
    },
  };
}

function hostsMappings(): Mappings {
  return { properties: { satellite: objectOf({ host: objectOf({ flag: keyword, schedulable: { type: "boolean" }, actor: keyword, ttl: { type: "float" } }) }) } };
}

function tasksMappings(): Mappings {
  return { properties: { process: objectOf({ exit_code: { type: "long" } }), satellite: objectOf({ task: objectOf({ id: keyword }) }) } };
}

const COMPONENT_MAPPINGS: Readonly<Record<DataStreamKey, () => Mappings>> = {
  metrics: metricsMappings,
  events: () => ({}),
  alerts: alertsMappings,
  hosts: hostsMappings,
  tasks: tasksMappings,
};

/**
 * Name of the index template of a data stream.
 *
 * @example
 * indexTemplateName("alerts"); // "satellite-alerts"
 */
export function indexTemplateName(stream: DataStreamKey): string {
  return `satellite-${stream}`;
}

/**
 * The index pattern of a data stream across namespaces.
 *
 * @example
 * streamPattern("alerts"); // "logs-satellite.alerts-*"
 */
export function streamPattern(stream: DataStreamKey): string {
  const kind = DATA_STREAMS[stream];
  return `${kind.type}-${kind.dataset}-*`;
}

const RETENTION = /^[1-9][0-9]*(d|h|m|s|ms|micros|nanos)$/;

/**
 * Satellite's component and index templates.
 *
 * @example
 * const { componentTemplates, indexTemplates } = satelliteTemplates({ retention: { metrics: "7d" } });
 * indexTemplates.map((t) => t.body.index_patterns[0]); // ["metrics-satellite.host-*", "logs-satellite.events-*", ...]
 */
export function satelliteTemplates(options: TemplateOptions = {}): TemplateSet {
  const stamp = { version: TEMPLATE_VERSION, _meta: TEMPLATE_META };
  const componentTemplates: ComponentTemplate[] = [
    { name: "satellite-settings", body: { template: { settings: { index: { mapping: { total_fields: { limit: 2000 } } } } }, ...stamp } },
    { name: "satellite-base-mappings", body: { template: { mappings: baseMappings() }, ...stamp } },
  ];
  const indexTemplates: IndexTemplate[] = [];
  for (const stream of Object.keys(DATA_STREAMS) as DataStreamKey[]) {
    const kind = DATA_STREAMS[stream];
    const own = COMPONENT_MAPPINGS[stream]();
    const composedOf = ["satellite-settings", "satellite-base-mappings"];
    if (own.properties !== undefined) {
      const name = `satellite-${stream}-mappings`;
      componentTemplates.push({ name, body: { template: { mappings: own }, ...stamp } });
      composedOf.push(name);
    }
    const configured = options.retention?.[stream];
    const retention = configured === undefined ? DEFAULT_RETENTION[stream] : configured;
    if (retention !== null && !RETENTION.test(retention)) {
      throw new RangeError(`retention.${stream} must be a duration like "30d" or "12h", or null, got ${JSON.stringify(retention)}`);
    }
    indexTemplates.push({
      name: indexTemplateName(stream),
      stream,
      body: {
        index_patterns: [streamPattern(stream)],
        composed_of: composedOf,
        priority: TEMPLATE_PRIORITY,
        data_stream: {},
        template: {
          mappings: { properties: { data_stream: objectOf({ type: { type: "constant_keyword", value: kind.type }, dataset: { type: "constant_keyword", value: kind.dataset } }) } },
          ...(retention === null ? {} : { lifecycle: { data_retention: retention } }),
        },
        ...stamp,
      },
    });
  }
  return { componentTemplates, indexTemplates };
}

/**
 * The mappings a data stream's backing indices get from `set`: its index
 * template's component templates merged in order, then the index template's
 * own mappings, as Elasticsearch composes them.
 *
 * @example
 * leafFields(streamMappings("metrics")).get("system.memory.swap.used.pct"); // "scaled_float"
 */
export function streamMappings(stream: DataStreamKey, set: TemplateSet = satelliteTemplates()): Mappings {
  const index = set.indexTemplates.find((t) => t.stream === stream);
  if (index === undefined) throw new Error(`no index template for stream ${stream}`);
  const parts = index.body.composed_of.map((name) => set.componentTemplates.find((c) => c.name === name)?.body.template.mappings);
  return mergeMappings(...parts, index.body.template.mappings);
}

/** What `installTemplates` did. */
export interface InstallTemplatesResult {
  readonly componentTemplates: readonly string[];
  readonly indexTemplates: readonly string[];
}

/**
 * PUTs every component template, then every index template (overwriting
 * earlier versions; templates only affect backing indices created after
 * the change: roll a data stream over to apply them now). Rejects with the
 * client's error on the first failure, naming the template.
 *
 * @example
 * await installTemplates(new Client({ node: process.env.ELASTICSEARCH_URL }));
 */
export async function installTemplates(client: Client, options: TemplateOptions = {}): Promise<InstallTemplatesResult> {
  const set = satelliteTemplates(options);
  for (const t of set.componentTemplates) {
    try {
      await client.cluster.putComponentTemplate({ name: t.name, ...t.body } as unknown as estypes.ClusterPutComponentTemplateRequest);
    } catch (err) {
      throw new Error(`component template ${t.name}: ${describeError(err)}`, { cause: err });
    }
  }
  for (const t of set.indexTemplates) {
    try {
      await client.indices.putIndexTemplate({ name: t.name, ...t.body } as unknown as estypes.IndicesPutIndexTemplateRequest);
    } catch (err) {
      throw new Error(`index template ${t.name}: ${describeError(err)}`, { cause: err });
    }
  }
  return { componentTemplates: set.componentTemplates.map((t) => t.name), indexTemplates: set.indexTemplates.map((t) => t.name) };
}

/**
 * A one-line description of an error from the Elasticsearch client: the
 * HTTP status and Elasticsearch's `error.type: reason` when the server
 * answered, the error's message otherwise.
 *
 * @example
 * describeError(err); // "400 illegal_argument_exception: index template [x] has index patterns ..."
 */
export function describeError(err: unknown): string {
  if (typeof err === "object" && err !== null) {
    const e = err as { meta?: { statusCode?: unknown; body?: unknown }; message?: unknown; name?: unknown };
    const status = e.meta?.statusCode;
    const body = e.meta?.body;
    if (typeof status === "number" && status > 0 && typeof body === "object" && body !== null) {
      const error = (body as { error?: unknown }).error;
      if (typeof error === "object" && error !== null) {
        const { type, reason } = error as { type?: unknown; reason?: unknown };
        return `${status} ${String(type)}: ${String(reason)}`;
      }
      if (typeof error === "string") return `${status} ${error}`;
    }
    if (typeof status === "number" && status > 0) return `${status} ${typeof e.message === "string" ? e.message : ""}`.trim();
    if (typeof e.message === "string") return `${typeof e.name === "string" ? e.name + ": " : ""}${e.message}`;
  }
  return String(err);
}
