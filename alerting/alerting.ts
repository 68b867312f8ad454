/**
 * The alert lifecycle: rules' `page` and `resolve` intents in, PagerDuty
 * notifications out (through a `Notifier`), with every step in SQLite so a
 * restart resumes where it stopped. An alert is one identity (the intent's
 * `key`, rule + subject) going through episodes: pending → firing → resolved.
 *
 * - Dedup: a page of a pending or firing alert changes nothing but its
 *   summary, severity and evidence; only a re-notify interval re-sends.
 * - Minimum duration (`forSeconds`): pending until paged that long; a resolve
 *   before then ends the episode without anyone being paged.
 * - Resolve hysteresis (`resolveAfterSeconds`): a resolve takes effect after
 *   the rule has kept resolving that long; a page within the window keeps the
 *   alert firing with no new notification (counted as a flap).
 * - Grouping (`groupBy: "rule"`): the firing alerts of one rule share one
 *   PagerDuty alert (dedup key = the rule) listing their hosts; the first
 *   trigger waits `groupWaitSeconds` for more hosts, updates are throttled to
 *   one per `groupIntervalSeconds`, and it resolves when the last one does.
 * - Silences and maintenance windows mute alerts: a muted alert is not paged,
 *   but one paged before the mute still sends its resolve, and one still
 *   firing when the mute ends is paged then.
 * - History: every state change, mute, notification and delivery attempt.
 *
 * All time comes from the injected Clock; timers are recomputed from stored
 * timestamps on start. Differs from Alertmanager: alerts are persisted (no
 * re-sending client needed after a restart), silenced alerts still resolve
 * (alertmanager#226), a silence's end pages at once (alertmanager#2896), and
 * a host joining an open group updates its page without paging again.
 */
import { createHash } from "node:crypto";
import type { Intent, IntentSink, PageIntent, ResolveIntent, Severity } from "../rules/intents.ts";
import { migrate, type Db } from "../store/database.ts";
import type { Clock, Timer } from "../streams/clock.ts";
import type { Event } from "../streams/event.ts";
import { AlertingInputError } from "./errors.ts";
import { iso, resolveMaintenanceInput, resolveSilenceInput, type MaintenanceInput, type SilenceInput } from "./input.ts";
import type { Labels } from "./matchers.ts";
import { MAINTENANCE, MuteWindows, SILENCES, type MaintenanceRecord, type MaintenanceView, type MuteWindow, type SilenceRecord, type SilenceView, type WindowInput } from "./mute-windows.ts";
import type { Notification, NotificationAttempt, Notifier } from "./notifier.ts";
import { policyFor, resolveAlertingOptions, type AlertingOptions, type AlertPolicy } from "./options.ts";
import { alertTrigger, dedupKeyFor, followUp, groupTrigger, type PayloadSettings } from "./payload.ts";
import { ALERTING_MIGRATIONS } from "./schema.ts";

/** Where an alert's current episode is. */
export type AlertState = "pending" | "firing" | "resolved";

/** The silences and maintenance windows muting an alert (both empty: not muted). */
export interface Mutes {
  readonly silences: readonly number[];
  readonly maintenance: readonly number[];
}

const NO_MUTES: Mutes = Object.freeze({ silences: Object.freeze([]), maintenance: Object.freeze([]) });

/** An alert as the API shows it. Times are ISO 8601 strings (null when not set). */
export interface AlertView {
  readonly id: number;
  readonly key: string;
  readonly rule: string;
  readonly subject: string;
  readonly host: string | null;
  readonly service: string | null;
  readonly severity: Severity;
  readonly summary: string;
  readonly state: AlertState;
  /** Firing, but the rule has been resolving since `resolvingSince` (hysteresis running). */
  readonly resolving: boolean;
  /** 1 for the first pending → firing → resolved run of this identity, then 2, ... */
  readonly episode: number;
  readonly startsAt: string;
  readonly firingSince: string | null;
  readonly resolvingSince: string | null;
  readonly resolvedAt: string | null;
  readonly lastPageAt: string;
  /** A trigger for this episode went to the notifier (directly or in its group's page). */
  readonly notified: boolean;
  readonly lastNotifiedAt: string | null;
  readonly muted: boolean;
  readonly mutedBy: Mutes;
  readonly dedupKey: string;
  readonly routing: string;
  /** The group key (the rule) when grouped, else null. */
  readonly group: string | null;
  /** Pages received while resolving, this episode (each one kept the alert firing). */
  readonly flaps: number;
  readonly policy: AlertPolicy;
  /** Attributes of the event that opened the episode (matchers see these plus host, service, rule, ...). */
  readonly labels: Readonly<Record<string, string>>;
  /** The last evidence events (only on single-alert reads). */
  readonly evidence?: readonly Event[];
  /** The alert's history (with `include=history`). */
  readonly history?: readonly HistoryEntry[];
}

/** One line of history. */
export interface HistoryEntry {
  readonly id: number;
  readonly time: string;
  /** pending | firing | resolved | muted | unmuted | notification | attempt | silence-created | silence-expired | maintenance-created | maintenance-ended */
  readonly kind: string;
  readonly alertId: number | null;
  readonly episode: number | null;
  readonly group: string | null;
  readonly dedupKey: string | null;
  readonly silenceId: number | null;
  readonly maintenanceId: number | null;
  readonly rule: string | null;
  readonly host: string | null;
  /** trigger | resolve | acknowledge, on notification and attempt entries. */
  readonly action: string | null;
  /** An attempt's outcome: delivered | retrying | rejected | not-configured | gave-up. */
  readonly outcome: string | null;
  readonly detail: Record<string, unknown> | null;
}

/** The alert a history entry is about, as it was when the entry was written. */
export interface HistoryAlert {
  readonly key: string;
  readonly rule: string;
  readonly host: string | null;
  readonly service: string | null;
  readonly severity: Severity;
  readonly summary: string;
  readonly state: AlertState;
  /** A silence or maintenance window mutes it. */
  readonly muted: boolean;
}

/**
 * A history entry just committed to the store, as `AlertingDeps.onHistory`
 * receives it: the `HistoryEntry` plus its time in unix seconds and, for
 * entries about one alert, that alert as it was then.
 */
export interface CommittedHistoryEntry extends HistoryEntry {
  /** `time` in unix seconds. */
  readonly unixTime: number;
  /** Undefined for silence, maintenance and group entries. */
  readonly alert: HistoryAlert | undefined;
}

/** A silence as the API shows it. */
export type { MaintenanceView, SilenceView } from "./mute-windows.ts";

/** Filters of `listAlerts`. */
export interface AlertFilter {
  /** Only these states; "active" is pending + firing. Default: all. */
  readonly states?: readonly (AlertState | "active")[];
  /** A rule (`file/name`) or a rules file (`file`). */
  readonly rule?: string;
  readonly host?: string;
  /** Only alerts active at or after this time (unix seconds): not resolved, or resolved since. */
  readonly since?: number;
  /** Most alerts returned. Default 500. */
  readonly limit?: number;
  /** Attach each alert's history (its last `historyLimit` entries). */
  readonly includeHistory?: boolean;
  readonly historyLimit?: number;
}

