/**
 * Wiring of the Elasticsearch output for a process (docs/elasticsearch.md):
 * one `ElasticsearchSink` fed from four places. Bus batches are indexed
 * with backpressure: the handler resolves only after their documents are
 * stored, so a Kafka consumer commits its offsets after the flush and the
 * in-process bus holds its producers back while Elasticsearch is slow or
 * down. Events that reach the engine any other way (HTTP, Riemann,
 * expiries) come through a tap beside the rules that never blocks the
 * engine: when the sink's buffer is full it drops them, counting and
 * logging (throttled) what it drops. Alert history and host-state changes
 * arrive through the alerting and host health hooks, adapted here to the
 * `AlertRecord` / `HostStateRecord` that documents.ts maps. Counters go to
 * /metrics.
 */
import type { Client } from "@elastic/elasticsearch";
import type { CommittedHistoryEntry } from "../../alerting/index.ts";
import type { Origin } from "../../bus/bus.ts";
import { alertDocument, eventDocument, hostStateDocument, type AlertRecord, type EsDocument, type HostStateRecord } from "../../dashboards/es/documents.ts";
import { resolveElasticsearchOptions, type ElasticsearchOptions } from "../../dashboards/es/options.ts";
import { ElasticsearchSink, type SinkStats } from "../../dashboards/es/sink.ts";
import { installTemplates } from "../../dashboards/es/templates.ts";
import type { LabelledValue, SelfMetric } from "../../dashboards/metrics/index.ts";
import type { AuditEntry } from "../../scheduler/health/index.ts";
import type { Clock } from "../../streams/clock.ts";
import { validateEvent, type Event } from "../../streams/event.ts";
import type { Stream } from "../../streams/stream.ts";

/**
 * Settings of the part beyond the URL and namespace: the sink's (validated
 * by `resolveElasticsearchOptions`, defaults in `ELASTICSEARCH_DEFAULTS`)
 * and the part's own (defaults in `ELASTICSEARCH_PART_DEFAULTS`).
 */
export interface ElasticsearchPartSettings extends Omit<ElasticsearchOptions, "node" | "namespace"> {
  /** Most alert and host-state documents waiting for room in the sink; more are dropped and counted. Default 10,000. */
  readonly maxPendingRecords?: number;
  /** How long `close()` waits for Elasticsearch to take what is held before giving up on it, in seconds. Default 30. */
  readonly closeTimeoutSeconds?: number;
  /** Least time between two log lines about dropped documents of one source, in seconds. Default 60. */
  readonly dropLogIntervalSeconds?: number;
  /**
   * Install Satellite's index and component templates before the first
   * document is written (as Metricbeat's `setup.template.enabled` does), so
   * no data stream is created from a stock template; documents wait, and the
   * install is retried, while Elasticsearch refuses it. Default true; turn
   * it off when templates are managed elsewhere (`satellite dashboards export`).
   */
  readonly installTemplates?: boolean;
  /** A client to use instead of one built from the URL (tests; the part does not close it). */
  readonly client?: Client | undefined;
  /** Jitter source of the sink's retries. Default Math.random. */
  readonly random?: (() => number) | undefined;
}

/** What `startElasticsearch` needs. */
export interface ElasticsearchPartOptions {
  /** The cluster URL (`elasticsearch.url` / `ELASTICSEARCH_URL`); may carry user:password. */
  readonly url: string;
  /** `data_stream.namespace` of every document (`elasticsearch.namespace`). */
  readonly namespace: string;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  readonly options?: ElasticsearchPartSettings | undefined;
}

/**
 * The part's own defaults, in one place.
 *
 * @example
 * ELASTICSEARCH_PART_DEFAULTS.closeTimeoutSeconds; // 30
 */
export const ELASTICSEARCH_PART_DEFAULTS = Object.freeze({
  maxPendingRecords: 10_000,
  closeTimeoutSeconds: 30,
  dropLogIntervalSeconds: 60,
  installTemplates: true,
});

/** Where documents come from, for the counters. */
export type DocumentSource = "bus" | "tap" | "alerts" | "hosts";

/** Why documents were dropped before reaching the sink. */
export type DropReason = "buffer_full" | "backlog" | "closed";

