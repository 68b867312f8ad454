/**
 * The PagerDuty notifier: takes notifications from alerting/, writes each to
 * the durable outbox before `enqueue` returns, and delivers them to the
 * Events API v2 in the background. Retries 429, 5xx, timeouts and network
 * errors with exponential backoff and full jitter until a maximum age;
 * gives up on 4xx (PagerDuty says the event is invalid). Keeps per-dedup-key
 * order (a resolve never overtakes its trigger), at most `ratePerMinute`
 * requests per routing key in any 60 s, and picks up undelivered rows after
 * a restart. Routing keys are resolved by name at send time and never
 * written to the outbox, the log, the attempts or errors. All timing is the
 * injected Clock's; docs/pagerduty.md describes the guarantees.
 */
import type { Clock, Timer } from "../streams/clock.ts";
import type { Db } from "../store/database.ts";
import { fingerprint, normalise, toBody } from "./events-v2.ts";
import type { Notification, NotificationAttempt, Notifier } from "./notification.ts";
import { Outbox, type FinalStatus, type OutboxRow } from "./outbox.ts";
import { PAGERDUTY_EVENTS_URL, redactor, resolvePagerDutyOptions, routingKeysFromMap, type PagerDutyOptions, type RoutingKeyResolver } from "./options.ts";
import { backoffSeconds, SlidingWindowLimiter } from "./rate-limit.ts";

/** Log levels of the notifier. */
export type NotifyLogLevel = "error" | "warn" | "info" | "debug";

/** Where the notifier logs; `fields` never hold a routing key. */
export type NotifyLog = (level: NotifyLogLevel, message: string, fields?: Record<string, unknown>) => void;

/**
 * The default log: one JSON line per entry on stderr.
 *
 * @example
 * stderrNotifyLog("warn", "retrying", { dedupKey: "k" }); // {"level":"warn","component":"pagerduty","message":"retrying","dedupKey":"k"}
 */
export const stderrNotifyLog: NotifyLog = (level, message, fields) => {
  process.stderr.write(`${JSON.stringify({ level, component: "pagerduty", message, ...fields })}\n`);
};

/** What `PagerDutyNotifier` needs. */
export interface PagerDutyNotifierConfig {
  /** The store (the outbox table `notify_outbox` is created in it). The caller owns and closes it. */
  readonly db: Db;
  readonly clock: Clock;
  /** Routing name → key: a resolver (e.g. `routingKeysFromEnv()`) or a `{name: key}` map. */
  readonly routingKeys: RoutingKeyResolver | Readonly<Record<string, string>>;
  /** Events v2 endpoint (e.g. `eventsUrlFromEnv()`); default https://events.pagerduty.com/v2/enqueue. */
  readonly eventsUrl?: string;
  /** Called after every attempt (and for rows finished without one), for the alert history. */
  readonly onAttempt?: (a: NotificationAttempt) => void;
  /** A partial `PagerDutyOptions`, validated by `resolvePagerDutyOptions`. */
  readonly options?: unknown;
  /** Default: JSON lines on stderr. */
  readonly log?: NotifyLog;
  /** Source of jitter in [0, 1); default Math.random. */
  readonly random?: () => number;
}

/** Counters of one routing name. `depth` is pending rows in the outbox (in flight included). */
export interface RoutingStats {
  depth: number;
  inFlight: number;
  delivered: number;
  retries: number;
  rejected: number;
  gaveUp: number;
  notConfigured: number;
}

/** `stats()`: totals, since this notifier was built (depth: in the outbox now), and per routing name. */
export interface PagerDutyStats extends RoutingStats {
  /** Notifications written to the outbox by `enqueue`. */
  enqueued: number;
  /** `enqueue` calls ignored as replays of a pending or delivered notification. */
  replays: number;
  byRouting: Record<string, RoutingStats>;
}

type Outcome =
  | { readonly kind: "http"; readonly status: number; readonly text: string; readonly retryAfter: number | undefined }
  | { readonly kind: "error"; readonly error: string }
  | { readonly kind: "closed" };

