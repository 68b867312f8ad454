/**
 * What rules emit. A rule never calls PagerDuty, the scheduler or the index
 * itself: its emitter streams (`page`, `drain`, `index`, ...) turn events into
 * `Intent` values and hand them to an `IntentSink`. The rules part owns that
 * narrow function type; alerting, the scheduler and the index consume it, and
 * until they are wired in the default sink (`logIntents`) writes one line per
 * intent.
 */
import type { Event } from "../streams/event.ts";

/** PagerDuty's four severities; nothing else is accepted (Riemann's "ok" is not a severity). */
export type Severity = "critical" | "error" | "warning" | "info";

/** The allowed severities, in decreasing order of urgency. */
export const SEVERITIES: readonly Severity[] = Object.freeze(["critical", "error", "warning", "info"]);

/** Longest page summary, in characters (PagerDuty's `payload.summary` limit). */
export const MAX_SUMMARY_LENGTH = 1024;

/**
 * A rule's alerting policy for one page (all optional; the alerting part's
 * settings supply the rest). `forSeconds`: the page must persist this long
 * before anyone is paged (a resolve before then pages nobody).
 * `resolveAfterSeconds`: a resolve takes effect only after the rule has kept
 * resolving this long (a page within that window keeps the alert firing, no
 * new notification). `renotifySeconds`: re-send the trigger of a still-firing
 * alert this often (0: never). `groupBy: "rule"`: one page per rule listing
 * its subjects (hosts) instead of one page per subject. `routing`: the name
 * of the PagerDuty routing key (never the key itself).
 *
 * @example
 * r.page({ name: "black hole", severity: "warning", summary: "…", alerting: { forSeconds: 120, groupBy: "rule" } });
 */
export interface PageAlerting {
  readonly forSeconds?: number | undefined;
  readonly resolveAfterSeconds?: number | undefined;
  readonly renotifySeconds?: number | undefined;
  readonly groupBy?: "rule" | "none" | undefined;
  readonly routing?: string | undefined;
}

/**
 * Open (or re-trigger) an alert. `key` is the stable identity the alerting
 * part dedups on: `${rule}:${subject}`; the same key on a later `resolve`
 * closes it. `rule` is `<rule file>/<page name>`. `evidence` holds the
 * event(s) that caused the page: the event itself, or the whole window when a
 * window was paged. `host`/`service` come from the last evidence event and are
 * absent for cluster events (whose subject is "*").
 */
export interface PageIntent {
  readonly kind: "page";
  readonly rule: string;
  readonly key: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly time: number;
  readonly host?: string | undefined;
  readonly service?: string | undefined;
  readonly evidence: readonly Event[];
  /** The page's alerting policy, when its `page` call set one (absent otherwise). */
  readonly alerting?: PageAlerting | undefined;
}

/** Close the alert opened by the `page` with the same `rule` and `key`. */
export interface ResolveIntent {
  readonly kind: "resolve";
  readonly rule: string;
  readonly key: string;
  readonly time: number;
  readonly summary?: string | undefined;
}

/**
 * A host action for the scheduler: `drain` (no new tasks, running ones
 * finish), `blacklist` (no new tasks, for `ttl` seconds) or `restore` (the
 * rule no longer objects to the host). `rule` is the rule file's name.
 */
export interface HostIntent {
  readonly kind: "drain" | "blacklist" | "restore";
  readonly rule: string;
  readonly host: string;
  readonly reason: string;
  /** Seconds the action lasts; absent means until restored. Always set on `blacklist`. */
  readonly ttl?: number | undefined;
  readonly time: number;
}

/** Keep `event` in the engine's index (latest event per host and service, expired on TTL). */
export interface IndexIntent {
  readonly kind: "index";
  readonly rule: string;
  readonly event: Event;
}

/** Send `event` to a named output (for example "elasticsearch"); the wiring maps names to adapters. */
export interface ForwardIntent {
  readonly kind: "forward";
  readonly rule: string;
  readonly target: string;
  readonly event: Event;
}

