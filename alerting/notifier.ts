/**
 * The one seam between alerting and delivery: alerting decides *what* to tell
 * PagerDuty (trigger, acknowledge, resolve, with a stable dedup key) and hands
 * a `Notification` to a `Notifier`; the notify part (durable outbox, retries,
 * rate limits, the HTTP call) decides *how* and reports each attempt back as a
 * `NotificationAttempt`, which alerting stores in its history. Nothing here
 * knows a routing key: `routing` is a name the notifier maps to a key.
 */

/** PagerDuty's severities (Events API v2 `payload.severity`). */
export type NotificationSeverity = "critical" | "error" | "warning" | "info";

/**
 * The PagerDuty Events v2 alert payload, field for field (`payload.*`).
 * `summary` is at most 1024 characters; the whole event is kept under 512 KB
 * by the alerting part (it trims `custom_details` first).
 */
export interface NotificationPayload {
  readonly summary: string;
  readonly source: string;
  readonly severity: NotificationSeverity;
  /** ISO 8601; when the alert started firing. */
  readonly timestamp?: string;
  readonly component?: string;
  readonly group?: string;
  readonly class?: string;
  readonly custom_details?: Record<string, unknown>;
}

/**
 * One event for PagerDuty. Alerting builds it; the notifier adds the routing
 * key for `routing` and sends it as `{routing_key, event_action: action,
 * dedup_key: dedupKey, payload, links}`.
 *
 * - `dedupKey` is deterministic: derived from the alert identity (rule +
 *   subject), or the rule for a grouped page; at most 255 characters (a
 *   longer identity is cut and suffixed with its SHA-256).
 * - `routing` is the routing-key NAME ("default" or a service name), never the
 *   key itself; a follow-up (acknowledge/resolve) always carries the same
 *   `routing` as its trigger, so PagerDuty does not drop it.
 * - `payload` is set on `trigger` and absent on `acknowledge`/`resolve`.
 *
 * @example
 * const n: Notification = {
 *   action: "trigger",
 *   dedupKey: "filesystem-full/filesystem full:web1:/var",
 *   routing: "default",
 *   payload: { summary: "web1: /var is 93% full", source: "web1", severity: "error" },
 * };
 */
export interface Notification {
  readonly action: "trigger" | "acknowledge" | "resolve";
  readonly dedupKey: string;
  readonly routing: string;
  readonly payload?: NotificationPayload;
  readonly links?: readonly { readonly href: string; readonly text: string }[];
}

/**
 * What happened to one delivery attempt of a notification, as the notifier
 * reports it to `Alerting.recordAttempt`.
 *
 * - `delivered`: PagerDuty answered 2xx (202).
 * - `retrying`: 429, 5xx, a timeout or a network error; another attempt is scheduled.
 * - `rejected`: a 4xx other than 429; not retried.
 * - `not-configured`: no routing key for `routing`; shown and logged locally only.
 * - `gave-up`: the last retry failed; the notification is dropped.
 *
 * `time` is unix seconds (the notifier's injected clock).
 *
 * @example
 * alerting.recordAttempt({ dedupKey: n.dedupKey, action: "trigger", attempt: 1, time: clock.now(), outcome: "delivered", status: 202 });
 */
export interface NotificationAttempt {
  readonly dedupKey: string;
  readonly action: Notification["action"];
  readonly attempt: number;
  readonly time: number;
  readonly outcome: "delivered" | "retrying" | "rejected" | "not-configured" | "gave-up";
  readonly status?: number;
  readonly error?: string;
}

/**
 * Accepts notifications for delivery. Durable and asynchronous: `enqueue`
 * returns once the notification is recorded for sending, and never throws
 * for delivery problems (those are reported as `NotificationAttempt`s).
 *
 * Alerting calls `enqueue` inside its own SQLite transaction (the one that
 * records the alert's new state). A notifier whose outbox lives in the same
 * database should write its outbox row synchronously inside `enqueue`: the
 * state change and the outbox row then commit together, so a crash can
 * neither lose a page nor send a second trigger after the restart. (If
 * `enqueue` throws, the alert's state change is rolled back too.)
 *
 * @example
 * const sent: Notification[] = [];
 * const notifier: Notifier = { enqueue: (n) => void sent.push(n) };
 */
export interface Notifier {
  enqueue(n: Notification): void;
}
