/**
 * Mute windows: silences (alerts matching label matchers) and maintenance
 * windows (every alert about one host) share one life — created with a start
 * and an end, active in between, ended early on request or by the clock —
 * and one storage shape (a table with `starts_at`, `ends_at`, `created_by`,
 * `created_at`, `updated_at`, `ended`, plus two columns of their own). A
 * `MuteWindows` keeps one kind: the live (not ended) windows in memory, the
 * rows in SQLite, and the views the API shows. `Alerting` decides what a
 * window mutes and records the history; this file only keeps the windows.
 */
import type { Db } from "../store/database.ts";
import { iso, type MaintenanceInput, type SilenceInput } from "./input.ts";
import { compileMatchers, type Labels, type Matcher } from "./matchers.ts";

/** Where a window is in its life, relative to now. */
export type WindowState = "pending" | "active" | "expired";

/** What every window has (times in unix seconds). */
export interface MuteWindow {
  readonly id: number;
  startsAt: number;
  endsAt: number;
  readonly createdBy: string;
  readonly createdAt: number;
  updatedAt: number;
  ended: boolean;
}

/** A silence in memory. */
export interface SilenceRecord extends MuteWindow {
  readonly matchers: readonly Matcher[];
  readonly comment: string;
  /** The matchers, compiled. */
  readonly test: (labels: Labels) => boolean;
}

/** A maintenance window in memory. */
export interface MaintenanceRecord extends MuteWindow {
  readonly host: string;
  readonly reason: string;
}

/** A silence as the API shows it. */
export interface SilenceView {
  readonly id: number;
  readonly matchers: readonly Matcher[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly state: WindowState;
}

/** A maintenance window as the API shows it. */
export interface MaintenanceView {
  readonly id: number;
  readonly host: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly reason: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly state: WindowState;
}

/** What every new window is given. */
export interface WindowInput {
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
}

/** A table row: the shared columns, and the kind's own two. */
interface WindowRow {
  id: number;
  starts_at: number;
  ends_at: number;
  created_by: string;
  created_at: number;
  updated_at: number;
  ended: number;
  [own: string]: unknown;
}

/** What distinguishes one kind of window. */
export interface WindowKind<R extends MuteWindow, I extends WindowInput, V> {
  /** The SQLite table (created by the alerting migrations). */
  readonly table: "alerting_silences" | "alerting_maintenance";
  /** The kind's own two columns, as written and read. */
  readonly columns: readonly [string, string];
  /** The values of `columns` for a new window. */
  values(input: I): readonly [unknown, unknown];
  /** The in-memory record of a row. */
  fromRow(row: WindowRow, shared: MuteWindow): R;
  /** The API view of a record (the shared fields and `state` are filled in). */
  view(record: R): Omit<V, keyof WindowViewFields>;
}

/** The fields every view has. */
interface WindowViewFields {
  readonly id: number;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly state: WindowState;
}

/**
 * Silences: `matchers` (stored as JSON) and `comment`.
 *
 * @example
 * const silences = new MuteWindows(db, SILENCES);
 */
export const SILENCES: WindowKind<SilenceRecord, SilenceInput, SilenceView> = {
  table: "alerting_silences",
  columns: ["matchers", "comment"],
  values: (input) => [JSON.stringify(input.matchers), input.comment],
  fromRow: (row, shared) => {
    const matchers = JSON.parse(row.matchers as string) as Matcher[];
    return { ...shared, matchers, comment: row.comment as string, test: compileMatchers(matchers) };
  },
  view: (s) => ({ matchers: s.matchers, comment: s.comment }),
};

/**
 * Maintenance windows: `host` and `reason`.
 *
 * @example
 * const maintenance = new MuteWindows(db, MAINTENANCE);
 */
export const MAINTENANCE: WindowKind<MaintenanceRecord, MaintenanceInput, MaintenanceView> = {
  table: "alerting_maintenance",
  columns: ["host", "reason"],
  values: (input) => [input.host, input.reason],
  fromRow: (row, shared) => ({ ...shared, host: row.host as string, reason: row.reason as string }),
  view: (m) => ({ host: m.host, reason: m.reason }),
};

/**
 * The state of a window at `now`: expired once ended or past its end, pending before its start.
 *
 * @example
 * windowState(100, 200, false, 150); // "active"
 */
export function windowState(startsAt: number, endsAt: number, ended: boolean, now: number): WindowState {
  if (ended || endsAt <= now) return "expired";
  return startsAt > now ? "pending" : "active";
}

/**
 * One kind of mute window: the live ones in memory (`live`, by id), every
 * one in the table. Writes happen inside the caller's transaction; nothing
 * here records history or re-evaluates alerts.
 *
 * @example
 * const silences = new MuteWindows(db, SILENCES);
 * silences.load();
 * const s = silences.create(input, now);
 * for (const w of silences.live.values()) if (w.startsAt <= now && now < w.endsAt) ...;
 */
export class MuteWindows<R extends MuteWindow, I extends WindowInput, V> {
  /** Windows not ended yet (pending or active, or past their end until `endDue` runs), by id. */
  readonly live = new Map<number, R>();
  private readonly q;