/** Filters of `history`. */
export interface HistoryFilter {
  readonly since?: number;
  readonly kinds?: readonly string[];
  readonly rule?: string;
  readonly host?: string;
  /** Most entries (the latest ones). Default 500. */
  readonly limit?: number;
}

/** What `Alerting` is built from. */
export interface AlertingDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly notifier: Notifier;
  /** Base URL of this Satellite (e.g. "http://satellite.example:5001"): pages link back to the alert. */
  readonly webUrl?: string | undefined;
  /** Raw settings, validated by `resolveAlertingOptions` (defaults: `ALERTING_DEFAULTS`). */
  readonly options?: unknown;
  /** Errors thrown inside timer callbacks (default: one line on stderr). */
  readonly onError?: (err: unknown) => void;
  /**
   * Called with each history entry after the transaction that wrote it
   * committed (entries of a rolled-back transaction are never passed), in
   * the order they were written. For mirrors such as Elasticsearch; must
   * not call back into alerting. What it throws goes to `onError`.
   */
  readonly onHistory?: ((entry: CommittedHistoryEntry) => void) | undefined;
}

interface AlertRecord {
  id: number;
  readonly key: string;
  readonly rule: string;
  readonly subject: string;
  readonly host: string | undefined;
  readonly service: string | undefined;
  severity: Severity;
  summary: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly labelSet: Labels;
  evidence: readonly Event[];
  policy: AlertPolicy;
  state: AlertState;
  readonly episode: number;
  readonly startedAt: number;
  firingAt: number | undefined;
  resolvingSince: number | undefined;
  resolvedAt: number | undefined;
  lastPageAt: number;
  notified: boolean;
  lastNotifiedAt: number | undefined;
  readonly dedupKey: string;
  readonly routing: string;
  readonly groupKey: string | undefined;
  mutedBy: Mutes;
  flaps: number;
  readonly createdAt: number;
  updatedAt: number;
  timer: Timer | undefined;
  /** The rule's note on the resolve that started the hysteresis (memory only). */
  resolveNote?: string | undefined;
}

interface GroupRecord {
  readonly key: string;
  readonly rule: string;
  readonly dedupKey: string;
  readonly routing: string;
  renotifySeconds: number;
  open: boolean;
  openedAt: number | undefined;
  lastSentAt: number | undefined;
  signature: string | undefined;
  flushAt: number | undefined;
  readonly members: Set<AlertRecord>;
  timer: Timer | undefined;
}

interface AlertRow {
  id: number;
  key: string;
  rule: string;
  subject: string;
  host: string | null;
  service: string | null;
  severity: string;
  summary: string;
  labels: string;
  evidence: string;
  policy: string;
  state: string;
  episode: number;
  started_at: number;
  firing_at: number | null;
  resolving_since: number | null;
  resolved_at: number | null;
  last_page_at: number;
  notified: number;
  last_notified_at: number | null;
  dedup_key: string;
  routing: string;
  group_key: string | null;
  muted_by: string;
  flaps: number;
  created_at: number;
  updated_at: number;
}

interface GroupRow {
  key: string;
  rule: string;
  dedup_key: string;
  routing: string;
  renotify_seconds: number;
  open: number;
  opened_at: number | null;
  last_sent_at: number | null;
  signature: string | null;
  flush_at: number | null;
}

interface HistoryRow {
  id: number;
  time: number;
  kind: string;
  alert_id: number | null;
  episode: number | null;
  group_key: string | null;
  dedup_key: string | null;
  silence_id: number | null;
  maintenance_id: number | null;
  rule: string | null;
  host: string | null;
  action: string | null;
  outcome: string | null;
  detail: string | null;
}

interface HistoryFields {
  readonly alert?: AlertRecord;
  readonly group?: GroupRecord;
  readonly dedupKey?: string;
  readonly silenceId?: number;
  readonly maintenanceId?: number;
  readonly rule?: string;
  readonly host?: string;
  readonly action?: string;
  readonly outcome?: string;
  readonly detail?: Record<string, unknown>;
}

/** Most history entries attached per alert by `include=history`, by default. */
export const DEFAULT_HISTORY_LIMIT = 200;

/** Most rows a list returns, by default and at most. */
export const LIST_LIMITS = Object.freeze({ default: 500, max: 5000 });

/** How often old history is pruned, seconds (checked when intents arrive). */
const PRUNE_EVERY_SECONDS = 3600;

function isMuted(m: Mutes): boolean {
  return m.silences.length > 0 || m.maintenance.length > 0;
}

function sameMutes(a: Mutes, b: Mutes): boolean {
  if (a.silences.length !== b.silences.length || a.maintenance.length !== b.maintenance.length) return false;
  for (let i = 0; i < a.silences.length; i++) if (a.silences[i] !== b.silences[i]) return false;
  for (let i = 0; i < a.maintenance.length; i++) if (a.maintenance[i] !== b.maintenance[i]) return false;
  return true;
}

function attributesOf(evidence: readonly Event[]): Record<string, string> {
  const last = evidence[evidence.length - 1];
  const out: Record<string, string> = {};
  if (last?.attributes !== undefined) for (const [k, v] of Object.entries(last.attributes)) if (typeof v === "string") out[k] = v;
  return out;
}

function optional(v: string | null): string | undefined {
  return v === null ? undefined : v;
}

function num(v: number | null): number | undefined {
  return v === null ? undefined : v;
}

type Statements = ReturnType<typeof statements>;

function statements(db: Db) {
  return {
    alertByKey: db.prepare("SELECT * FROM alerting_alerts WHERE key = ?"),
    alertById: db.prepare("SELECT * FROM alerting_alerts WHERE id = ?"),
    activeAlerts: db.prepare("SELECT * FROM alerting_alerts WHERE state != 'resolved'"),
    insertAlert: db.prepare(`INSERT INTO alerting_alerts (key, rule, subject, host, service, severity, summary, labels, evidence, policy, state, episode, started_at, firing_at,
      resolving_since, resolved_at, last_page_at, notified, last_notified_at, dedup_key, routing, group_key, muted_by, flaps, created_at, updated_at)
      VALUES (@key, @rule, @subject, @host, @service, @severity, @summary, @labels, @evidence, @policy, @state, @episode, @started_at, @firing_at,
      @resolving_since, @resolved_at, @last_page_at, @notified, @last_notified_at, @dedup_key, @routing, @group_key, @muted_by, @flaps, @created_at, @updated_at)`),
    updateAlert: db.prepare(`UPDATE alerting_alerts SET rule = @rule, subject = @subject, host = @host, service = @service, severity = @severity, summary = @summary,
      labels = @labels, evidence = @evidence, policy = @policy, state = @state, episode = @episode, started_at = @started_at, firing_at = @firing_at,
      resolving_since = @resolving_since, resolved_at = @resolved_at, last_page_at = @last_page_at, notified = @notified, last_notified_at = @last_notified_at,
      dedup_key = @dedup_key, routing = @routing, group_key = @group_key, muted_by = @muted_by, flaps = @flaps, updated_at = @updated_at WHERE id = @id`),
    alertForDedup: db.prepare("SELECT id, episode, rule, host FROM alerting_alerts WHERE dedup_key = ? AND group_key IS NULL ORDER BY updated_at DESC LIMIT 1"),
    groups: db.prepare("SELECT * FROM alerting_groups"),
    groupForDedup: db.prepare("SELECT key, rule FROM alerting_groups WHERE dedup_key = ?"),
    upsertGroup: db.prepare(`INSERT INTO alerting_groups (key, rule, dedup_key, routing, renotify_seconds, open, opened_at, last_sent_at, signature, flush_at, updated_at)
      VALUES (@key, @rule, @dedup_key, @routing, @renotify_seconds, @open, @opened_at, @last_sent_at, @signature, @flush_at, @updated_at)
      ON CONFLICT(key) DO UPDATE SET rule = excluded.rule, dedup_key = excluded.dedup_key, routing = excluded.routing, renotify_seconds = excluded.renotify_seconds,
      open = excluded.open, opened_at = excluded.opened_at, last_sent_at = excluded.last_sent_at, signature = excluded.signature, flush_at = excluded.flush_at, updated_at = excluded.updated_at`),
    deleteGroup: db.prepare("DELETE FROM alerting_groups WHERE key = ?"),
    insertHistory: db.prepare(`INSERT INTO alerting_history (time, kind, alert_id, episode, group_key, dedup_key, silence_id, maintenance_id, rule, host, action, outcome, detail)
      VALUES (@time, @kind, @alert_id, @episode, @group_key, @dedup_key, @silence_id, @maintenance_id, @rule, @host, @action, @outcome, @detail)`),
    alertHistory: db.prepare(`SELECT * FROM (SELECT * FROM alerting_history WHERE alert_id = @id OR (alert_id IS NULL AND dedup_key = @dedup AND time >= @since)
      ORDER BY id DESC LIMIT @limit) ORDER BY id`),
  };
}

