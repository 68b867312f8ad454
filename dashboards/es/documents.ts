/**
 * What Satellite writes to Elasticsearch: pure functions from its records
 * (events, task events, alert history records, host-state changes) to
 * documents with ECS and Metricbeat field names, each carrying the
 * `data_stream.{type,dataset,namespace}` that names the data stream it goes
 * to. The sink (sink.ts) writes whatever these return; the index templates
 * (templates.ts) map exactly the fields they produce. docs/elasticsearch.md
 * lists every field.
 */
import type { Event } from "../../streams/event.ts";
import { metricService } from "./metricbeat.ts";

/**
 * The ECS version the documents follow (`ecs.version`).
 *
 * @example
 * eventDocument(e).ecs; // { version: ECS_VERSION }
 */
export const ECS_VERSION = "8.11.0";

/** A data stream's `{type}-{dataset}` pair; the namespace is chosen per deployment. */
export interface DataStreamKind {
  readonly type: "logs" | "metrics";
  readonly dataset: string;
}

/**
 * The five data streams, named `{type}-{dataset}-{namespace}`:
 * host metrics (Metricbeat-named fields), other events, alert history,
 * host-state changes, task events.
 *
 * @example
 * `${DATA_STREAMS.alerts.type}-${DATA_STREAMS.alerts.dataset}-default`; // "logs-satellite.alerts-default"
 */
export const DATA_STREAMS: { readonly [K in "metrics" | "events" | "alerts" | "hosts" | "tasks"]: DataStreamKind } = Object.freeze({
  metrics: Object.freeze({ type: "metrics", dataset: "satellite.host" }),
  events: Object.freeze({ type: "logs", dataset: "satellite.events" }),
  alerts: Object.freeze({ type: "logs", dataset: "satellite.alerts" }),
  hosts: Object.freeze({ type: "logs", dataset: "satellite.hosts" }),
  tasks: Object.freeze({ type: "logs", dataset: "satellite.tasks" }),
});

/** The key of one of `DATA_STREAMS`. */
export type DataStreamKey = keyof typeof DATA_STREAMS;

/**
 * The namespace used when none is configured (Elastic's default too).
 *
 * @example
 * eventDocument(e).data_stream.namespace; // DEFAULT_NAMESPACE unless options.namespace is given
 */
export const DEFAULT_NAMESPACE = "default";

/** `data_stream.*` of a document. */
export interface DataStreamFields {
  readonly type: "logs" | "metrics";
  readonly dataset: string;
  readonly namespace: string;
}

/** A document ready for a data stream: `@timestamp`, `data_stream`, and any other ECS fields. */
export interface EsDocument {
  readonly "@timestamp": string;
  readonly data_stream: DataStreamFields;
  readonly [field: string]: unknown;
}

/** Options of the mapping functions. */
export interface DocumentOptions {
  /** `data_stream.namespace`: lower case, no "-", at most 100 characters. Default "default". */
  readonly namespace?: string;
}

/**
 * One alert history record, as the alerting part records a state change of
 * an alert: `state` is the alert's state after the change ("triggered",
 * "acknowledged", "resolved", "silenced", ...), `key` its dedup key, `rule`
 * the rule that pages it, `severity` one of PagerDuty's four.
 */
export interface AlertRecord {
  /** Unix seconds. */
  readonly time: number;
  /** The alert's id in the alerting store. */
  readonly id: string;
  readonly rule: string;
  readonly key: string;
  readonly state: string;
  readonly severity: string;
  readonly host?: string | undefined;
  readonly service?: string | undefined;
  readonly summary: string;
}

/**
 * One change of a host's state in the scheduler's whitelist: `flag` is the
 * host's state after the change ("ok", "drained", "blacklisted", ...),
 * `schedulable` whether tasks may be placed on it now, `actor` who or what
 * changed it ("rule:<name>", "operator:<user>", "scheduler", ...), `reason`
 * why, `ttl` how long a time-limited state lasts, in seconds.
 */
export interface HostStateRecord {
  /** Unix seconds. */
  readonly time: number;
  readonly host: string;
  readonly schedulable: boolean;
  readonly flag: string;
  readonly reason: string;
  readonly actor: string;
  readonly ttl?: number | undefined;
}

