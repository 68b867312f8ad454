/**
 * Wiring of alerting for a process: the alert lifecycle (alerting/) and the
 * PagerDuty notifier with its durable outbox (notify/) on the embedded
 * store, each notification attempt recorded in the alert history, the
 * alerting HTTP API, and their self-metrics. Without a routing key the
 * notifier records every page as "not-configured": pages are still kept,
 * listed by the API and shown on the web page.
 */
import type { ApiMount } from "../../api/server.ts";
import { Alerting, alertsRouter, type CommittedHistoryEntry } from "../../alerting/index.ts";
import type { SelfMetric } from "../../dashboards/metrics/index.ts";
import { PagerDutyNotifier, eventsUrlFromEnv, routingKeysFromEnv } from "../../notify/index.ts";
import type { IntentSink } from "../../rules/intents.ts";
import type { Db } from "../../store/database.ts";
import type { Clock } from "../../streams/clock.ts";

/** What `startAlerting` needs. */
export interface AlertingPartOptions {
  readonly db: Db;
  readonly clock: Clock;
  /** The `alerting` section of the config (validated by alerting). */
  readonly alerting: unknown;
  /** The `pagerduty` section of the config (validated by notify). */
  readonly pagerduty: unknown;
  /** This Satellite's URL, for the links in pages. */
  readonly webUrl: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
  /** Called with each alert history entry once committed (e.g. the Elasticsearch part's `onAlertHistory`). */
  readonly onHistory?: ((entry: CommittedHistoryEntry) => void) | undefined;
}

/** Alerting as a running part. */
export interface AlertingPart {
  readonly alerting: Alerting;
  readonly notifier: PagerDutyNotifier;
  /** Where the rules' page and resolve intents go. */
  readonly sink: IntentSink;
  readonly mounts: readonly ApiMount[];
  readonly metrics: readonly SelfMetric[];
  /** Whether a default routing key is configured (otherwise pages are only recorded). */
  readonly paging: boolean;
  /** Subscribes to "alerts changed" (after each page/resolve the rules send and each delivery outcome). */
  onChange(listener: () => void): () => void;
  /** Stops timers; what is not delivered stays in the outbox for the next start. */
  close(): Promise<void>;
}

/**
 * Builds alerting and the notifier on the store.
 *
 * @example
 * const part = startAlerting({ db, clock, alerting: {}, pagerduty: {}, webUrl: "http://127.0.0.1:5001", log: console.log });
 * const sink = part.sink;
 */
export function startAlerting(options: AlertingPartOptions): AlertingPart {
  const env = options.env ?? process.env;
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const l of listeners) l();
  };
  // The notifier reports attempts to alerting, which is built after it (it needs the notifier).
  const late: { alerting?: Alerting } = {};
  const routingKeys = routingKeysFromEnv(env);
  const notifier = new PagerDutyNotifier({
    db: options.db,
    clock: options.clock,
    routingKeys,
    eventsUrl: eventsUrlFromEnv(env),
    options: options.pagerduty,
    onAttempt: (a) => {
      late.alerting?.recordAttempt(a);
      changed();
    },
    log: (level, message, fields) => options.log(`pagerduty ${level}: ${message}${fields === undefined ? "" : ` ${JSON.stringify(fields)}`}`),
  });
  const a = new Alerting({ db: options.db, clock: options.clock, notifier, webUrl: options.webUrl, options: options.alerting, onError: (err) => options.log(`alerting error: ${String(err)}`), onHistory: options.onHistory });
  late.alerting = a;
  const handle = a.handle;
  const metrics: SelfMetric[] = [
    { name: "satellite_outbox_depth", help: "Notifications in the PagerDuty outbox not yet delivered (or given up).", type: "gauge", read: () => notifier.stats().depth },
    { name: "satellite_pagerduty_delivered_total", help: "Notifications PagerDuty accepted.", type: "counter", read: () => notifier.stats().delivered },
    { name: "satellite_pagerduty_retries_total", help: "Delivery attempts that will be retried (429, 5xx, timeouts, network).", type: "counter", read: () => notifier.stats().retries },
    { name: "satellite_pagerduty_rejected_total", help: "Notifications PagerDuty refused as invalid (400).", type: "counter", read: () => notifier.stats().rejected },
    { name: "satellite_alerts_firing", help: "Alerts firing now.", type: "gauge", read: () => a.listAlerts({ states: ["firing"], limit: 100_000 }).length },
  ];
  return {
    alerting: a,
    notifier,
    sink: (intent) => {
      handle(intent);
      changed();
    },
    mounts: [{ path: "/api/v1", handler: alertsRouter(a) }],
    metrics,
    paging: routingKeys("default") !== undefined,
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      a.close();
      await notifier.close();
    },
  };
}