/**
 * The alerting part: the lifecycle of alerts, silences, maintenance windows
 * and their history, persisted in the store. Feed it intents through
 * `handle` (an `IntentSink`), give it the notifier's attempts through
 * `recordAttempt`, and serve it over HTTP with `alertsRouter`.
 *
 * @example
 * const alerting = new Alerting({ db: openStore("data"), clock: new RealClock(), notifier });
 * const manager = new RuleManager({ dir, clock, sink: alerting.handle });
 * app.use("/api/v1", alertsRouter(alerting));
 */
export class Alerting {
  /** The settings in effect (defaults filled in). */
  readonly options: AlertingOptions;
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly notifier: Notifier;
  private readonly onError: (err: unknown) => void;
  private readonly payload: PayloadSettings;
  private readonly active = new Map<string, AlertRecord>();
  private readonly groups = new Map<string, GroupRecord>();
  private readonly silences: MuteWindows<SilenceRecord, SilenceInput, SilenceView>;
  private readonly maintenance: MuteWindows<MaintenanceRecord, MaintenanceInput, MaintenanceView>;
  private readonly dirty = new Set<AlertRecord>();
  private boundaryTimer: Timer | undefined;
  private lastPrune = -Infinity;
  private closed = false;
  private readonly runTx: (fn: () => void) => void;
  private readonly q: Statements;
  private readonly onHistory: ((entry: CommittedHistoryEntry) => void) | undefined;
  /** History written inside a transaction still open, for `onHistory`. */
  private readonly uncommitted: CommittedHistoryEntry[] = [];

  constructor(deps: AlertingDeps) {
    this.options = resolveAlertingOptions(deps.options);
    this.db = deps.db;
    this.clock = deps.clock;
    this.notifier = deps.notifier;
    this.onError = deps.onError ?? ((err) => process.stderr.write(`alerting: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`));
    this.payload = { source: this.options.source, webUrl: deps.webUrl, groupListLimit: this.options.groupListLimit };
    this.onHistory = deps.onHistory;
    migrate(this.db, "alerting", ALERTING_MIGRATIONS);
    this.runTx = this.db.transaction((fn: () => void) => fn());
    this.q = statements(this.db);
    this.silences = new MuteWindows(this.db, SILENCES);
    this.maintenance = new MuteWindows(this.db, MAINTENANCE);
    this.load();
  }

  /** The alerting clock's time, unix seconds (for callers parsing relative times). */
  now(): number {
    return this.clock.now();
  }

  /**
   * The `IntentSink`: `page` and `resolve` intents drive the lifecycle; other
   * kinds are ignored (hand the same sink to the scheduler's adapter). A bound
   * function, so `sink: alerting.handle` works. Ignored after `close()`.
   */
  readonly handle: IntentSink = (intent: Intent): void => {
    if (this.closed) return;
    if (intent.kind === "page") this.onPage(intent);
    else if (intent.kind === "resolve") this.onResolve(intent);
    else return;
    const now = this.clock.now();
    if (now - this.lastPrune >= PRUNE_EVERY_SECONDS) this.prune(now);
  };

  /**
   * Stores a delivery attempt reported by the notifier in the history, tied
   * to the alert (or group) whose dedup key it carries.
   *
   * @example
   * alerting.recordAttempt({ dedupKey, action: "trigger", attempt: 2, time: clock.now(), outcome: "retrying", status: 503 });
   */
  recordAttempt(a: NotificationAttempt): void {
    if (!this.db.open) return; // still recorded after close(): the notifier may finish its last sends
    let alert = undefined as { id: number; episode: number; rule: string; host: string | null } | undefined;
    let group = undefined as { key: string; rule: string } | undefined;
    const target = this.activeByDedup(a.dedupKey);
    if (target !== undefined) alert = { id: target.id, episode: target.episode, rule: target.rule, host: target.host ?? null };
    else {
      const g = [...this.groups.values()].find((x) => x.dedupKey === a.dedupKey);
      if (g !== undefined) group = { key: g.key, rule: g.rule };
      else {
        alert = this.q.alertForDedup.get(a.dedupKey) as typeof alert;
        if (alert === undefined) group = this.q.groupForDedup.get(a.dedupKey) as typeof group;
      }
    }
    const detail: Record<string, unknown> = { attempt: a.attempt };
    if (a.status !== undefined) detail.status = a.status;
    if (a.error !== undefined) detail.error = a.error;
    const row: Omit<HistoryRow, "id"> = {
      time: a.time,
      kind: "attempt",
      alert_id: alert?.id ?? null,
      episode: alert?.episode ?? null,
      group_key: group?.key ?? null,
      dedup_key: a.dedupKey,
      silence_id: null,
      maintenance_id: null,
      rule: alert?.rule ?? group?.rule ?? null,
      host: alert?.host ?? null,
      action: a.action,
      outcome: a.outcome,
      detail: JSON.stringify(detail),
    };
    const info = this.q.insertHistory.run(row);
    if (this.onHistory !== undefined) this.written(Number(info.lastInsertRowid), row, target);
  }

  // ---------------------------------------------------------------- lifecycle

  private onPage(p: PageIntent): void {
    const now = this.clock.now();
    const a = this.active.get(p.key);
    if (a === undefined) {
      this.tx(() => this.openEpisode(p, now));
      return;
    }
    // Dedup: an open alert only takes the page's latest words.
    a.summary = p.summary;
    a.severity = p.severity;
    a.lastPageAt = now;
    if (p.evidence.length > 0) a.evidence = p.evidence.slice(-this.options.evidenceLimit);
    const policy = policyFor(this.options, p.alerting);
    a.policy = { ...policy, groupBy: a.policy.groupBy, routing: a.policy.routing }; // grouping and routing are fixed per episode
    if (a.resolvingSince !== undefined) {
      a.resolvingSince = undefined;
      a.flaps++;
      this.tx(() => this.save(a, now));
    } else {
      this.dirty.add(a);
    }
    this.reschedule(a);
  }

