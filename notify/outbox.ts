/**
 * The durable outbox of pages: the `notify_outbox` table of the embedded
 * SQLite store. A notification is written here, in a transaction, before
 * `enqueue` returns; each row then moves from "pending" to exactly one final
 * status (delivered, rejected, not-configured, gave-up) in a single UPDATE
 * that also records the outcome, so a crash leaves a row either pending (it
 * is sent again after the restart) or finished (it is not). Rows hold the
 * routing NAME, never a routing key. This file is storage only; the delivery
 * loop is in pagerduty.ts.
 */
import { migrate, type Db } from "../store/database.ts";
import type { Notification } from "./notification.ts";
import type { StoredMessage } from "./events-v2.ts";

/** Life of an outbox row: "pending" until one of the four final statuses. */
export type OutboxStatus = "pending" | "delivered" | "rejected" | "not-configured" | "gave-up";

/** The final statuses. */
export type FinalStatus = Exclude<OutboxStatus, "pending">;

/** One outbox row. Times are the clock's unix seconds. */
export interface OutboxRow {
  readonly id: number;
  /** The dedup key as the alerting side gave it (ordering is per this key). */
  readonly dedupKey: string;
  readonly action: Notification["action"];
  /** Routing NAME, resolved to a key only when sending. */
  readonly routing: string;
  readonly message: StoredMessage;
  readonly fingerprint: string;
  readonly status: OutboxStatus;
  /** Delivery attempts made so far (survives restarts). */
  readonly attempts: number;
  readonly createdAt: number;
  /** Not sent before this time (backoff). */
  readonly nextAttemptAt: number;
  readonly lastAttemptAt: number | null;
  readonly lastStatus: number | null;
  /** Last error, with routing keys redacted. */
  readonly lastError: string | null;
  readonly doneAt: number | null;
}

const MIGRATIONS = [
  {
    version: 1,
    sql: `
      CREATE TABLE notify_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        dedup_key TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('trigger', 'acknowledge', 'resolve')),
        routing TEXT NOT NULL,
        message TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'rejected', 'not-configured', 'gave-up')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        next_attempt_at REAL NOT NULL,
        last_attempt_at REAL,
        last_status INTEGER,
        last_error TEXT,
        done_at REAL
      );
      CREATE INDEX notify_outbox_key ON notify_outbox (dedup_key, id);
      CREATE INDEX notify_outbox_pending ON notify_outbox (status, dedup_key, id);
    `,
  },
] as const;

interface RawRow {
  id: number;
  dedup_key: string;
  action: Notification["action"];
  routing: string;
  message: string;
  fingerprint: string;
  status: OutboxStatus;
  attempts: number;
  created_at: number;
  next_attempt_at: number;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  done_at: number | null;
}

function fromRaw(r: RawRow): OutboxRow {
  return {
    id: r.id,
    dedupKey: r.dedup_key,
    action: r.action,
    routing: r.routing,
    message: JSON.parse(r.message) as StoredMessage,
    fingerprint: r.fingerprint,
    status: r.status,
    attempts: r.attempts,
    createdAt: r.created_at,
    nextAttemptAt: r.next_attempt_at,
    lastAttemptAt: r.last_attempt_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    doneAt: r.done_at,
  };
}

/** What `add` needs to write a row. */
export interface NewOutboxRow {
  readonly dedupKey: string;
  readonly action: Notification["action"];
  readonly routing: string;
  readonly message: StoredMessage;
  readonly fingerprint: string;
}

/**
 * The `notify_outbox` table. Construction applies the "notify" migrations.
 *
 * @example
 * const outbox = new Outbox(openDatabase(":memory:"));
 * outbox.add({ dedupKey: "k", action: "resolve", routing: "default", message: { action: "resolve", dedupKey: "k", notes: [] }, fingerprint: "f" }, 0);
 * outbox.heads().length; // 1
 */
export class Outbox {
  private readonly lastForKey;
  private readonly insert;
  private readonly selectHeads;
  private readonly attemptStmt;
  private readonly finishStmt;
  private readonly retryStmt;
  private readonly depthStmt;
  private readonly byId;
  private readonly listStmt;
  private readonly pruneStmt;
  private readonly addTx;