  constructor(
    db: Db,
    private readonly kind: WindowKind<R, I, V>,
  ) {
    const [a, b] = kind.columns;
    const t = kind.table;
    this.q = {
      live: db.prepare(`SELECT * FROM ${t} WHERE ended = 0 ORDER BY id`),
      all: db.prepare(`SELECT * FROM ${t} ORDER BY id DESC`),
      byId: db.prepare(`SELECT * FROM ${t} WHERE id = ?`),
      insert: db.prepare(`INSERT INTO ${t} (${a}, ${b}, starts_at, ends_at, created_by, created_at, updated_at, ended) VALUES (?, ?, ?, ?, ?, ?, ?, 0)`),
      update: db.prepare(`UPDATE ${t} SET starts_at = ?, ends_at = ?, updated_at = ?, ended = ? WHERE id = ?`),
    };
  }

  /** Reads the live windows from the table (replacing what is in memory). */
  load(): void {
    this.live.clear();
    for (const row of this.q.live.all() as WindowRow[]) {
      const w = this.fromRow(row);
      this.live.set(w.id, w);
    }
  }

  /** Stores a new window and returns it (live from now on). */
  create(input: I, now: number): R {
    const [a, b] = this.kind.values(input);
    const id = Number(this.q.insert.run(a, b, input.startsAt, input.endsAt, input.createdBy, now, now).lastInsertRowid);
    const w = this.get(id)!;
    this.live.set(id, w);
    return w;
  }

  /**
   * Ends live window `id` now (a pending one starts and ends now); returns
   * it, or undefined when it is not live (unknown, or ended already).
   */
  endEarly(id: number, now: number): R | undefined {
    const w = this.live.get(id);
    if (w === undefined) return undefined;
    if (w.startsAt > now) w.startsAt = now;
    if (w.endsAt > now) w.endsAt = now;
    this.end(w, now);
    return w;
  }

  /** Ends every live window whose end has come; returns them. */
  endDue(now: number): R[] {
    const due: R[] = [];
    for (const w of this.live.values()) if (w.endsAt <= now) due.push(w);
    for (const w of due) this.end(w, now);
    return due;
  }

  /** The live windows active at `now`. */
  *activeAt(now: number): Generator<R, void, undefined> {
    for (const w of this.live.values()) if (w.startsAt <= now && now < w.endsAt) yield w;
  }

  /** The earliest start or end of a live window after `now` (a start still ahead, else the end), or undefined. */
  nextBoundary(now: number): number | undefined {
    let next: number | undefined;
    for (const w of this.live.values()) {
      const t = w.startsAt > now ? w.startsAt : w.endsAt;
      if (next === undefined || t < next) next = t;
    }
    return next;
  }

  /** Any window by id, from the table (ended ones included), or undefined. */
  get(id: number): R | undefined {
    const row = this.q.byId.get(id) as WindowRow | undefined;
    return row === undefined ? undefined : this.fromRow(row);
  }

  /**
   * Windows in `states` at `now` that `keep` accepts, newest first, at most `limit`.
   * Only live windows are read unless `states` includes "expired".
   */
  list(now: number, states: readonly WindowState[], limit: number, keep: (w: R) => boolean = () => true): R[] {
    const rows = (states.includes("expired") ? this.q.all.all() : (this.q.live.all() as WindowRow[]).reverse()) as WindowRow[];
    const out: R[] = [];
    for (const row of rows) {
      const w = this.fromRow(row);
      if (!keep(w) || !states.includes(windowState(w.startsAt, w.endsAt, w.ended, now))) continue;
      out.push(w);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The API view of `w` at `now`. */
  view(w: R, now: number): V {
    return {
      id: w.id,
      ...this.kind.view(w),
      startsAt: iso(w.startsAt)!,
      endsAt: iso(w.endsAt)!,
      createdBy: w.createdBy,
      createdAt: iso(w.createdAt)!,
      updatedAt: iso(w.updatedAt)!,
      state: windowState(w.startsAt, w.endsAt, w.ended, now),
    } as V;
  }

  private end(w: R, now: number): void {
    w.ended = true;
    w.updatedAt = now;
    this.q.update.run(w.startsAt, w.endsAt, now, 1, w.id);
    this.live.delete(w.id);
  }

  private fromRow(row: WindowRow): R {
    const shared: MuteWindow = {
      id: row.id,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      ended: row.ended === 1,
    };
    return this.kind.fromRow(row, shared);
  }
}