  private openEpisode(p: PageIntent, now: number): void {
    const policy = policyFor(this.options, p.alerting);
    const previous = this.q.alertByKey.get(p.key) as AlertRow | undefined;
    const groupKey = policy.groupBy === "rule" ? p.rule : undefined;
    const group = groupKey === undefined ? undefined : this.groups.get(groupKey);
    const routing = group?.routing ?? policy.routing;
    const labels = attributesOf(p.evidence);
    const subject = p.key.startsWith(p.rule + ":") ? p.key.slice(p.rule.length + 1) : p.key;
    const a: AlertRecord = {
      id: previous?.id ?? 0,
      key: p.key,
      rule: p.rule,
      subject,
      host: p.host,
      service: p.service,
      severity: p.severity,
      summary: p.summary,
      labels,
      labelSet: { ...labels, rule: p.rule, host: p.host, service: p.service, severity: p.severity, subject, key: p.key, routing },
      evidence: p.evidence.slice(-this.options.evidenceLimit),
      policy: { ...policy, routing },
      state: "pending",
      episode: (previous?.episode ?? 0) + 1,
      startedAt: now,
      firingAt: undefined,
      resolvingSince: undefined,
      resolvedAt: undefined,
      lastPageAt: now,
      notified: false,
      lastNotifiedAt: undefined,
      dedupKey: group?.dedupKey ?? dedupKeyFor(groupKey ?? p.key),
      routing,
      groupKey,
      mutedBy: NO_MUTES,
      flaps: 0,
      createdAt: previous?.created_at ?? now,
      updatedAt: now,
      timer: undefined,
    };
    if (previous === undefined) a.id = Number(this.q.insertAlert.run(this.row(a)).lastInsertRowid);
    this.active.set(a.key, a);
    if (policy.forSeconds > 0) {
      this.record("pending", now, { alert: a, detail: { forSeconds: policy.forSeconds, summary: a.summary } });
      this.save(a, now);
      this.reschedule(a);
    } else {
      this.fire(a, now);
    }
  }

  private fire(a: AlertRecord, now: number): void {
    a.state = "firing";
    a.firingAt = now;
    a.mutedBy = this.mutesOf(a, now);
    this.record("firing", now, { alert: a, detail: { summary: a.summary, severity: a.severity } });
    if (isMuted(a.mutedBy)) this.record("muted", now, { alert: a, detail: { ...a.mutedBy, reason: "muted when it started firing: not paged" } });
    if (a.groupKey !== undefined) {
      const g = this.groupOf(a);
      g.renotifySeconds = a.policy.renotifySeconds;
      g.members.add(a);
      this.groupChanged(g, now);
    } else if (!isMuted(a.mutedBy)) {
      this.sendTrigger(a, now, "firing");
    }
    this.save(a, now);
    this.reschedule(a);
  }

  private onResolve(r: ResolveIntent): void {
    const a = this.active.get(r.key);
    if (a === undefined) return;
    const now = this.clock.now();
    if (a.state === "pending") {
      this.tx(() => this.resolveNow(a, now, { reason: "resolved while pending: nobody was paged", ...(r.summary === undefined ? {} : { summary: r.summary }) }));
      return;
    }
    if (a.resolvingSince !== undefined) return;
    if (a.policy.resolveAfterSeconds <= 0) {
      this.tx(() => this.resolveNow(a, now, { reason: "resolved by the rule", ...(r.summary === undefined ? {} : { summary: r.summary }) }));
      return;
    }
    a.resolvingSince = now;
    a.resolveNote = r.summary;
    this.tx(() => this.save(a, now));
    this.reschedule(a);
  }

  private resolveNow(a: AlertRecord, now: number, detail: Record<string, unknown>): void {
    const wasFiring = a.state === "firing";
    const wasNotified = a.notified;
    a.state = "resolved";
    a.resolvedAt = now;
    a.resolvingSince = undefined;
    a.timer?.cancel();
    a.timer = undefined;
    this.active.delete(a.key);
    this.dirty.delete(a);
    this.record("resolved", now, { alert: a, detail: { ...detail, paged: wasNotified } });
    a.notified = false;
    if (a.groupKey !== undefined && wasFiring) {
      const g = this.groups.get(a.groupKey);
      if (g !== undefined) {
        g.members.delete(a);
        this.groupChanged(g, now);
      }
    } else if (wasNotified) {
      this.send(followUp("resolve", a.dedupKey, a.routing), now, { alert: a, detail: { reason: "resolved" } });
    }
    this.save(a, now);
  }

  private sendTrigger(a: AlertRecord, now: number, reason: string): void {
    const n = alertTrigger(a, this.payload);
    a.notified = true;
    a.lastNotifiedAt = now;
    this.send(n, now, { alert: a, detail: { reason } });
  }

  private send(n: Notification, now: number, fields: HistoryFields): void {
    this.notifier.enqueue(n);
    this.record("notification", now, { ...fields, dedupKey: n.dedupKey, action: n.action, detail: { ...fields.detail, routing: n.routing, ...(n.payload === undefined ? {} : { summary: n.payload.summary }) } });
  }

  private deadline(a: AlertRecord): number | undefined {
    if (a.state === "pending") return a.startedAt + a.policy.forSeconds;
    if (a.state !== "firing") return undefined;
    if (a.resolvingSince !== undefined) return a.resolvingSince + a.policy.resolveAfterSeconds; // no re-notify while resolving
    if (a.groupKey === undefined && a.notified && a.policy.renotifySeconds > 0 && a.lastNotifiedAt !== undefined && !isMuted(a.mutedBy)) {
      return a.lastNotifiedAt + a.policy.renotifySeconds;
    }
    return undefined;
  }


  private reschedule(a: AlertRecord): void {
    const at = this.closed ? undefined : this.deadline(a);
    if (a.timer !== undefined) {
      if (a.timer.at === at) return;
      a.timer.cancel();
      a.timer = undefined;
    }
    if (at !== undefined) a.timer = this.clock.setTimer(at, () => this.guard(() => this.onAlertTimer(a)));
  }

  private onAlertTimer(a: AlertRecord): void {
    a.timer = undefined;
    if (this.closed || this.active.get(a.key) !== a) return;
    const now = this.clock.now();
    this.tx(() => {
      if (a.state === "pending") {
        if (now >= a.startedAt + a.policy.forSeconds) {
          this.fire(a, now);
          return;
        }
      } else if (a.state === "firing") {
        if (a.resolvingSince !== undefined && now >= a.resolvingSince + a.policy.resolveAfterSeconds) {
          this.resolveNow(a, now, { reason: `the rule kept resolving for ${a.policy.resolveAfterSeconds} s`, ...(a.resolveNote === undefined ? {} : { summary: a.resolveNote }) });
          return;
        }
        if (a.resolvingSince === undefined && a.groupKey === undefined && a.notified && a.policy.renotifySeconds > 0 && !isMuted(a.mutedBy) && now >= (a.lastNotifiedAt ?? now) + a.policy.renotifySeconds) {
          this.sendTrigger(a, now, "renotify");
          this.save(a, now);
        }
      }
      this.reschedule(a);
    });
  }

