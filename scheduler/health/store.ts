/**
 * Host health's tables in the embedded SQLite store (part
 * "scheduler_health", tables scheduler_health_*): rules' objections,
 * operators' manual events, the return damping, the removals of the rate
 * guard's sliding window, a little state (is the guard page open), and the
 * audit log. `HostHealth` writes through every change inside one
 * transaction, so a committed change survives kill -9.
 */
import { migrate, type Db } from "../../store/database.ts";
import type { HeldKind, ManualEvent, Objection, ObjectionKind, ObjectionStatus } from "./model.ts";

const MIGRATIONS = [
  {
    version: 1,
    sql: `
      CREATE TABLE scheduler_health_objections (
        host TEXT NOT NULL,
        rule TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('drain', 'blacklist')),
        reason TEXT NOT NULL,
        since REAL NOT NULL,
        updated REAL NOT NULL,
        ttl REAL,
        expires_at REAL,
        deadline REAL,
        status TEXT NOT NULL CHECK (status IN ('applied', 'overridden', 'held')),
        held_kind TEXT CHECK (held_kind IN ('guard', 'unregistered')),
        held_because TEXT,
        seq INTEGER NOT NULL,
        PRIMARY KEY (host, rule)
      );
      CREATE TABLE scheduler_health_manual (
        host TEXT NOT NULL,
        id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('ok', 'critical')),
        time REAL NOT NULL,
        ttl REAL NOT NULL,
        expires_at REAL NOT NULL,
        description TEXT NOT NULL,
        who TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (host, id)
      );
      CREATE TABLE scheduler_health_hosts (
        host TEXT PRIMARY KEY,
        returning_at REAL
      );
      CREATE TABLE scheduler_health_removals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time REAL NOT NULL,
        host TEXT NOT NULL,
        rule TEXT NOT NULL
      );
      CREATE TABLE scheduler_health_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE scheduler_health_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time REAL NOT NULL,
        host TEXT NOT NULL,
        who TEXT NOT NULL,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        reason TEXT NOT NULL,
        from_state TEXT NOT NULL,
        to_state TEXT NOT NULL,
        detail TEXT
      );
      CREATE INDEX scheduler_health_audit_by_host ON scheduler_health_audit (host, id);
      CREATE INDEX scheduler_health_audit_by_time ON scheduler_health_audit (time);
    `,
  },
] as const;

/** One line of a host's history: who did what, why, when, and the host's state before and after. */
export interface AuditEntry {
  readonly id: number;
  /** Unix seconds. */
  readonly time: number;
  /** The host, or "*" for notes about the whole fleet. */
  readonly host: string;
  /** "rule:<name>", "operator:<name>", or "system" (TTL expiry, return after damping, retries). */
  readonly who: string;
  /** What was asked or happened: drain, blacklist, restore, manual-ok, manual-critical, manual-delete, host-delete, expire, return, ... */
  readonly action: string;
  /** What became of it: "applied", "held by guard: ...", "ignored: operator decision", "dropped: ...", ... */
  readonly outcome: string;
  /** Why (the rule's reason, the operator's description). */
  readonly reason: string;
  /** State label before ("in", "draining", "blacklisted", "returning", "in (operator)", "out (operator)"). */
  readonly from: string;
  /** State label after. */
  readonly to: string;
  /** Extra facts (ttl, deadline, event id, the guard's numbers), or null. */
  readonly detail: Readonly<Record<string, unknown>> | null;
}

/** An audit entry before it is stored. */
export type NewAuditEntry = Omit<AuditEntry, "id">;

interface ObjectionRow {
  host: string;
  rule: string;
  kind: ObjectionKind;
  reason: string;
  since: number;
  updated: number;
  ttl: number | null;
  expires_at: number | null;
  deadline: number | null;
  status: ObjectionStatus;
  held_kind: HeldKind | null;
  held_because: string | null;
  seq: number;
}

interface ManualRow {
  host: string;
  id: string;
  state: "ok" | "critical";
  time: number;
  ttl: number;
  expires_at: number;
  description: string;
  who: string;
  seq: number;
}

interface AuditRow {
  id: number;
  time: number;
  host: string;
  who: string;
  action: string;
  outcome: string;
  reason: string;
  from_state: string;
  to_state: string;
  detail: string | null;
}

function auditFromRow(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    time: r.time,
    host: r.host,
    who: r.who,
    action: r.action,
    outcome: r.outcome,
    reason: r.reason,
    from: r.from_state,
    to: r.to_state,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
  };
}