/** The part's counters besides the sink's. */
export interface ElasticsearchPartStats {
  /** Documents handed to the sink, by source. */
  readonly submitted: Readonly<Record<DocumentSource, number>>;
  /** Documents dropped before the sink, by `${source}/${reason}`. */
  readonly dropped: Readonly<Record<string, number>>;
  /** Events of bus batches written with `writeBatch` that did not validate (the engine rejects them too). */
  readonly invalid: number;
  /** Records that could not be mapped to a document (logged). */
  readonly unmappable: number;
  readonly sink: SinkStats;
}

/** The Elasticsearch output as a running part. */
export interface ElasticsearchPart {
  readonly sink: ElasticsearchSink;
  /**
   * Put it beside the rules (`startApp({ taps })`): indexes every event the
   * engine processes that did not come through `busHandler` (HTTP, Riemann,
   * expiries) without ever blocking the engine. Events are handed to the
   * sink once per turn of the event loop; those that do not fit in its
   * buffer (full, or bus writers waiting) are dropped and counted.
   */
  readonly tap: Stream<Event>;
  /**
   * Wraps a bus handler that processes a batch synchronously (e.g.
   * `(events) => engine.submitAll(events)`): the events the engine accepts
   * while it runs are caught by the tap and written to the sink instead of
   * going the tap's way, and the returned handler resolves (with `submit`'s
   * result) only once they are stored or failed for good: backpressure,
   * and offsets committed after the flush. Without the tap among the
   * engine's streams it writes the batch's valid events itself, as
   * `writeBatch` does. Rejects if the part is closed or aborted meanwhile.
   */
  busHandler<R>(submit: (events: readonly unknown[], origin: Origin) => R): (events: readonly unknown[], origin: Origin) => Promise<Awaited<R>>;
  /**
   * Validates `events` (untrusted, as a bus delivers them) and writes the
   * valid ones; resolves once they are stored or failed for good, waiting
   * while the sink's buffer is full or Elasticsearch is unreachable. For a
   * bus whose engine does NOT have the tap: with the tap wired, the engine's
   * copy of each event would be indexed a second time (use `busHandler`).
   */
  writeBatch(events: readonly unknown[]): Promise<void>;
  /** Indexes one alert history record (never blocks; waits in the sink, dropped and counted past `maxPendingRecords`). */
  onAlertRecord(record: AlertRecord): void;
  /** Indexes one host-state change (as `onAlertRecord`). */
  onHostState(record: HostStateRecord): void;
  /** Alerting's `onHistory` hook: indexes the entries that are alert state changes (see `alertRecordOf`). */
  readonly onAlertHistory: (entry: CommittedHistoryEntry) => void;
  /** Host health's `onAudit` hook: indexes the entries that change a host's state (see `hostStateRecordOf`). */
  readonly onHealthAudit: (entry: AuditEntry) => void;
  stats(): ElasticsearchPartStats;
  /** For /metrics: `satellite_elasticsearch_*`. */
  readonly metrics: readonly SelfMetric[];
  /**
   * Stops the tap (later events are dropped and counted as "closed"),
   * flushes everything held, and closes the sink. Gives up after
   * `closeTimeoutSeconds` (the sink is aborted: pending writes reject, the
   * documents are counted as abandoned).
   */
  close(): Promise<void>;
  /**
   * Runs a bus's close (which waits for the batch in progress). If that
   * batch is still waiting for Elasticsearch after `closeTimeoutSeconds`,
   * gives up on the held documents (`abort`): the handler then fails, the
   * bus dead-letters the batch (Kafka: its offsets go with the DLQ entry)
   * and the close can finish. Call it before `close()`.
   */
  closeBus(closeIt: () => Promise<void>): Promise<void>;
  /** Gives up on everything held now (see `ElasticsearchSink.abort`). */
  abort(reason: string): void;
}

const SCHEDULABLE_LABELS: ReadonlySet<string> = new Set(["in", "in (operator)"]);

/**
 * The `AlertRecord` of an alerting history entry that changes an alert's
 * state, or undefined for the others (notifications, delivery attempts,
 * silences, maintenance windows, group entries). States: "pending",
 * "triggered" (started firing; a muted start is reported by the "muted"
 * entry that follows instead), "silenced" (muted by a silence or
 * maintenance window while firing), "unsilenced", "resolved".
 *
 * @example
 * alertRecordOf(entry); // { time, id: "12", rule: "disk/full", key: "disk/full:web1", state: "triggered", severity: "critical", host: "web1", summary: "..." }
 */