  constructor(private readonly db: Db) {
    migrate(db, "notify", MIGRATIONS);
    this.lastForKey = db.prepare("SELECT action, fingerprint, status FROM notify_outbox WHERE dedup_key = ? ORDER BY id DESC LIMIT 1");
    this.insert = db.prepare(
      "INSERT INTO notify_outbox (dedup_key, action, routing, message, fingerprint, status, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
    );
    // The oldest pending row of every dedup key, soonest due first.
    this.selectHeads = db.prepare(
      `SELECT o.* FROM notify_outbox o
       JOIN (SELECT MIN(id) AS id FROM notify_outbox WHERE status = 'pending' GROUP BY dedup_key) h ON h.id = o.id
       ORDER BY o.next_attempt_at, o.id`,
    );
    this.attemptStmt = db.prepare("UPDATE notify_outbox SET attempts = attempts + 1, last_attempt_at = ? WHERE id = ? AND status = 'pending' RETURNING attempts");
    this.finishStmt = db.prepare("UPDATE notify_outbox SET status = ?, done_at = ?, last_status = ?, last_error = ? WHERE id = ? AND status = 'pending'");
    this.retryStmt = db.prepare("UPDATE notify_outbox SET next_attempt_at = ?, last_status = ?, last_error = ? WHERE id = ? AND status = 'pending'");
    this.depthStmt = db.prepare("SELECT routing, COUNT(*) AS n FROM notify_outbox WHERE status = 'pending' GROUP BY routing");
    this.byId = db.prepare("SELECT * FROM notify_outbox WHERE id = ?");
    this.listStmt = db.prepare("SELECT * FROM notify_outbox WHERE (? IS NULL OR dedup_key = ?) ORDER BY id LIMIT ?");
    this.pruneStmt = db.prepare("DELETE FROM notify_outbox WHERE status != 'pending' AND done_at < ?");
    this.addTx = db.transaction((row: NewOutboxRow, now: number): number | undefined => {
      const last = this.lastForKey.get(row.dedupKey) as { action: string; fingerprint: string; status: OutboxStatus } | undefined;
      if (last !== undefined && last.action === row.action && last.fingerprint === row.fingerprint && (last.status === "pending" || last.status === "delivered")) {
        return undefined;
      }
      const r = this.insert.run(row.dedupKey, row.action, row.routing, JSON.stringify(row.message), row.fingerprint, now, now);
      return Number(r.lastInsertRowid);
    });
  }

  /**
   * Writes a pending row (committed when this returns) and returns its id;
   * returns undefined instead when the newest row of the same dedup key has
   * the same action and fingerprint and is pending or delivered (a replay).
   */
  add(row: NewOutboxRow, now: number): number | undefined {
    return this.addTx(row, now);
  }

  /** The oldest pending row of each dedup key, ordered by due time then id. */
  heads(): OutboxRow[] {
    return (this.selectHeads.all() as RawRow[]).map(fromRaw);
  }

  /** Counts an attempt starting at `now`; returns its number (1-based), or undefined when the row is no longer pending. */
  startAttempt(id: number, now: number): number | undefined {
    const r = this.attemptStmt.get(now, id) as { attempts: number } | undefined;
    return r?.attempts;
  }

  /** Moves a pending row to a final status together with the outcome (one statement, one transaction). */
  finish(id: number, status: FinalStatus, now: number, httpStatus: number | null, error: string | null): void {
    this.finishStmt.run(status, now, httpStatus, error, id);
  }

  /** Records a failed attempt and when to try again. */
  retryAt(id: number, at: number, httpStatus: number | null, error: string | null): void {
    this.retryStmt.run(at, httpStatus, error, id);
  }

  /** Pending rows per routing name. */
  depthByRouting(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.depthStmt.all() as { routing: string; n: number }[]) out.set(r.routing, r.n);
    return out;
  }

  /** One row by id. */
  get(id: number): OutboxRow | undefined {
    const r = this.byId.get(id) as RawRow | undefined;
    return r === undefined ? undefined : fromRaw(r);
  }

  /** Rows in id order, of one dedup key or all, at most `limit`. */
  list(dedupKey?: string, limit = 1000): OutboxRow[] {
    const k = dedupKey ?? null;
    return (this.listStmt.all(k, k, limit) as RawRow[]).map(fromRaw);
  }

  /** Deletes final rows finished before `before`; returns how many. */
  prune(before: number): number {
    return this.pruneStmt.run(before).changes;
  }
}