/** Write `message` (may be empty) and a description of `event` to the engine's log. */
export interface LogIntent {
  readonly kind: "log";
  readonly rule: string;
  readonly message: string;
  readonly event: Event;
}

/**
 * Everything a rule can ask for, discriminated by `kind`.
 *
 * @example
 * function route(intent: Intent): void {
 *   switch (intent.kind) {
 *     case "page": alerts.trigger(intent.key, intent.severity, intent.summary); break;
 *     case "resolve": alerts.resolve(intent.key); break;
 *     default: break;
 *   }
 * }
 */
export type Intent = PageIntent | ResolveIntent | HostIntent | IndexIntent | ForwardIntent | LogIntent;

/**
 * Where rules' intents go. Called synchronously from inside the rule's
 * stream; a sink that throws is counted as an error of the emitting rule.
 * Implementations should hand work off (queue, outbox) rather than block.
 *
 * @example
 * const intents: Intent[] = [];
 * const sink: IntentSink = (i) => void intents.push(i);
 */
export type IntentSink = (intent: Intent) => void;

/**
 * The host name that marks a cluster-wide event (an aggregate over hosts, not
 * an observation of one): such events have host "*" (or an empty host), page
 * with subject "*", and carry no host into intents.
 */
export const CLUSTER_HOST = "*";

/**
 * True when `event` describes the cluster rather than one host (host "*" or "").
 *
 * @example
 * isClusterEvent({ host: "*", service: "swapping hosts", time: 0 }); // true
 */
export function isClusterEvent(event: Event): boolean {
  return event.host === CLUSTER_HOST || event.host === "";
}

/**
 * A short human description of an event: host, service, then state and metric when set.
 *
 * @example
 * describeEvent({ host: "h1", service: "load", time: 0, state: "ok", metric: 0.5 }); // "h1 load ok 0.5"
 */
export function describeEvent(event: Event): string {
  let s = `${event.host} ${event.service}`;
  if (event.state !== undefined) s += ` ${event.state}`;
  if (event.metric !== undefined) s += ` ${event.metric}`;
  return s;
}

/**
 * Truncates `summary` to `MAX_SUMMARY_LENGTH` characters, marking the cut with "…".
 *
 * @example
 * truncateSummary("x".repeat(2000)).length; // 1024
 */
export function truncateSummary(summary: string): string {
  return summary.length <= MAX_SUMMARY_LENGTH ? summary : summary.slice(0, MAX_SUMMARY_LENGTH - 1) + "…";
}

/**
 * One human line for an intent, as the default sink logs it.
 *
 * @example
 * formatIntent({ kind: "drain", rule: "swap", host: "h1", reason: "swapping", time: 10 });
 * // "drain h1 (swap): swapping"
 */
export function formatIntent(intent: Intent): string {
  switch (intent.kind) {
    case "page":
      return `page ${intent.severity} ${intent.key}: ${intent.summary}`;
    case "resolve":
      return `resolve ${intent.key}${intent.summary === undefined ? "" : `: ${intent.summary}`}`;
    case "drain":
    case "blacklist":
    case "restore":
      return `${intent.kind} ${intent.host}${intent.ttl === undefined ? "" : ` for ${intent.ttl} s`} (${intent.rule}): ${intent.reason}`;
    case "index":
      return `index ${intent.event.host} ${intent.event.service} (${intent.rule})`;
    case "forward":
      return `forward ${intent.event.host} ${intent.event.service} to ${intent.target} (${intent.rule})`;
    case "log":
      return `log (${intent.rule}) ${intent.message === "" ? "" : intent.message + " "}${describeEvent(intent.event)}`;
  }
}

/**
 * The default sink until alerting and the scheduler are connected: writes
 * `formatIntent(intent)` through `write` (stdout by default). `index` and
 * `forward` intents are not logged: they are routine, one per event.
 *
 * @example
 * const manager = new RuleManager({ dir, clock, sink: logIntents() });
 */
export function logIntents(write: (line: string) => void = (line) => process.stdout.write(line + "\n")): IntentSink {
  return function logIntentSink(intent: Intent): void {
    if (intent.kind === "index" || intent.kind === "forward") return;
    write(formatIntent(intent));
  };
}