export function alertRecordOf(entry: CommittedHistoryEntry): AlertRecord | undefined {
  const a = entry.alert;
  if (a === undefined || entry.alertId === null) return undefined;
  let state: string;
  switch (entry.kind) {
    case "pending":
      state = "pending";
      break;
    case "firing":
      if (a.muted) return undefined;
      state = "triggered";
      break;
    case "muted":
      state = "silenced";
      break;
    case "unmuted":
      state = "unsilenced";
      break;
    case "resolved":
      state = "resolved";
      break;
    default:
      return undefined;
  }
  return {
    time: entry.unixTime,
    id: String(entry.alertId),
    rule: a.rule,
    key: a.key,
    state,
    severity: a.severity,
    host: a.host ?? undefined,
    service: a.service ?? undefined,
    summary: a.summary,
  };
}

/**
 * The `HostStateRecord` of a host health audit entry that changed a host's
 * state (`from` ≠ `to`), or undefined for the others (notes about the whole
 * fleet, actions held by a guard or ignored, refreshes). `flag` is the
 * state label after the change ("in", "draining", "blacklisted",
 * "returning", "in (operator)", "out (operator)"), schedulable when it is
 * "in" or "in (operator)"; `actor` is the entry's `who` ("rule:<name>",
 * "operator:<name>", "system"); `ttl` the objection's or manual event's TTL.
 *
 * @example
 * hostStateRecordOf(entry); // { time, host: "web1", schedulable: false, flag: "draining", reason: "swapping", actor: "rule:swap", ttl: 600 }
 */
export function hostStateRecordOf(entry: AuditEntry): HostStateRecord | undefined {
  if (entry.host === "*" || entry.from === entry.to) return undefined;
  const ttl = entry.detail?.ttl;
  return {
    time: entry.time,
    host: entry.host,
    schedulable: SCHEDULABLE_LABELS.has(entry.to),
    flag: entry.to,
    reason: entry.reason === "" ? `${entry.action}: ${entry.outcome}` : entry.reason,
    actor: entry.who,
    ttl: typeof ttl === "number" && Number.isFinite(ttl) ? ttl : undefined,
  };
}

/**
 * Credentials for Elasticsearch from the environment: `ELASTICSEARCH_API_KEY`
 * (as `satellite dashboards install` reads it). User and password may also
 * be given in the URL.
 *
 * @example
 * startElasticsearch({ url, namespace, clock, log, options: elasticsearchCredentialsFromEnv(process.env) });
 */
export function elasticsearchCredentialsFromEnv(env: NodeJS.ProcessEnv): { apiKey?: string } {
  const apiKey = env.ELASTICSEARCH_API_KEY?.trim();
  return apiKey === undefined || apiKey === "" ? {} : { apiKey };
}