  // ------------------------------------------------------------------- groups

  private groupOf(a: AlertRecord): GroupRecord {
    const key = a.groupKey!;
    let g = this.groups.get(key);
    if (g === undefined) {
      g = {
        key,
        rule: a.rule,
        dedupKey: a.dedupKey,
        routing: a.routing,
        renotifySeconds: a.policy.renotifySeconds,
        open: false,
        openedAt: undefined,
        lastSentAt: undefined,
        signature: undefined,
        flushAt: undefined,
        members: new Set(),
        timer: undefined,
      };
      this.groups.set(key, g);
    }
    return g;
  }

  /** A member shows in the group's page unless it is muted and was never paged. */
  private static listed(m: AlertRecord): boolean {
    return m.notified || !isMuted(m.mutedBy);
  }

  private groupChanged(g: GroupRecord, now: number): void {
    let listed = false;
    for (const m of g.members) {
      if (Alerting.listed(m)) {
        listed = true;
        break;
      }
    }
    if (!g.open) {
      if (!listed) g.flushAt = undefined;
      else g.flushAt ??= now + this.options.groupWaitSeconds;
    } else if (!listed) {
      g.flushAt = undefined;
      this.resolveGroup(g, now);
    } else {
      g.flushAt ??= Math.max(now, (g.lastSentAt ?? now) + this.options.groupIntervalSeconds);
    }
    this.saveGroup(g, now);
    this.rescheduleGroup(g);
  }

  private groupDeadline(g: GroupRecord): number | undefined {
    let d = g.flushAt;
    if (g.open && g.renotifySeconds > 0 && g.lastSentAt !== undefined) {
      let unmuted = false;
      for (const m of g.members) {
        if (!isMuted(m.mutedBy)) {
          unmuted = true;
          break;
        }
      }
      const r = g.lastSentAt + g.renotifySeconds;
      if (unmuted && (d === undefined || r < d)) d = r;
    }
    return d;
  }

  private rescheduleGroup(g: GroupRecord): void {
    const at = this.closed ? undefined : this.groupDeadline(g);
    if (g.timer !== undefined) {
      if (g.timer.at === at) return;
      g.timer.cancel();
      g.timer = undefined;
    }
    if (at !== undefined) g.timer = this.clock.setTimer(at, () => this.guard(() => this.onGroupTimer(g)));
  }

  private onGroupTimer(g: GroupRecord): void {
    g.timer = undefined;
    if (this.closed || this.groups.get(g.key) !== g) return;
    const now = this.clock.now();
    this.tx(() => {
      if (g.flushAt !== undefined && now >= g.flushAt) {
        g.flushAt = undefined;
        this.flushGroup(g, now, g.open ? "group update" : "firing");
      } else if (g.open && g.renotifySeconds > 0 && g.lastSentAt !== undefined && now >= g.lastSentAt + g.renotifySeconds) {
        this.flushGroup(g, now, "renotify");
      }
      this.saveGroup(g, now);
      this.rescheduleGroup(g);
    });
  }

  private flushGroup(g: GroupRecord, now: number, reason: string): void {
    const listed: AlertRecord[] = [];
    for (const m of g.members) if (Alerting.listed(m)) listed.push(m);
    if (listed.length === 0) {
      if (g.open) this.resolveGroup(g, now);
      return;
    }
    listed.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    const hash = createHash("sha256");
    for (const m of listed) hash.update(m.key).update("\n");
    const signature = hash.digest("hex");
    if (g.open && reason !== "renotify" && signature === g.signature) return;
    g.openedAt ??= now;
    const n = groupTrigger(g.rule, g.dedupKey, g.routing, listed, g.openedAt, this.payload);
    g.open = true;
    g.lastSentAt = now;
    g.signature = signature;
    for (const m of listed) {
      if (m.notified) continue;
      m.notified = true;
      m.lastNotifiedAt = now;
      this.save(m, now);
    }
    const details = n.payload?.custom_details ?? {};
    this.send(n, now, { group: g, detail: { reason, alert_count: details.alert_count, host_count: details.host_count } });
  }

  private resolveGroup(g: GroupRecord, now: number): void {
    this.send(followUp("resolve", g.dedupKey, g.routing), now, { group: g, detail: { reason: "the last alert of the group resolved" } });
    g.open = false;
    g.openedAt = undefined;
    g.signature = undefined;
    for (const m of g.members) {
      if (!m.notified) continue;
      m.notified = false;
      this.save(m, now);
    }
  }

  // -------------------------------------------------------- silences, maintenance

  private mutesOf(a: AlertRecord, now: number): Mutes {
    let silences: number[] | undefined;
    let maintenance: number[] | undefined;
    for (const s of this.silences.activeAt(now)) if (s.test(a.labelSet)) (silences ??= []).push(s.id);
    if (a.host !== undefined) {
      for (const m of this.maintenance.activeAt(now)) if (m.host === a.host) (maintenance ??= []).push(m.id);
    }
    if (silences === undefined && maintenance === undefined) return NO_MUTES;
    return { silences: silences?.sort((x, y) => x - y) ?? [], maintenance: maintenance?.sort((x, y) => x - y) ?? [] };
  }

  private reevaluateMutes(now: number): void {
    for (const a of this.active.values()) {
      if (a.state !== "firing") continue;
      const next = this.mutesOf(a, now);
      if (sameMutes(next, a.mutedBy)) continue;
      const was = isMuted(a.mutedBy);
      a.mutedBy = next;
      const is = isMuted(next);
      if (was !== is) this.record(is ? "muted" : "unmuted", now, { alert: a, detail: { ...next, ...(a.notified && is ? { note: "paged before the mute: its resolve will still be sent" } : {}) } });
      if (a.groupKey !== undefined) {
        const g = this.groups.get(a.groupKey);
        if (g !== undefined) this.groupChanged(g, now);
      } else if (!is && !a.notified) {
        this.sendTrigger(a, now, "unmuted while firing");
      }
      this.save(a, now);
      this.reschedule(a);
    }
    for (const g of this.groups.values()) this.rescheduleGroup(g);
  }

  /** Stores a new window, records it (`created`), applies it to the firing alerts: one transaction. */
  private openWindow<R extends MuteWindow, I extends WindowInput, V>(windows: MuteWindows<R, I, V>, input: I, now: number, created: (w: R) => void): V {
    let view: V | undefined;
    this.tx(() => {
      const w = windows.create(input, now);
      created(w);
      this.reevaluateMutes(now);
      view = windows.view(w, now);
    });
    this.scheduleBoundary();
    return view!;
  }

  /** Ends live window `id` now, records it (`ended`) and lifts its mutes; an unknown or ended one is returned as it is. */
  private closeWindow<R extends MuteWindow, I extends WindowInput, V>(windows: MuteWindows<R, I, V>, id: number, ended: (w: R, now: number) => void): V | undefined {
    const now = this.clock.now();
    if (!windows.live.has(id)) {
      const w = windows.get(id);
      return w === undefined ? undefined : windows.view(w, now);
    }
    let w: R | undefined;
    this.tx(() => {
      w = windows.endEarly(id, now)!;
      ended(w, now);
      this.reevaluateMutes(now);
    });
    this.scheduleBoundary();
    return windows.view(w!, now);
  }