/** Everything `HealthStore.loadAll` reads back. */
export interface StoredHealth {
  readonly objections: readonly Objection[];
  readonly manual: readonly ManualEvent[];
  readonly returning: readonly { readonly host: string; readonly returningAt: number }[];
  readonly removals: readonly { readonly time: number; readonly host: string }[];
}

/**
 * The statements of host health. Each method is one statement; the caller
 * groups them into transactions (`db.transaction`).
 *
 * @example
 * const store = new HealthStore(openDatabase(":memory:"));
 * store.appendAudit({ time: 0, host: "web1", who: "operator:ann", action: "manual-critical", outcome: "applied", reason: "disk", from: "in", to: "out (operator)", detail: null });
 * store.history("web1", 10)[0]?.who; // "operator:ann"
 */
export class HealthStore {
  private readonly s;

  /** Migrates the tables (part "scheduler_health") and prepares the statements. */
  constructor(readonly db: Db) {
    migrate(db, "scheduler_health", MIGRATIONS);
    this.s = {
      objections: db.prepare<[], ObjectionRow>("SELECT * FROM scheduler_health_objections ORDER BY seq"),
      upsertObjection: db.prepare(
        `INSERT INTO scheduler_health_objections (host, rule, kind, reason, since, updated, ttl, expires_at, deadline, status, held_kind, held_because, seq)
         VALUES (@host, @rule, @kind, @reason, @since, @updated, @ttl, @expires_at, @deadline, @status, @held_kind, @held_because, @seq)
         ON CONFLICT (host, rule) DO UPDATE SET kind = excluded.kind, reason = excluded.reason, since = excluded.since, updated = excluded.updated, ttl = excluded.ttl,
           expires_at = excluded.expires_at, deadline = excluded.deadline, status = excluded.status, held_kind = excluded.held_kind, held_because = excluded.held_because, seq = excluded.seq`,
      ),
      deleteObjection: db.prepare<[string, string]>("DELETE FROM scheduler_health_objections WHERE host = ? AND rule = ?"),
      manual: db.prepare<[], ManualRow>("SELECT * FROM scheduler_health_manual ORDER BY seq"),
      upsertManual: db.prepare(
        `INSERT INTO scheduler_health_manual (host, id, state, time, ttl, expires_at, description, who, seq)
         VALUES (@host, @id, @state, @time, @ttl, @expires_at, @description, @who, @seq)
         ON CONFLICT (host, id) DO UPDATE SET state = excluded.state, time = excluded.time, ttl = excluded.ttl, expires_at = excluded.expires_at,
           description = excluded.description, who = excluded.who, seq = excluded.seq`,
      ),
      deleteManual: db.prepare<[string, string]>("DELETE FROM scheduler_health_manual WHERE host = ? AND id = ?"),
      returning: db.prepare<[], { host: string; returning_at: number }>("SELECT host, returning_at FROM scheduler_health_hosts WHERE returning_at IS NOT NULL"),
      setReturning: db.prepare<[string, number | null]>(
        "INSERT INTO scheduler_health_hosts (host, returning_at) VALUES (?, ?) ON CONFLICT (host) DO UPDATE SET returning_at = excluded.returning_at",
      ),
      deleteHostObjections: db.prepare<[string]>("DELETE FROM scheduler_health_objections WHERE host = ?"),
      deleteHostManual: db.prepare<[string]>("DELETE FROM scheduler_health_manual WHERE host = ?"),
      deleteHostRow: db.prepare<[string]>("DELETE FROM scheduler_health_hosts WHERE host = ?"),
      removals: db.prepare<[], { time: number; host: string }>("SELECT time, host FROM scheduler_health_removals ORDER BY id"),
      addRemoval: db.prepare<[number, string, string]>("INSERT INTO scheduler_health_removals (time, host, rule) VALUES (?, ?, ?)"),
      pruneRemovals: db.prepare<[number]>("DELETE FROM scheduler_health_removals WHERE time <= ?"),
      getMeta: db.prepare<[string], { value: string }>("SELECT value FROM scheduler_health_meta WHERE key = ?"),
      setMeta: db.prepare<[string, string]>("INSERT INTO scheduler_health_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
      appendAudit: db.prepare(
        `INSERT INTO scheduler_health_audit (time, host, who, action, outcome, reason, from_state, to_state, detail)
         VALUES (@time, @host, @who, @action, @outcome, @reason, @from_state, @to_state, @detail)`,
      ),
      history: db.prepare<[string, number, number], AuditRow>("SELECT * FROM scheduler_health_audit WHERE host = ? AND id < ? ORDER BY id DESC LIMIT ?"),
      recent: db.prepare<[number, number], AuditRow>("SELECT * FROM scheduler_health_audit WHERE id < ? ORDER BY id DESC LIMIT ?"),
      pruneAudit: db.prepare<[number]>("DELETE FROM scheduler_health_audit WHERE time < ?"),
    };
  }

  /** Reads every objection, manual event, return damping and recent removal. */
  loadAll(): StoredHealth {
    return {
      objections: this.s.objections.all().map((r) => ({
        host: r.host,
        rule: r.rule,
        kind: r.kind,
        reason: r.reason,
        since: r.since,
        updated: r.updated,
        ttl: r.ttl,
        expiresAt: r.expires_at,
        deadline: r.deadline,
        status: r.status,
        heldKind: r.held_kind,
        heldBecause: r.held_because,
        seq: r.seq,
      })),
      manual: this.s.manual.all().map((r) => ({ host: r.host, id: r.id, state: r.state, time: r.time, ttl: r.ttl, expiresAt: r.expires_at, description: r.description, who: r.who, seq: r.seq })),
      returning: this.s.returning.all().map((r) => ({ host: r.host, returningAt: r.returning_at })),
      removals: this.s.removals.all(),
    };
  }

  /** Inserts or replaces the objection of (`o.host`, `o.rule`). */
  putObjection(o: Objection): void {
    this.s.upsertObjection.run({
      host: o.host,
      rule: o.rule,
      kind: o.kind,
      reason: o.reason,
      since: o.since,
      updated: o.updated,
      ttl: o.ttl,
      expires_at: o.expiresAt,
      deadline: o.deadline,
      status: o.status,
      held_kind: o.heldKind,
      held_because: o.heldBecause,
      seq: o.seq,
    });
  }

  deleteObjection(host: string, rule: string): void {
    this.s.deleteObjection.run(host, rule);
  }

  /** Inserts or replaces the manual event (`m.host`, `m.id`). */
  putManual(m: ManualEvent): void {
    this.s.upsertManual.run({ host: m.host, id: m.id, state: m.state, time: m.time, ttl: m.ttl, expires_at: m.expiresAt, description: m.description, who: m.who, seq: m.seq });
  }

  deleteManual(host: string, id: string): void {
    this.s.deleteManual.run(host, id);
  }

  /** Sets (or clears, with null) when `host` returns from damping. */
  setReturning(host: string, at: number | null): void {
    if (at === null) this.s.deleteHostRow.run(host);
    else this.s.setReturning.run(host, at);
  }

  /** Forgets everything about `host` but its audit log. */
  deleteHost(host: string): void {
    this.s.deleteHostObjections.run(host);
    this.s.deleteHostManual.run(host);
    this.s.deleteHostRow.run(host);
  }

  /** Records that automation took `host` out at `time`. */
  addRemoval(time: number, host: string, rule: string): void {
    this.s.addRemoval.run(time, host, rule);
  }

  /** Deletes removals at or before `time` (they left the window). */
  pruneRemovals(time: number): void {
    this.s.pruneRemovals.run(time);
  }

  getMeta(key: string): string | undefined {
    return this.s.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.s.setMeta.run(key, value);
  }

  /** Appends one audit entry and returns its id. */
  appendAudit(e: NewAuditEntry): number {
    const r = this.s.appendAudit.run({
      time: e.time,
      host: e.host,
      who: e.who,
      action: e.action,
      outcome: e.outcome,
      reason: e.reason,
      from_state: e.from,
      to_state: e.to,
      detail: e.detail === null ? null : JSON.stringify(e.detail),
    });
    return Number(r.lastInsertRowid);
  }

  /** The newest `limit` entries of `host` (all hosts with `host` undefined) with ids below `beforeId`, newest first. */
  history(host: string | undefined, limit: number, beforeId = Number.MAX_SAFE_INTEGER): AuditEntry[] {
    const rows = host === undefined ? this.s.recent.all(beforeId, limit) : this.s.history.all(host, beforeId, limit);
    return rows.map(auditFromRow);
  }

  /** Deletes audit entries older than `time`. */
  pruneAudit(time: number): void {
    this.s.pruneAudit.run(time);
  }
}