const NAMESPACE_FORBIDDEN = /[-\\/*?"<>|,# :A-Z]/;

/**
 * Checks a data stream namespace (Elastic's rules: not empty, at most 100
 * bytes, lower case, none of `- \ / * ? " < > | , # :` or a space) and
 * returns it; throws a RangeError naming the problem otherwise.
 *
 * @example
 * checkNamespace("prod"); // "prod"
 * checkNamespace("eu-west"); // throws: namespace "eu-west" must not contain ...
 */
export function checkNamespace(namespace: string, field = "namespace"): string {
  if (typeof namespace !== "string" || namespace.length === 0 || Buffer.byteLength(namespace) > 100 || NAMESPACE_FORBIDDEN.test(namespace) || namespace.startsWith("_") || namespace.startsWith(".")) {
    throw new RangeError(
      `${field} must be a data stream namespace: 1 to 100 bytes of lower-case characters without - \\ / * ? " < > | , # : or spaces, not starting with _ or ., got ${JSON.stringify(namespace)}`,
    );
  }
  return namespace;
}

/**
 * The data stream a document goes to: `{type}-{dataset}-{namespace}`.
 *
 * @example
 * dataStreamName(eventDocument(e)); // "logs-satellite.events-default"
 */
export function dataStreamName(doc: Pick<EsDocument, "data_stream">): string {
  const ds = doc.data_stream;
  return `${ds.type}-${ds.dataset}-${ds.namespace}`;
}

/**
 * The ISO 8601 `@timestamp` of unix seconds (millisecond precision).
 * Throws a RangeError on a non-finite time (a validated event never has one).
 *
 * @example
 * isoTime(1_700_000_000.5); // "2023-11-14T22:13:20.500Z"
 */
export function isoTime(seconds: number): string {
  if (!Number.isFinite(seconds)) throw new RangeError(`time must be a finite number of unix seconds, got ${seconds}`);
  return new Date(Math.round(seconds * 1000)).toISOString();
}

/** Sets `value` at the dotted `path` of `target`, creating the objects on the way. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i]!;
    const next = node[key];
    if (typeof next === "object" && next !== null && !Array.isArray(next)) {
      node = next as Record<string, unknown>;
    } else {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    }
  }
  node[parts[parts.length - 1]!] = value;
}

/**
 * ECS `labels` from an event's attributes. ECS label keys must not contain
 * dots (a dot would make an object in the mapping, and "a" next to "a.b"
 * would conflict), so dots become underscores. Keys in `skip` are left out.
 */
function labelsOf(attributes: Readonly<Record<string, string>> | undefined, skip?: string): Record<string, string> | undefined {
  if (attributes === undefined) return undefined;
  let labels: Record<string, string> | undefined;
  for (const key of Object.keys(attributes)) {
    if (key === skip || key.length === 0) continue;
    (labels ??= {})[key.replaceAll(".", "_")] = attributes[key]!;
  }
  return labels;
}

function base(kind: DataStreamKind, time: number, options: DocumentOptions | undefined, eventKind: string): Record<string, unknown> & { "@timestamp": string; data_stream: DataStreamFields } {
  const namespace = options?.namespace === undefined ? DEFAULT_NAMESPACE : checkNamespace(options.namespace);
  return {
    "@timestamp": isoTime(time),
    data_stream: { type: kind.type, dataset: kind.dataset, namespace },
    ecs: { version: ECS_VERSION },
    event: { kind: eventKind, dataset: kind.dataset, module: kind.type === "metrics" ? "system" : "satellite" },
  };
}

function hostName(host: string | undefined): { name: string } | undefined {
  return host === undefined || host === "" || host === "*" ? undefined : { name: host };
}

/** Adds the fields every event-derived document shares: host, service, message, tags, labels, Riemann state and ttl. */
function eventCommon(doc: Record<string, unknown>, e: Event, skipLabel?: string): void {
  const host = hostName(e.host);
  if (host) setPath(doc, "host.name", host.name);
  setPath(doc, "service.name", e.service);
  if (e.description !== undefined) doc.message = e.description;
  if (e.tags !== undefined && e.tags.length > 0) doc.tags = [...e.tags];
  const labels = labelsOf(e.attributes, skipLabel);
  if (labels) doc.labels = labels;
  const satellite: Record<string, unknown> = {};
  if (e.state !== undefined) satellite.state = e.state;
  if (e.ttl !== undefined) satellite.ttl = e.ttl;
  doc.satellite = satellite;
}

/**
 * The prefix of task event services ("task started", "task finished", "task failed").
 *
 * @example
 * `${TASK_SERVICE_PREFIX}started`; // "task started"
 */
export const TASK_SERVICE_PREFIX = "task ";

/**
 * True when `e` is a task event (its service starts with "task ").
 *
 * @example
 * isTaskEvent({ host: "h", service: "task started", time: 0 }); // true
 */
export function isTaskEvent(e: Event): boolean {
  return e.service.startsWith(TASK_SERVICE_PREFIX);
}

/**
 * Maps an event to its document, choosing the data stream:
 * - task events ("task …" services) → `logs-satellite.tasks-*` (see `taskDocument`);
 * - metric events whose service is a known Metricbeat field ("system.memory.swap.used.pct",
 *   "system.filesystem.used.pct /data", ...) → `metrics-satellite.host-*` (see `metricDocument`);
 * - everything else (heartbeats, checks, custom services, expired events) → `logs-satellite.events-*`.
 *
 * @example
 * eventDocument({ host: "web1", service: "system.memory.swap.used.pct", time: 1_700_000_000, metric: 0.4 });
 * // { "@timestamp": "2023-11-14T22:13:20.000Z", data_stream: { type: "metrics", dataset: "satellite.host", namespace: "default" },
 * //   host: { name: "web1" }, system: { memory: { swap: { used: { pct: 0.4 } } } }, metricset: { name: "memory" }, ... }
 */
export function eventDocument(e: Event, options?: DocumentOptions): EsDocument {
  if (isTaskEvent(e)) return taskDocument(e, options);
  if (e.metric !== undefined) {
    const doc = metricDocument(e, options);
    if (doc !== undefined) return doc;
  }
  const doc = base(DATA_STREAMS.events, e.time, options, "event");
  eventCommon(doc, e);
  if (e.metric !== undefined) (doc.satellite as Record<string, unknown>).metric = e.metric;
  return doc;
}

/**
 * The `metrics-satellite.host-*` document of a metric event whose service
 * names a known Metricbeat field (metricbeat.ts), or undefined when the
 * service is not one or the event has no metric. The metric becomes the
 * nested field (`system.memory.swap.used.pct: 0.4`); a qualifier in the
 * service ("system.filesystem.used.pct /data") or the attribute named like
 * the qualifier field's last part (`mount_point`, `name`) goes to the
 * metricset's qualifier field (`system.filesystem.mount_point: "/data"`).
 *
 * @example
 * metricDocument({ host: "web1", service: "system.filesystem.used.pct /data", time: 0, metric: 0.93 });
 * // { ..., system: { filesystem: { mount_point: "/data", used: { pct: 0.93 } } }, metricset: { name: "filesystem" }, event: { kind: "metric", ... } }
 */
export function metricDocument(e: Event, options?: DocumentOptions): EsDocument | undefined {
  if (e.metric === undefined) return undefined;
  const m = metricService(e.service);
  if (m === undefined) return undefined;
  const doc = base(DATA_STREAMS.metrics, e.time, options, "metric");
  const qualifierKey = m.qualifierField?.slice(m.qualifierField.lastIndexOf(".") + 1);
  eventCommon(doc, e, qualifierKey);
  setPath(doc, "service.type", "system");
  doc.metricset = { name: m.metricset };
  setPath(doc, m.field, e.metric);
  const qualifier = m.qualifier ?? (qualifierKey === undefined ? undefined : e.attributes?.[qualifierKey]);
  if (m.qualifierField !== undefined && qualifier !== undefined) setPath(doc, m.qualifierField, qualifier);
  return doc;
}

const TASK_OUTCOMES: Readonly<Record<string, { type: string; outcome: string }>> = {
  started: { type: "start", outcome: "unknown" },
  finished: { type: "end", outcome: "success" },
  failed: { type: "end", outcome: "failure" },
};

/**
 * The `logs-satellite.tasks-*` document of a task event ("task started",
 * "task finished", "task failed", or any other "task …" service): ECS
 * `event.category: ["process"]`, `event.type` start/end (info for others),
 * `event.action` the word after "task ", `event.outcome`; the task id
 * (attribute `task_id`) in `satellite.task.id`; for "finished" the run time
 * (metric, seconds) in `event.duration` (nanoseconds) and exit code 0; for
 * "failed" the metric as `process.exit_code` when it is an integer; the
 * reason (description) in `message`.
 *
 * @example
 * taskDocument({ host: "web1", service: "task failed", time: 0, state: "critical", metric: 127, description: "exit 127", attributes: { task_id: "3f2a" } });
 * // { ..., event: { kind: "event", category: ["process"], type: ["end"], action: "failed", outcome: "failure", ... },
 * //   process: { exit_code: 127 }, satellite: { task: { id: "3f2a" }, state: "critical" }, message: "exit 127" }
 */
export function taskDocument(e: Event, options?: DocumentOptions): EsDocument {
  const doc = base(DATA_STREAMS.tasks, e.time, options, "event");
  eventCommon(doc, e, "task_id");
  const action = e.service.startsWith(TASK_SERVICE_PREFIX) ? e.service.slice(TASK_SERVICE_PREFIX.length).trim() : e.service;
  const known = TASK_OUTCOMES[action];
  const event = doc.event as Record<string, unknown>;
  event.category = ["process"];
  event.type = [known?.type ?? "info"];
  event.action = action;
  event.outcome = known?.outcome ?? "unknown";
  const taskId = e.attributes?.task_id;
  if (taskId !== undefined) (doc.satellite as Record<string, unknown>).task = { id: taskId };
  if (e.metric !== undefined) {
    if (action === "finished") {
      event.duration = Math.round(e.metric * 1e9);
      doc.process = { exit_code: 0 };
    } else if (action === "failed" && Number.isInteger(e.metric)) {
      doc.process = { exit_code: e.metric };
    } else {
      (doc.satellite as Record<string, unknown>).metric = e.metric;
    }
  }
  return doc;
}

/**
 * The `logs-satellite.alerts-*` document of an alert history record: ECS
 * `event.kind: "alert"`, `event.action` = the alert's new state,
 * `rule.name`, `log.level` = severity, `message` = summary, and
 * `satellite.alert.{id,key,state,severity}`.
 *
 * @example
 * alertDocument({ time: 0, id: "a1", rule: "disk/full", key: "disk/full:web1", state: "triggered", severity: "critical", host: "web1", summary: "/ 97% full" });
 * // { ..., event: { kind: "alert", action: "triggered", ... }, rule: { name: "disk/full" }, log: { level: "critical" }, message: "/ 97% full",
 * //   host: { name: "web1" }, satellite: { alert: { id: "a1", key: "disk/full:web1", state: "triggered", severity: "critical" } } }
 */
export function alertDocument(record: AlertRecord, options?: DocumentOptions): EsDocument {
  const doc = base(DATA_STREAMS.alerts, record.time, options, "alert");
  (doc.event as Record<string, unknown>).action = record.state;
  doc.rule = { name: record.rule };
  doc.log = { level: record.severity };
  doc.message = record.summary;
  const host = hostName(record.host);
  if (host) doc.host = host;
  if (record.service !== undefined) doc.service = { name: record.service };
  doc.satellite = { alert: { id: record.id, key: record.key, state: record.state, severity: record.severity } };
  return doc;
}

/**
 * The `logs-satellite.hosts-*` document of a host-state change: ECS
 * `event.category: ["host"]`, `event.type: ["change"]`, `event.action` =
 * the new flag, `message` = the reason, and
 * `satellite.host.{flag,schedulable,actor,ttl}`.
 *
 * @example
 * hostStateDocument({ time: 0, host: "web1", schedulable: false, flag: "drained", reason: "swapping", actor: "rule:swap" });
 * // { ..., host: { name: "web1" }, event: { action: "drained", category: ["host"], type: ["change"], ... }, message: "swapping",
 * //   satellite: { host: { flag: "drained", schedulable: false, actor: "rule:swap" } } }
 */
export function hostStateDocument(record: HostStateRecord, options?: DocumentOptions): EsDocument {
  const doc = base(DATA_STREAMS.hosts, record.time, options, "event");
  const event = doc.event as Record<string, unknown>;
  event.category = ["host"];
  event.type = ["change"];
  event.action = record.flag;
  doc.host = { name: record.host };
  doc.message = record.reason;
  const state: Record<string, unknown> = { flag: record.flag, schedulable: record.schedulable, actor: record.actor };
  if (record.ttl !== undefined) state.ttl = record.ttl;
  doc.satellite = { host: state };
  return doc;
}