  private scheduleBoundary(): void {
    const now = this.clock.now();
    const s = this.silences.nextBoundary(now);
    const m = this.maintenance.nextBoundary(now);
    const next = this.closed ? undefined : s === undefined ? m : m === undefined ? s : Math.min(s, m);
    if (this.boundaryTimer !== undefined) {
      if (this.boundaryTimer.at === next) return;
      this.boundaryTimer.cancel();
      this.boundaryTimer = undefined;
    }
    if (next !== undefined) this.boundaryTimer = this.clock.setTimer(next, () => this.guard(() => this.onBoundary()));
  }

  private onBoundary(): void {
    this.boundaryTimer = undefined;
    if (this.closed) return;
    const now = this.clock.now();
    this.tx(() => {
      for (const s of this.silences.endDue(now)) this.record("silence-expired", now, { silenceId: s.id, detail: { endsAt: iso(s.endsAt), early: false } });
      for (const m of this.maintenance.endDue(now)) this.record("maintenance-ended", now, { maintenanceId: m.id, host: m.host, detail: { endsAt: iso(m.endsAt), early: false } });
      this.reevaluateMutes(now);
    });
    this.scheduleBoundary();
  }

  /**
   * Creates a silence from an API body (`{matchers, startsAt?, endsAt? |
   * durationSeconds?, createdBy, comment}`); throws `AlertingInputError`
   * naming the field when it is invalid. Firing alerts it matches are muted
   * at once (ones already paged keep their page and will send their resolve).
   *
   * @example
   * alerting.createSilence({ matchers: [{ name: "host", value: "h1" }], durationSeconds: 7200, createdBy: "alice", comment: "reimaging" });
   */
  createSilence(raw: unknown): SilenceView {
    const now = this.clock.now();
    const input = resolveSilenceInput(raw, now);
    return this.openWindow(this.silences, input, now, (s) =>
      this.record("silence-created", now, { silenceId: s.id, detail: { matchers: input.matchers, startsAt: iso(input.startsAt), endsAt: iso(input.endsAt), createdBy: input.createdBy, comment: input.comment } }),
    );
  }

  /**
   * Ends a silence now ("deleting" a silence expires it). Alerts it muted that
   * are still firing and were never paged are paged now. Returns undefined
   * for an unknown id; an already expired silence is returned unchanged.
   *
   * @example
   * alerting.expireSilence(3)?.state; // "expired"
   */
  expireSilence(id: number): SilenceView | undefined {
    return this.closeWindow(this.silences, id, (s, now) => this.record("silence-expired", now, { silenceId: id, detail: { endsAt: iso(s.endsAt), early: true } }));
  }

  /**
   * One silence, or undefined.
   *
   * @example
   * alerting.getSilence(3)?.matchers;
   */
  getSilence(id: number): SilenceView | undefined {
    const s = this.silences.get(id);
    return s === undefined ? undefined : this.silences.view(s, this.clock.now());
  }

  /**
   * Silences, newest first; `states` filters (default: pending and active).
   *
   * @example
   * alerting.listSilences({ states: ["active"] });
   */
  listSilences(filter: { readonly states?: readonly ("pending" | "active" | "expired")[]; readonly limit?: number } = {}): SilenceView[] {
    const now = this.clock.now();
    const limit = Math.min(filter.limit ?? LIST_LIMITS.default, LIST_LIMITS.max);
    return this.silences.list(now, filter.states ?? ["pending", "active"], limit).map((s) => this.silences.view(s, now));
  }

  /**
   * Puts a host in maintenance from an API body (`{host, startsAt?, endsAt? |
   * durationSeconds?, createdBy, reason}`): alerts about that host (alerts
   * with a host; cluster-wide ones are not affected) are muted like silenced
   * ones. Throws `AlertingInputError` naming the field.
   *
   * @example
   * alerting.startMaintenance({ host: "h1", durationSeconds: 3600, createdBy: "bob", reason: "BIOS update" });
   */
  startMaintenance(raw: unknown): MaintenanceView {
    const now = this.clock.now();
    const input = resolveMaintenanceInput(raw, now);
    return this.openWindow(this.maintenance, input, now, (m) =>
      this.record("maintenance-created", now, { maintenanceId: m.id, host: input.host, detail: { startsAt: iso(input.startsAt), endsAt: iso(input.endsAt), createdBy: input.createdBy, reason: input.reason } }),
    );
  }

  /**
   * Ends a maintenance window now; alerts of the host still firing and never
   * paged are paged now. Undefined for an unknown id.
   *
   * @example
   * alerting.endMaintenance(1)?.state; // "expired"
   */
  endMaintenance(id: number): MaintenanceView | undefined {
    return this.closeWindow(this.maintenance, id, (m, now) => this.record("maintenance-ended", now, { maintenanceId: id, host: m.host, detail: { endsAt: iso(m.endsAt), early: true } }));
  }

  /**
   * One maintenance window, or undefined.
   *
   * @example
   * alerting.getMaintenance(1)?.host;
   */
  getMaintenance(id: number): MaintenanceView | undefined {
    const m = this.maintenance.get(id);
    return m === undefined ? undefined : this.maintenance.view(m, this.clock.now());
  }

  /**
   * Maintenance windows, newest first; `states` filters (default: pending and active); `host` narrows.
   *
   * @example
   * alerting.listMaintenance({ host: "h1" });
   */
  listMaintenance(filter: { readonly states?: readonly ("pending" | "active" | "expired")[]; readonly host?: string; readonly limit?: number } = {}): MaintenanceView[] {
    const now = this.clock.now();
    const limit = Math.min(filter.limit ?? LIST_LIMITS.default, LIST_LIMITS.max);
    const host = filter.host;
    return this.maintenance.list(now, filter.states ?? ["pending", "active"], limit, host === undefined ? undefined : (m) => m.host === host).map((m) => this.maintenance.view(m, now));
  }

  // ------------------------------------------------------------------ reading