interface Flight {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

const CLOSED = Symbol("closed");
const TIMEOUT = Symbol("timeout");
const PRUNE_EVERY = 3600;

function emptyStats(): RoutingStats {
  return { depth: 0, inFlight: 0, delivered: 0, retries: 0, rejected: 0, gaveUp: 0, notConfigured: 0 };
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${err.message}: ${typeof code === "string" && !cause.message.includes(code) ? `${code} ` : ""}${cause.message}`;
  }
  return err.message;
}

/** PagerDuty's 400 body `{status, message, errors}` as one line, or the first 500 characters of the body. */
function describeRejection(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; errors?: unknown };
    const errors = Array.isArray(body.errors) ? body.errors.map(String).join("; ") : "";
    if (typeof body.message === "string") return errors === "" ? body.message : `${body.message}: ${errors}`;
  } catch {
    // not JSON
  }
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

function isRetryable(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/**
 * Delivers notifications to PagerDuty's Events API v2 through a durable
 * SQLite outbox. See the file header and docs/pagerduty.md.
 *
 * Guarantees: a notification is on disk when `enqueue` returns; it is sent
 * at least once unless rejected (4xx), not configured, or older than
 * `maxAgeSeconds`; later notifications of a dedup key are sent only after
 * earlier ones are finished; after a crash mid-request the row is sent
 * again, which PagerDuty folds into the open alert of that dedup key.
 *
 * @example
 * const notifier = new PagerDutyNotifier({ db: openStore("data"), clock: new RealClock(), routingKeys: routingKeysFromEnv(), eventsUrl: eventsUrlFromEnv() });
 * notifier.enqueue({ action: "trigger", dedupKey: "disk-full/web-1", routing: "default",
 *   payload: { summary: "web-1 disk 97% full", source: "web-1", severity: "critical" } });
 * await notifier.idle();
 */
export class PagerDutyNotifier implements Notifier {
  /** The outbox table, for inspection (UI, tests). */
  readonly outbox: Outbox;
  /** Settings after defaults. */
  readonly options: PagerDutyOptions;
  private readonly clock: Clock;
  private readonly url: string;
  private readonly resolveKey: RoutingKeyResolver;
  private readonly onAttempt: ((a: NotificationAttempt) => void) | undefined;
  private readonly log: NotifyLog;
  private readonly random: () => number;
  private readonly limiter: SlidingWindowLimiter;
  private readonly secrets = new Set<string>();
  private readonly flights = new Map<string, Flight>();
  private readonly counters = new Map<string, RoutingStats>();
  private readonly warnedNotConfigured = new Set<string>();
  private readonly idleWaiters: (() => void)[] = [];
  private wakeTimer: Timer | undefined;
  private pumpQueued = false;
  private closed = false;
  private lastPrune = -Infinity;
  private enqueued = 0;
  private replays = 0;

  constructor(config: PagerDutyNotifierConfig) {
    this.options = resolvePagerDutyOptions(config.options);
    this.clock = config.clock;
    this.url = config.eventsUrl ?? PAGERDUTY_EVENTS_URL;
    try {
      const u = new URL(this.url);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("not http(s)");
    } catch {
      throw new Error(`pagerduty.eventsUrl must be an http(s) URL, got ${JSON.stringify(this.url)}`);
    }
    if (typeof config.routingKeys === "function") {
      this.resolveKey = config.routingKeys;
    } else {
      for (const k of Object.values(config.routingKeys)) if (typeof k === "string") this.secrets.add(k);
      this.resolveKey = routingKeysFromMap(config.routingKeys);
    }
    this.onAttempt = config.onAttempt;
    this.log = config.log ?? stderrNotifyLog;
    this.random = config.random ?? Math.random;
    this.limiter = new SlidingWindowLimiter(this.options.ratePerMinute, 60);
    this.outbox = new Outbox(config.db);
    this.prune(this.clock.now());
    const pending = this.outbox.depthByRouting();
    if (pending.size > 0) {
      this.log("info", "resuming undelivered notifications from the outbox", { pending: Object.fromEntries(pending) });
    }
    this.schedulePump();
  }

  /**
   * Writes `n` to the outbox (committed before this returns) and schedules
   * its delivery. A replay — the newest outbox row of this dedup key has the
   * same action and content and is pending or delivered — is a no-op.
   * Throws a TypeError on a malformed notification (unknown action, empty
   * dedup key or routing name) and an Error after `close()`.
   */
  enqueue(n: Notification): void {
    if (this.closed) throw new Error("PagerDutyNotifier is closed");
    if (n.action !== "trigger" && n.action !== "acknowledge" && n.action !== "resolve") {
      throw new TypeError(`notification action must be trigger, acknowledge or resolve, got ${JSON.stringify(n.action)}`);
    }
    if (typeof n.dedupKey !== "string" || n.dedupKey === "") throw new TypeError("notification dedupKey must be a non-empty string");
    if (typeof n.routing !== "string" || n.routing === "") throw new TypeError("notification routing must be a non-empty routing name");
    const now = this.clock.now();
    const message = normalise(n, now, this.options.client, this.options.maxPayloadBytes);
    const id = this.outbox.add({ dedupKey: n.dedupKey, action: n.action, routing: n.routing, message, fingerprint: fingerprint(n) }, now);
    if (id === undefined) {
      this.replays++;
      this.log("debug", "replayed notification ignored: already pending or delivered", { dedupKey: n.dedupKey, action: n.action, routing: n.routing });
      return;
    }
    this.enqueued++;
    if (message.notes.length > 0) this.log("warn", "notification adjusted to PagerDuty's limits", { dedupKey: n.dedupKey, action: n.action, notes: message.notes });
    if (now - this.lastPrune >= PRUNE_EVERY) this.prune(now);
    this.schedulePump();
  }

  /**
   * Resolves when no request is in flight and no delivery work is runnable
   * now. Rows waiting for a backoff or the rate limit do not count: they run
   * when the clock reaches `nextWakeAt()`.
   */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** When the next waiting row becomes due (backoff or rate limit), if any. */
  nextWakeAt(): number | undefined {
    return this.wakeTimer?.at;
  }

  /** Counters for tests and /metrics. */
  stats(): PagerDutyStats {
    const byRouting: Record<string, RoutingStats> = {};
    const total: PagerDutyStats = { ...emptyStats(), enqueued: this.enqueued, replays: this.replays, byRouting };
    const depth = this.outbox.depthByRouting();
    const names = new Set([...this.counters.keys(), ...depth.keys()]);
    for (const name of [...names].sort()) {
      const s: RoutingStats = { ...(this.counters.get(name) ?? emptyStats()), depth: depth.get(name) ?? 0 };
      byRouting[name] = s;
      total.depth += s.depth;
      total.inFlight += s.inFlight;
      total.delivered += s.delivered;
      total.retries += s.retries;
      total.rejected += s.rejected;
      total.gaveUp += s.gaveUp;
      total.notConfigured += s.notConfigured;
    }
    return total;
  }

  /**
   * Stops delivering: cancels the wake-up timer and aborts requests in
   * flight without recording their outcome (their rows stay pending and are
   * sent by the next notifier on this store). Does not close the database.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeTimer?.cancel();
    this.wakeTimer = undefined;
    const flights = [...this.flights.values()];
    for (const f of flights) f.controller.abort(CLOSED);
    await Promise.allSettled(flights.map((f) => f.done));
    this.resolveIdle();
  }

  private isIdle(): boolean {
    return this.closed || (this.flights.size === 0 && !this.pumpQueued);
  }

  private resolveIdle(): void {
    if (!this.isIdle()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private routingStats(name: string): RoutingStats {
    let s = this.counters.get(name);
    if (s === undefined) this.counters.set(name, (s = emptyStats()));
    return s;
  }

  private redact(text: string): string {
    return redactor(this.secrets)(text);
  }

  private key(name: string): string | undefined {
    const k = this.resolveKey(name);
    if (k !== undefined && k !== "") {
      this.secrets.add(k);
      return k;
    }
    return undefined;
  }

  private prune(now: number): void {
    this.lastPrune = now;
    const n = this.outbox.prune(now - this.options.retentionSeconds);
    if (n > 0) this.log("debug", "pruned finished outbox rows", { rows: n });
  }

  private schedulePump(): void {
    if (this.pumpQueued || this.closed) return;
    this.pumpQueued = true;
    queueMicrotask(() => this.pump());
  }

  /** Starts every runnable head row; arms one timer for the earliest waiting one. */
  private pump(): void {
    this.pumpQueued = false;
    if (this.closed) return;
    try {
      const now = this.clock.now();
      let wake = Infinity;
      let again = false;
      for (const row of this.outbox.heads()) {
        if (this.flights.size >= this.options.concurrency) break; // a finishing request pumps again
        if (this.flights.has(row.dedupKey)) continue;
        if (row.nextAttemptAt > now) {
          wake = Math.min(wake, row.nextAttemptAt);
          continue;
        }
        if (now - row.createdAt >= this.options.maxAgeSeconds) {
          this.finish(row, "gave-up", row.attempts, now, row.lastStatus, `not delivered within ${this.options.maxAgeSeconds} s${row.lastError ? ` (last error: ${row.lastError})` : ""}`);
          again = true;
          continue;
        }
        const key = this.key(row.routing);
        if (key === undefined) {
          this.finish(row, "not-configured", row.attempts + 1, now, null, `no routing key configured for routing name "${row.routing}"`);
          again = true;
          continue;
        }
        const at = this.limiter.availableAt(key, now);
        if (at > now) {
          wake = Math.min(wake, at);
          continue;
        }
        this.send(row, key, now);
      }
      if (again) this.schedulePump();
      this.arm(wake);
    } catch (err) {
      this.log("error", "notifier loop failed; retrying at the next wake-up", { error: this.redact(describeError(err)) });
      this.arm(this.clock.now() + this.options.backoffBaseSeconds);
    }
    this.resolveIdle();
  }

  private arm(at: number): void {
    if (!Number.isFinite(at) || this.closed) return;
    if (this.wakeTimer !== undefined && this.wakeTimer.at <= at) return;
    this.wakeTimer?.cancel();
    this.wakeTimer = this.clock.setTimer(at, () => {
      this.wakeTimer = undefined;
      this.pump();
    });
  }

  private send(row: OutboxRow, key: string, now: number): void {
    const attempt = this.outbox.startAttempt(row.id, now);
    if (attempt === undefined) return;
    this.limiter.take(key, now);
    const controller = new AbortController();
    const stats = this.routingStats(row.routing);
    stats.inFlight++;
    const body = JSON.stringify(toBody(row.message, key, this.options.client, this.options.clientUrl));
    const done = this.request(body, controller)
      .then((outcome) => this.settle(row, key, attempt, outcome))
      .catch((err: unknown) => this.log("error", "recording a delivery outcome failed", { dedupKey: row.dedupKey, error: this.redact(describeError(err)) }))
      .finally(() => {
        stats.inFlight--;
        this.flights.delete(row.dedupKey);
        this.schedulePump();
        this.resolveIdle();
      });
    this.flights.set(row.dedupKey, { controller, done });
  }

  private async request(body: string, controller: AbortController): Promise<Outcome> {
    const timer = this.clock.setTimer(this.clock.now() + this.options.requestTimeoutSeconds, () => controller.abort(TIMEOUT));
    try {
      const res = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body,
        redirect: "manual",
        signal: controller.signal,
      });
      const text = await res.text();
      const ra = Number(res.headers.get("retry-after"));
      return { kind: "http", status: res.status, text, retryAfter: Number.isFinite(ra) && ra > 0 ? ra : undefined };
    } catch (err) {
      if (controller.signal.aborted && controller.signal.reason === CLOSED) return { kind: "closed" };
      if (controller.signal.aborted && controller.signal.reason === TIMEOUT) return { kind: "error", error: `timed out after ${this.options.requestTimeoutSeconds} s` };
      return { kind: "error", error: describeError(err) };
    } finally {
      timer.cancel();
    }
  }

  private settle(row: OutboxRow, key: string, attempt: number, outcome: Outcome): void {
    if (this.closed || outcome.kind === "closed") return; // as if killed: the row stays pending
    const now = this.clock.now();
    const status = outcome.kind === "http" ? outcome.status : null;
    if (status !== null && status >= 200 && status < 300) {
      this.finish(row, "delivered", attempt, now, status, null);
      return;
    }
    if (status !== null && !isRetryable(status)) {
      const reason = this.redact(describeRejection(outcome.kind === "http" ? outcome.text : ""));
      this.finish(row, "rejected", attempt, now, status, `PagerDuty answered ${status}: ${reason}`);
      return;
    }
    const error = this.redact(outcome.kind === "http" ? `PagerDuty answered ${outcome.status}: ${describeRejection(outcome.text)}` : outcome.kind === "error" ? outcome.error : "");
    if (now - row.createdAt >= this.options.maxAgeSeconds) {
      this.finish(row, "gave-up", attempt, now, status, error);
      return;
    }
    let delay = backoffSeconds(attempt, this.options.backoffBaseSeconds, this.options.backoffCapSeconds, this.random);
    if (status === 429) {
      if (outcome.kind === "http" && outcome.retryAfter !== undefined) delay = Math.max(delay, Math.min(outcome.retryAfter, this.options.backoffCapSeconds));
      this.limiter.pause(key, now + delay);
    }
    this.outbox.retryAt(row.id, now + delay, status, error);
    this.routingStats(row.routing).retries++;
    this.log("warn", "delivery failed; retrying", { dedupKey: row.dedupKey, action: row.action, routing: row.routing, attempt, status, error, retryInSeconds: Math.round(delay * 1000) / 1000 });
    this.report({ dedupKey: row.dedupKey, action: row.action, attempt, time: now, outcome: "retrying", ...(status !== null ? { status } : {}), error });
  }

  /** Moves a row to a final status and reports it. */
  private finish(row: OutboxRow, final: FinalStatus, attempt: number, now: number, status: number | null, error: string | null): void {
    this.outbox.finish(row.id, final, now, status, error);
    const s = this.routingStats(row.routing);
    const fields = { dedupKey: row.dedupKey, action: row.action, routing: row.routing, attempt, ...(status !== null ? { status } : {}) };
    switch (final) {
      case "delivered":
        s.delivered++;
        this.log("info", "delivered", fields);
        break;
      case "rejected":
        s.rejected++;
        this.log("error", "PagerDuty rejected the event; not retried", { ...fields, error });
        break;
      case "gave-up":
        s.gaveUp++;
        this.log("error", "gave up delivering", { ...fields, error });
        break;
      case "not-configured": {
        s.notConfigured++;
        const summary = row.message.payload?.summary;
        this.log(this.warnedNotConfigured.has(row.routing) ? "info" : "warn", "not sent to PagerDuty: no routing key for this routing name (shown locally only)", {
          ...fields,
          ...(summary !== undefined ? { summary } : {}),
        });
        this.warnedNotConfigured.add(row.routing);
        break;
      }
    }
    this.report({ dedupKey: row.dedupKey, action: row.action, attempt, time: now, outcome: final, ...(status !== null ? { status } : {}), ...(error !== null ? { error } : {}) });
  }

  private report(a: NotificationAttempt): void {
    if (this.onAttempt === undefined) return;
    try {
      this.onAttempt(a);
    } catch (err) {
      this.log("error", "onAttempt callback threw", { error: this.redact(describeError(err)) });
    }
  }
}