function positive(path: string, value: unknown, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || (integer && !Number.isSafeInteger(value))) {
    throw new RangeError(`${path} must be a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function redacted(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return "(invalid URL)";
  }
}

interface DropEpisode {
  active: boolean;
  /** Dropped since the episode began. */
  total: number;
  /** Dropped since the last log line. */
  unlogged: number;
  lastLog: number;
}

/**
 * Builds the sink and its feeds. Throws a RangeError naming the setting when
 * one is invalid (`elasticsearch.flushBytes must be a positive integer ...`).
 *
 * @example
 * const es = startElasticsearch({ url: "http://127.0.0.1:9200", namespace: "default", clock, log });
 * await bus.subscribe("events", es.busHandler((events) => engine.submitAll(events)));
 * startApp({ ..., taps: [es.tap], metrics: es.metrics });
 * const alerting = startAlerting({ ..., onHistory: es.onAlertHistory });
 * // on shutdown, after the bus and the servers:
 * await es.close();
 */
export function startElasticsearch(options: ElasticsearchPartOptions): ElasticsearchPart {
  const raw = options.options ?? {};
  const { maxPendingRecords: rawPending, closeTimeoutSeconds: rawClose, dropLogIntervalSeconds: rawDropLog, installTemplates: rawInstall, client, random, ...sinkSettings } = raw;
  const settings = resolveElasticsearchOptions({ ...sinkSettings, node: options.url, namespace: options.namespace }, "elasticsearch");
  const maxPendingRecords = positive("elasticsearch.maxPendingRecords", rawPending, ELASTICSEARCH_PART_DEFAULTS.maxPendingRecords, true);
  const closeTimeoutSeconds = positive("elasticsearch.closeTimeoutSeconds", rawClose, ELASTICSEARCH_PART_DEFAULTS.closeTimeoutSeconds, false);
  const dropLogIntervalSeconds = positive("elasticsearch.dropLogIntervalSeconds", rawDropLog, ELASTICSEARCH_PART_DEFAULTS.dropLogIntervalSeconds, false);
  if (rawInstall !== undefined && typeof rawInstall !== "boolean") throw new RangeError(`elasticsearch.installTemplates must be true or false, got ${JSON.stringify(rawInstall)}`);
  const { clock, log } = options;
  const prepare =
    (rawInstall ?? ELASTICSEARCH_PART_DEFAULTS.installTemplates)
      ? async (c: Client): Promise<void> => {
          const done = await installTemplates(c);
          log(`elasticsearch: installed ${done.componentTemplates.length} component and ${done.indexTemplates.length} index templates`);
        }
      : undefined;
  const docOptions = { namespace: settings.namespace };
  const sink = new ElasticsearchSink({
    client,
    node: settings.node,
    apiKey: settings.apiKey,
    username: settings.username,
    password: settings.password,
    clock,
    flushBytes: settings.flushBytes,
    flushIntervalSeconds: settings.flushIntervalSeconds,
    maxBufferedDocs: settings.maxBufferedDocs,
    requestTimeoutSeconds: settings.requestTimeoutSeconds,
    retryInitialSeconds: settings.retryInitialSeconds,
    retryMaxSeconds: settings.retryMaxSeconds,
    log,
    random,
    prepare,
  });
  const maxBuffered = settings.maxBufferedDocs;

  const submitted: Record<DocumentSource, number> = { bus: 0, tap: 0, alerts: 0, hosts: 0 };
  const dropped: Record<string, number> = {};
  const episodes = new Map<DocumentSource, DropEpisode>();
  let invalid = 0;
  let unmappable = 0;
  let pendingRecords = 0;
  let closing = false;
  let closed: Promise<void> | undefined;

  // The tap's state: events waiting for the end of this turn, and the batch a bus handler is catching.
  let tapPending: Event[] = [];
  let tapScheduled = false;
  let tapCalls = 0;
  let capture: Event[] | undefined;

  const drop = (source: DocumentSource, reason: DropReason, n: number): void => {
    const key = `${source}/${reason}`;
    dropped[key] = (dropped[key] ?? 0) + n;
    const now = clock.now();
    let ep = episodes.get(source);
    if (ep === undefined) {
      ep = { active: false, total: 0, unlogged: 0, lastLog: -Infinity };
      episodes.set(source, ep);
    }
    ep.total += n;
    ep.unlogged += n;
    if (!ep.active) {
      ep.active = true;
      ep.total = n;
      ep.unlogged = 0;
      ep.lastLog = now;
      log(`elasticsearch: dropping ${source} documents (${reason}): ${n} so far; counted in satellite_elasticsearch_dropped_total`);
    } else if (now - ep.lastLog >= dropLogIntervalSeconds) {
      log(`elasticsearch: dropped ${ep.unlogged} more ${source} documents in the last ${(now - ep.lastLog).toFixed(0)} s (${reason}); ${ep.total} since dropping began`);
      ep.unlogged = 0;
      ep.lastLog = now;
    }
  };

  const recovered = (source: DocumentSource): void => {
    const ep = episodes.get(source);
    if (ep === undefined || !ep.active) return;
    ep.active = false;
    log(`elasticsearch: stopped dropping ${source} documents; ${ep.total} dropped in all since it began`);
  };

  /** Maps events to documents; an event that cannot be mapped is counted and logged (a validated event always can). */
  const documentsOf = (events: readonly Event[], n: number): EsDocument[] => {
    const docs: EsDocument[] = [];
    for (let i = 0; i < n; i++) {
      try {
        docs.push(eventDocument(events[i]!, docOptions));
      } catch (err) {
        unmappable++;
        log(`elasticsearch: an event of ${events[i]!.host} / ${events[i]!.service} cannot be indexed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return docs;
  };

  const writeEvents = async (events: readonly Event[]): Promise<void> => {
    if (closing) throw new Error("the Elasticsearch output is closed");
    const docs = documentsOf(events, events.length);
    if (docs.length === 0) return;
    submitted.bus += docs.length;
    const written = sink.write(docs);
    // A bus batch is held until this resolves: send now instead of waiting for the flush interval.
    void sink.flush();
    await written;
  };

  const validated = (raws: readonly unknown[]): Event[] => {
    const now = clock.now();
    const events: Event[] = [];
    for (const raw of raws) {
      const v = validateEvent(raw, now);
      if (v.ok) events.push(v.event);
      else invalid++;
    }
    return events;
  };

  const flushTap = (): void => {
    tapScheduled = false;
    const events = tapPending;
    if (events.length === 0) return;
    tapPending = [];
    if (closing) {
      drop("tap", "closed", events.length);
      return;
    }
    const s = sink.stats();
    const room = s.waitingWrites > 0 ? 0 : Math.max(0, maxBuffered - s.buffered);
    const n = Math.min(room, events.length);
    if (n > 0) {
      const docs = documentsOf(events, n);
      if (docs.length > 0) {
        submitted.tap += docs.length;
        // Rejects only when the sink is aborted; it counts those documents as abandoned.
        sink.write(docs).catch(() => undefined);
      }
    }
    if (n < events.length) drop("tap", "buffer_full", events.length - n);
    else recovered("tap");
  };

  const tap: Stream<Event> = function elasticsearchTap(e: Event): void {
    tapCalls++;
    if (capture !== undefined) {
      capture.push(e);
      return;
    }
    tapPending.push(e);
    if (!tapScheduled) {
      tapScheduled = true;
      queueMicrotask(flushTap);
    }
  };

  const writeRecord = (source: "alerts" | "hosts", make: () => EsDocument): void => {
    if (closing) {
      drop(source, "closed", 1);
      return;
    }
    if (pendingRecords >= maxPendingRecords) {
      drop(source, "backlog", 1);
      return;
    }
    let doc: EsDocument;
    try {
      doc = make();
    } catch (err) {
      unmappable++;
      log(`elasticsearch: a ${source} record cannot be indexed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    recovered(source);
    pendingRecords++;
    submitted[source]++;
    sink.write([doc]).then(
      () => void pendingRecords--,
      () => void pendingRecords--, // aborted: counted by the sink as abandoned
    );
  };

  const onAlertRecord = (record: AlertRecord): void => writeRecord("alerts", () => alertDocument(record, docOptions));
  const onHostState = (record: HostStateRecord): void => writeRecord("hosts", () => hostStateDocument(record, docOptions));

  const stats = (): ElasticsearchPartStats => ({ submitted: { ...submitted }, dropped: { ...dropped }, invalid, unmappable, sink: sink.stats() });

  const byLabel = (label: string, values: Readonly<Record<string, number>>): LabelledValue[] => Object.entries(values).map(([k, v]) => [{ [label]: k }, v] as const);
  const metrics: SelfMetric[] = [
    { name: "satellite_elasticsearch_indexed_total", help: "Documents Elasticsearch stored.", type: "counter", read: () => sink.stats().indexed },
    { name: "satellite_elasticsearch_duplicates_total", help: "Documents Elasticsearch already had (409), counted as stored.", type: "counter", read: () => sink.stats().duplicates },
    {
      name: "satellite_elasticsearch_failed_total",
      help: "Documents Elasticsearch refused for good (mapping and parsing errors, 400s), by error type.",
      type: "counter",
      labelNames: ["reason"],
      read: () => byLabel("reason", sink.stats().failedByReason),
    },
    { name: "satellite_elasticsearch_retries_total", help: "Documents sent again after a 429/5xx or a failed request, by reason.", type: "counter", labelNames: ["reason"], read: () => byLabel("reason", sink.stats().retriesByReason) },
    { name: "satellite_elasticsearch_requests_total", help: "Bulk requests sent.", type: "counter", read: () => sink.stats().requests },
    { name: "satellite_elasticsearch_request_failures_total", help: "Bulk requests that failed as a whole (connection, timeout, 429/5xx).", type: "counter", read: () => sink.stats().requestFailures },
    { name: "satellite_elasticsearch_buffered_documents", help: "Documents held by the sink: queued, in flight or waiting for a retry.", type: "gauge", read: () => sink.stats().buffered },
    { name: "satellite_elasticsearch_buffered_bytes", help: "Bytes of the documents held by the sink.", type: "gauge", read: () => sink.stats().bufferedBytes },
    { name: "satellite_elasticsearch_waiting_writes", help: "Writes waiting for room in the sink's buffer (backpressure on bus batches).", type: "gauge", read: () => sink.stats().waitingWrites },
    { name: "satellite_elasticsearch_abandoned_total", help: "Documents given up on when the output was aborted (shutdown deadline).", type: "counter", read: () => sink.stats().abandoned },
    { name: "satellite_elasticsearch_submitted_total", help: "Documents handed to the sink, by source (bus, tap, alerts, hosts).", type: "counter", labelNames: ["source"], read: () => byLabel("source", submitted) },
    {
      name: "satellite_elasticsearch_dropped_total",
      help: "Documents dropped before the sink, by source and reason (buffer_full: the tap found the buffer full; backlog: too many records waiting; closed).",
      type: "counter",
      labelNames: ["source", "reason"],
      read: () =>
        Object.entries(dropped).map(([key, v]) => {
          const [source, reason] = key.split("/") as [string, string];
          return [{ source, reason }, v] as const;
        }),
    },
  ];

  const close = (): Promise<void> => {
    closed ??= (async () => {
      flushTap();
      closing = true;
      const deadline = clock.setTimer(clock.now() + closeTimeoutSeconds, () => {
        log(`elasticsearch: still ${sink.stats().buffered} document(s) held after ${closeTimeoutSeconds} s of shutdown; giving up on them`);
        sink.abort("shutdown deadline");
      });
      try {
        await sink.close();
      } finally {
        deadline.cancel();
      }
      const s = sink.stats();
      log(`elasticsearch: closed; ${s.indexed} indexed, ${s.failed} failed, ${Object.values(dropped).reduce((a, b) => a + b, 0)} dropped, ${s.abandoned} abandoned`);
    })();
    return closed;
  };

  log(`elasticsearch: indexing into ${redacted(settings.node)} (namespace ${settings.namespace})`);
  return {
    sink,
    tap,
    busHandler<R>(submit: (events: readonly unknown[], origin: Origin) => R) {
      return async function indexedBatch(events: readonly unknown[], origin: Origin): Promise<Awaited<R>> {
        const caught: Event[] = [];
        const outer = capture;
        capture = caught;
        let result: R;
        try {
          result = submit(events, origin);
        } catch (err) {
          capture = outer;
          // What the engine processed before the throw still goes the tap's way.
          for (const e of caught) tap(e);
          throw err;
        }
        capture = outer;
        await writeEvents(tapCalls === 0 ? validated(events) : caught);
        return await result;
      };
    },
    writeBatch: (events) => writeEvents(validated(events)),
    onAlertRecord,
    onHostState,
    onAlertHistory: (entry) => {
      const record = alertRecordOf(entry);
      if (record !== undefined) onAlertRecord(record);
    },
    onHealthAudit: (entry) => {
      const record = hostStateRecordOf(entry);
      if (record !== undefined) onHostState(record);
    },
    stats,
    metrics,
    close,
    closeBus: async (closeIt) => {
      const deadline = clock.setTimer(clock.now() + closeTimeoutSeconds, () => {
        log(`elasticsearch: the bus is still waiting for Elasticsearch after ${closeTimeoutSeconds} s of shutdown; giving up on ${sink.stats().buffered} held document(s)`);
        sink.abort("shutdown deadline");
      });
      try {
        await closeIt();
      } finally {
        deadline.cancel();
      }
    },
    abort: (reason) => sink.abort(reason),
  };
}