  /**
   * Alerts matching `filter`, firing first, then pending, then resolved, most
   * recently changed first within each.
   *
   * @example
   * alerting.listAlerts({ states: ["firing"], host: "h1" });
   */
  listAlerts(filter: AlertFilter = {}): AlertView[] {
    this.flushDirty();
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter.states !== undefined && filter.states.length > 0) {
      const states = new Set<string>();
      for (const s of filter.states) {
        if (s === "active") {
          states.add("pending");
          states.add("firing");
        } else states.add(s);
      }
      const names = [...states].map((s, i) => {
        params[`s${i}`] = s;
        return `@s${i}`;
      });
      where.push(`state IN (${names.join(", ")})`);
    }
    if (filter.rule !== undefined) {
      where.push("(rule = @rule OR substr(rule, 1, length(@rule) + 1) = @rule || '/')");
      params.rule = filter.rule;
    }
    if (filter.host !== undefined) {
      where.push("host = @host");
      params.host = filter.host;
    }
    if (filter.since !== undefined) {
      where.push("(state != 'resolved' OR resolved_at >= @since)");
      params.since = filter.since;
    }
    params.limit = Math.min(filter.limit ?? LIST_LIMITS.default, LIST_LIMITS.max);
    const sql = `SELECT * FROM alerting_alerts ${where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`}
      ORDER BY CASE state WHEN 'firing' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, updated_at DESC, id DESC LIMIT @limit`;
    const rows = this.db.prepare(sql).all(params) as AlertRow[];
    return rows.map((row) => {
      const view = this.alertView(row, false);
      return filter.includeHistory === true ? { ...view, history: this.historyOf(row, filter.historyLimit ?? DEFAULT_HISTORY_LIMIT) } : view;
    });
  }

  /**
   * One alert with its evidence (and history when asked), or undefined.
   *
   * @example
   * alerting.getAlert(12, { includeHistory: true })?.history;
   */
  getAlert(id: number, options: { readonly includeHistory?: boolean; readonly historyLimit?: number } = {}): AlertView | undefined {
    this.flushDirty();
    const row = this.q.alertById.get(id) as AlertRow | undefined;
    if (row === undefined) return undefined;
    const view = this.alertView(row, true);
    return options.includeHistory === true ? { ...view, history: this.historyOf(row, options.historyLimit ?? DEFAULT_HISTORY_LIMIT) } : view;
  }

  /**
   * An alert's history, oldest first (its last `limit` entries, all
   * episodes), including the pages and attempts of its group; undefined for
   * an unknown id.
   *
   * @example
   * alerting.alertHistory(12)?.map((h) => h.kind); // ["firing", "notification", "attempt", "resolved", ...]
   */
  alertHistory(id: number, limit = DEFAULT_HISTORY_LIMIT): HistoryEntry[] | undefined {
    const row = this.q.alertById.get(id) as AlertRow | undefined;
    return row === undefined ? undefined : this.historyOf(row, limit);
  }

  /**
   * The history of everything (alerts, groups, silences, maintenance), the
   * latest `limit` entries matching `filter`, oldest first.
   *
   * @example
   * alerting.history({ kinds: ["silence-created", "silence-expired"] });
   */
  history(filter: HistoryFilter = {}): HistoryEntry[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter.since !== undefined) {
      where.push("time >= @since");
      params.since = filter.since;
    }
    if (filter.kinds !== undefined && filter.kinds.length > 0) {
      where.push(`kind IN (${filter.kinds.map((k, i) => ((params[`k${i}`] = k), `@k${i}`)).join(", ")})`);
    }
    if (filter.rule !== undefined) {
      where.push("(rule = @rule OR substr(rule, 1, length(@rule) + 1) = @rule || '/')");
      params.rule = filter.rule;
    }
    if (filter.host !== undefined) {
      where.push("host = @host");
      params.host = filter.host;
    }
    params.limit = Math.min(filter.limit ?? LIST_LIMITS.default, LIST_LIMITS.max);
    const sql = `SELECT * FROM (SELECT * FROM alerting_history ${where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`} ORDER BY id DESC LIMIT @limit) ORDER BY id`;
    return (this.db.prepare(sql).all(params) as HistoryRow[]).map(historyView);
  }

  /**
   * Ends an alert by hand (an operator's "resolve"), sending its resolve if
   * it was paged. The rule may page it again. Undefined when `id` is not a
   * pending or firing alert.
   *
   * @example
   * alerting.resolveAlert(12, { by: "alice", comment: "host decommissioned" });
   */
  resolveAlert(id: number, who: { readonly by: string; readonly comment?: string }): AlertView | undefined {
    const a = [...this.active.values()].find((x) => x.id === id);
    if (a === undefined) return undefined;
    if (typeof who.by !== "string" || who.by.trim() === "") throw new AlertingInputError("by", "must be a non-empty string (who resolves it)");
    const now = this.clock.now();
    this.tx(() => this.resolveNow(a, now, { reason: "resolved by an operator", by: who.by, ...(who.comment === undefined ? {} : { comment: who.comment }) }));
    return this.getAlert(id);
  }

  /**
   * Writes pending in-memory updates, cancels every timer and stops taking
   * intents. The database stays open (it is the caller's).
   *
   * @example
   * alerting.close(); db.close();
   */
  close(): void {
    if (this.closed) return;
    this.flushDirty();
    this.closed = true;
    for (const a of this.active.values()) a.timer?.cancel();
    for (const g of this.groups.values()) g.timer?.cancel();
    this.boundaryTimer?.cancel();
    this.boundaryTimer = undefined;
  }

  // ----------------------------------------------------------------- storage

  /**
   * Runs `fn` in one SQLite transaction (nested calls become savepoints). If
   * it throws, the database rolls back and the in-memory state, which `fn`
   * may have changed half-way, is reloaded from the database.
   */
  private tx(fn: () => void): void {
    const mark = this.uncommitted.length;
    try {
      this.runTx(fn);
    } catch (err) {
      this.uncommitted.length = mark; // rolled back (to the savepoint when nested)
      if (!this.db.inTransaction && this.db.open) this.reload();
      throw err;
    }
    if (!this.db.inTransaction) this.passCommitted();
  }

  private reload(): void {
    for (const a of this.active.values()) a.timer?.cancel();
    for (const g of this.groups.values()) g.timer?.cancel();
    this.boundaryTimer?.cancel();
    this.boundaryTimer = undefined;
    this.active.clear();
    this.groups.clear();
    this.dirty.clear();
    this.load();
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onError(err);
    }
  }

  private activeByDedup(dedupKey: string): AlertRecord | undefined {
    for (const a of this.active.values()) if (a.groupKey === undefined && a.dedupKey === dedupKey) return a;
    return undefined;
  }

  private row(a: AlertRecord): Record<string, unknown> {
    return {
      id: a.id,
      key: a.key,
      rule: a.rule,
      subject: a.subject,
      host: a.host ?? null,
      service: a.service ?? null,
      severity: a.severity,
      summary: a.summary,
      labels: JSON.stringify(a.labels),
      evidence: JSON.stringify(a.evidence),
      policy: JSON.stringify(a.policy),
      state: a.state,
      episode: a.episode,
      started_at: a.startedAt,
      firing_at: a.firingAt ?? null,
      resolving_since: a.resolvingSince ?? null,
      resolved_at: a.resolvedAt ?? null,
      last_page_at: a.lastPageAt,
      notified: a.notified ? 1 : 0,
      last_notified_at: a.lastNotifiedAt ?? null,
      dedup_key: a.dedupKey,
      routing: a.routing,
      group_key: a.groupKey ?? null,
      muted_by: JSON.stringify(a.mutedBy),
      flaps: a.flaps,
      created_at: a.createdAt,
      updated_at: a.updatedAt,
    };
  }

  private save(a: AlertRecord, now: number): void {
    a.updatedAt = now;
    this.dirty.delete(a);
    this.q.updateAlert.run(this.row(a));
  }

  private flushDirty(): void {
    if (this.dirty.size === 0 || this.closed) return;
    const items = [...this.dirty];
    this.dirty.clear();
    this.tx(() => {
      for (const a of items) this.q.updateAlert.run(this.row(a));
    });
  }

  private saveGroup(g: GroupRecord, now: number): void {
    if (!g.open && g.members.size === 0 && g.flushAt === undefined) {
      g.timer?.cancel();
      g.timer = undefined;
      this.groups.delete(g.key);
      this.q.deleteGroup.run(g.key);
      return;
    }
    this.q.upsertGroup.run({
      key: g.key,
      rule: g.rule,
      dedup_key: g.dedupKey,
      routing: g.routing,
      renotify_seconds: g.renotifySeconds,
      open: g.open ? 1 : 0,
      opened_at: g.openedAt ?? null,
      last_sent_at: g.lastSentAt ?? null,
      signature: g.signature ?? null,
      flush_at: g.flushAt ?? null,
      updated_at: now,
    });
  }

  private record(kind: string, now: number, f: HistoryFields): void {
    const a = f.alert;
    const row: Omit<HistoryRow, "id"> = {
      time: now,
      kind,
      alert_id: a?.id ?? null,
      episode: a?.episode ?? null,
      group_key: f.group?.key ?? a?.groupKey ?? null,
      dedup_key: f.dedupKey ?? a?.dedupKey ?? f.group?.dedupKey ?? null,
      silence_id: f.silenceId ?? null,
      maintenance_id: f.maintenanceId ?? null,
      rule: f.rule ?? a?.rule ?? f.group?.rule ?? null,
      host: f.host ?? a?.host ?? null,
      action: f.action ?? null,
      outcome: f.outcome ?? null,
      detail: f.detail === undefined ? null : JSON.stringify(f.detail),
    };
    const info = this.q.insertHistory.run(row);
    if (this.onHistory !== undefined) this.written(Number(info.lastInsertRowid), row, a);
  }

  /** Queues a written history row for `onHistory`; passes it on at once when no transaction is open (it is committed). */
  private written(id: number, row: Omit<HistoryRow, "id">, a: AlertRecord | undefined): void {
    const alert: HistoryAlert | undefined =
      a === undefined
        ? undefined
        : { key: a.key, rule: a.rule, host: a.host ?? null, service: a.service ?? null, severity: a.severity, summary: a.summary, state: a.state, muted: isMuted(a.mutedBy) };
    this.uncommitted.push({ ...historyView({ id, ...row }), unixTime: row.time, alert });
    if (!this.db.inTransaction) this.passCommitted();
  }

  /** Hands the committed history to `onHistory`, in order. */
  private passCommitted(): void {
    if (this.uncommitted.length === 0 || this.onHistory === undefined) return;
    const entries = this.uncommitted.splice(0);
    for (const entry of entries) {
      try {
        this.onHistory(entry);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  private historyOf(row: AlertRow, limit: number): HistoryEntry[] {
    const rows = this.q.alertHistory.all({ id: row.id, dedup: row.dedup_key, since: row.created_at, limit: Math.max(1, Math.min(limit, LIST_LIMITS.max)) }) as HistoryRow[];
    return rows.map(historyView);
  }

  private prune(now: number): void {
    this.lastPrune = now;
    const cutoff = now - this.options.historyRetentionSeconds;
    this.tx(() => {
      this.db.prepare("DELETE FROM alerting_history WHERE time < ?").run(cutoff);
      this.db.prepare("DELETE FROM alerting_alerts WHERE state = 'resolved' AND resolved_at < ?").run(cutoff);
      this.db.prepare("DELETE FROM alerting_silences WHERE ended = 1 AND ends_at < ?").run(cutoff);
      this.db.prepare("DELETE FROM alerting_maintenance WHERE ended = 1 AND ends_at < ?").run(cutoff);
    });
  }

  private load(): void {
    this.silences.load();
    this.maintenance.load();
    for (const row of this.q.groups.all() as GroupRow[]) {
      this.groups.set(row.key, {
        key: row.key,
        rule: row.rule,
        dedupKey: row.dedup_key,
        routing: row.routing,
        renotifySeconds: row.renotify_seconds,
        open: row.open === 1,
        openedAt: num(row.opened_at),
        lastSentAt: num(row.last_sent_at),
        signature: optional(row.signature),
        flushAt: num(row.flush_at),
        members: new Set(),
        timer: undefined,
      });
    }
    for (const row of this.q.activeAlerts.all() as AlertRow[]) {
      const a = this.alertFromRow(row);
      this.active.set(a.key, a);
      if (a.state === "firing" && a.groupKey !== undefined) this.groupOf(a).members.add(a);
    }
    for (const a of this.active.values()) this.reschedule(a);
    for (const g of this.groups.values()) this.rescheduleGroup(g);
    this.scheduleBoundary();
  }

  private alertFromRow(row: AlertRow): AlertRecord {
    const labels = JSON.parse(row.labels) as Record<string, string>;
    const policy = JSON.parse(row.policy) as AlertPolicy;
    const host = optional(row.host);
    const service = optional(row.service);
    return {
      id: row.id,
      key: row.key,
      rule: row.rule,
      subject: row.subject,
      host,
      service,
      severity: row.severity as Severity,
      summary: row.summary,
      labels,
      labelSet: { ...labels, rule: row.rule, host, service, severity: row.severity, subject: row.subject, key: row.key, routing: row.routing },
      evidence: JSON.parse(row.evidence) as Event[],
      policy,
      state: row.state as AlertState,
      episode: row.episode,
      startedAt: row.started_at,
      firingAt: num(row.firing_at),
      resolvingSince: num(row.resolving_since),
      resolvedAt: num(row.resolved_at),
      lastPageAt: row.last_page_at,
      notified: row.notified === 1,
      lastNotifiedAt: num(row.last_notified_at),
      dedupKey: row.dedup_key,
      routing: row.routing,
      groupKey: optional(row.group_key),
      mutedBy: JSON.parse(row.muted_by) as Mutes,
      flaps: row.flaps,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      timer: undefined,
    };
  }

  private alertView(row: AlertRow, withEvidence: boolean): AlertView {
    const mutedBy = JSON.parse(row.muted_by) as Mutes;
    const firing = row.state === "firing";
    const view: AlertView = {
      id: row.id,
      key: row.key,
      rule: row.rule,
      subject: row.subject,
      host: row.host,
      service: row.service,
      severity: row.severity as Severity,
      summary: row.summary,
      state: row.state as AlertState,
      resolving: firing && row.resolving_since !== null,
      episode: row.episode,
      startsAt: iso(row.started_at)!,
      firingSince: iso(num(row.firing_at)),
      resolvingSince: iso(num(row.resolving_since)),
      resolvedAt: iso(num(row.resolved_at)),
      lastPageAt: iso(row.last_page_at)!,
      notified: row.notified === 1,
      lastNotifiedAt: iso(num(row.last_notified_at)),
      muted: firing && isMuted(mutedBy),
      mutedBy: firing ? mutedBy : NO_MUTES,
      dedupKey: row.dedup_key,
      routing: row.routing,
      group: row.group_key,
      flaps: row.flaps,
      policy: JSON.parse(row.policy) as AlertPolicy,
      labels: JSON.parse(row.labels) as Record<string, string>,
    };
    return withEvidence ? { ...view, evidence: JSON.parse(row.evidence) as Event[] } : view;
  }

}

function historyView(row: HistoryRow): HistoryEntry {
  return {
    id: row.id,
    time: iso(row.time)!,
    kind: row.kind,
    alertId: row.alert_id,
    episode: row.episode,
    group: row.group_key,
    dedupKey: row.dedup_key,
    silenceId: row.silence_id,
    maintenanceId: row.maintenance_id,
    rule: row.rule,
    host: row.host,
    action: row.action,
    outcome: row.outcome,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
  };
}
