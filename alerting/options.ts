/**
 * Settings of the alerting part, with every default in one frozen object and
 * one validator that names the offending field. The per-page policy a rule
 * sets (`page({ alerting: {...} })`) overrides the first five fields for that
 * rule's alerts; the rest are global.
 */
import type { PageAlerting } from "../rules/intents.ts";
import { describeValue } from "./errors.ts";

/** How one rule's alerts are treated; a page's `alerting` overrides fields of the defaults. */
export interface AlertPolicy {
  /** Seconds an alert must stay paged before anyone is notified (pending until then); 0 notifies at once. */
  readonly forSeconds: number;
  /** Seconds a rule must keep resolving before the alert resolves (a page within that window keeps it firing); 0 resolves at once. */
  readonly resolveAfterSeconds: number;
  /** Seconds between re-sent triggers of a still-firing, notified alert; 0 never re-sends. */
  readonly renotifySeconds: number;
  /** "rule": one PagerDuty alert per rule listing its hosts; "none": one per alert. */
  readonly groupBy: "rule" | "none";
  /** Name of the PagerDuty routing key (the notifier maps names to keys). */
  readonly routing: string;
}

/** Every alerting setting. */
export interface AlertingOptions extends AlertPolicy {
  /** A group's first page waits this long for more hosts to join, seconds. */
  readonly groupWaitSeconds: number;
  /** A group's page is updated (hosts joined or left) at most this often, seconds. */
  readonly groupIntervalSeconds: number;
  /** Hosts listed by name in a group page's details (the count is always complete). */
  readonly groupListLimit: number;
  /** Evidence events kept per alert (the last ones), shown in details and the API. */
  readonly evidenceLimit: number;
  /** `payload.source` of a page without a host (cluster-wide alerts and groups of several hosts). */
  readonly source: string;
  /** History, resolved alerts and ended silences older than this are deleted, seconds. */
  readonly historyRetentionSeconds: number;
}

/**
 * The defaults. `resolveAfterSeconds` 120 makes a signal flipping every
 * minute or faster one page; `renotifySeconds` 4 h is Alertmanager's
 * `repeat_interval`; `groupWaitSeconds` 10 is shorter than Alertmanager's
 * 30 s `group_wait` because the engine judges events as they arrive rather
 * than on an evaluation tick.
 *
 * @example
 * ALERTING_DEFAULTS.renotifySeconds; // 14400
 */
export const ALERTING_DEFAULTS: AlertingOptions = Object.freeze({
  forSeconds: 0,
  resolveAfterSeconds: 120,
  renotifySeconds: 4 * 3600,
  groupBy: "none",
  routing: "default",
  groupWaitSeconds: 10,
  groupIntervalSeconds: 60,
  groupListLimit: 100,
  evidenceLimit: 5,
  source: "satellite",
  historyRetentionSeconds: 30 * 24 * 3600,
});

const FIELDS = Object.keys(ALERTING_DEFAULTS) as (keyof AlertingOptions)[];
const SECONDS: readonly (keyof AlertingOptions)[] = ["forSeconds", "resolveAfterSeconds", "renotifySeconds", "groupWaitSeconds", "groupIntervalSeconds"];


/**
 * Validates raw settings (undefined = all defaults) and fills in the
 * defaults. Throws an Error naming the field, e.g.
 * `alerting.renotifySeconds must be a number of seconds >= 0, got "x"`.
 * Unknown fields are errors too (a typo must not silently keep a default).
 *
 * @example
 * resolveAlertingOptions({ resolveAfterSeconds: 300 }).resolveAfterSeconds; // 300
 * resolveAlertingOptions({ groupBy: "host" }); // throws: alerting.groupBy must be "rule" or "none", got "host"
 */
export function resolveAlertingOptions(raw: unknown, path = "alerting"): AlertingOptions {
  if (raw === undefined) return ALERTING_DEFAULTS;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${path} must be an object, got ${describeValue(raw)}`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(FIELDS as string[]).includes(k)) throw new Error(`${path}.${k} is not a known setting (known: ${FIELDS.join(", ")})`);
  }
  const out: Record<string, unknown> = { ...ALERTING_DEFAULTS };
  for (const k of FIELDS) {
    const v = o[k];
    if (v === undefined) continue;
    if (SECONDS.includes(k) || k === "historyRetentionSeconds") {
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new Error(`${path}.${k} must be a number of seconds >= 0, got ${describeValue(v)}`);
      if (k === "historyRetentionSeconds" && v < 3600) throw new Error(`${path}.${k} must be at least 3600 seconds, got ${describeValue(v)}`);
    } else if (k === "groupListLimit" || k === "evidenceLimit") {
      if (typeof v !== "number" || !Number.isInteger(v) || v < (k === "groupListLimit" ? 1 : 0) || v > 1000) {
        throw new Error(`${path}.${k} must be an integer from ${k === "groupListLimit" ? 1 : 0} to 1000, got ${describeValue(v)}`);
      }
    } else if (k === "groupBy") {
      if (v !== "rule" && v !== "none") throw new Error(`${path}.groupBy must be "rule" or "none", got ${describeValue(v)}`);
    } else if (typeof v !== "string" || v.length === 0) {
      throw new Error(`${path}.${k} must be a non-empty string, got ${describeValue(v)}`);
    }
    out[k] = v;
  }
  return Object.freeze(out) as unknown as AlertingOptions;
}

/**
 * The policy in effect for one page: the defaults overridden by the page's
 * own `alerting` fields (already validated by `page()`).
 *
 * @example
 * policyFor(ALERTING_DEFAULTS, { forSeconds: 60 }).forSeconds; // 60
 */
export function policyFor(defaults: AlertPolicy, page: PageAlerting | undefined): AlertPolicy {
  if (page === undefined) {
    return { forSeconds: defaults.forSeconds, resolveAfterSeconds: defaults.resolveAfterSeconds, renotifySeconds: defaults.renotifySeconds, groupBy: defaults.groupBy, routing: defaults.routing };
  }
  return {
    forSeconds: page.forSeconds ?? defaults.forSeconds,
    resolveAfterSeconds: page.resolveAfterSeconds ?? defaults.resolveAfterSeconds,
    renotifySeconds: page.renotifySeconds ?? defaults.renotifySeconds,
    groupBy: page.groupBy ?? defaults.groupBy,
    routing: page.routing ?? defaults.routing,
  };
}
