/**
 * A short history of every host's numeric metrics for the web page's
 * sparklines, kept in the embedded store. Events pass through `record`
 * (a stream beside the rules); per series only the last value of each
 * `stepSeconds` bucket is kept, buffered in memory and written in one
 * transaction per step, and points older than `retentionSeconds` are
 * deleted — so the cost is one row per series per step, whatever the event
 * rate.
 */
import type { Db } from "../../store/database.ts";
import { migrate } from "../../store/database.ts";
import type { Clock } from "../../streams/clock.ts";
import type { Event } from "../../streams/event.ts";

/** Settings of `MetricHistory`. */
export interface MetricHistoryOptions {
  readonly db: Db;
  readonly clock: Clock;
  /** Bucket width, seconds. Default 10. */
  readonly stepSeconds?: number;
  /** How long points are kept, seconds. Default 3,600. */
  readonly retentionSeconds?: number;
  /** Most series kept in one step's buffer (new series beyond it are not recorded, and counted). Default 200,000. */
  readonly maxSeries?: number;
}

/** Defaults of `MetricHistory`. */
export const HISTORY_DEFAULTS = Object.freeze({ stepSeconds: 10, retentionSeconds: 3600, maxSeries: 200_000 });

/** One series of a host: its points in time order. */
export interface Series {
  readonly service: string;
  readonly points: readonly (readonly [time: number, value: number])[];
}

/**
 * Per-host metric history in SQLite (table `web_metric_points`).
 *
 * @example
 * const history = new MetricHistory({ db, clock });
 * history.start();
 * engineStream = fanout(ctx, "top", [rules, (e) => history.record(e)]);
 * history.seriesOf("h1", clock.now() - 600);
 */
export class MetricHistory {
  private buffer = new Map<string, { host: string; service: string; time: number; value: number }>();
  private timer: { cancel(): void } | undefined;
  private readonly step: number;
  private readonly retention: number;
  private readonly maxSeries: number;
  private readonly insert;
  private readonly prune;
  private readonly select;
  /** Series not recorded because the buffer was full. */
  droppedSeries = 0;

  constructor(private readonly options: MetricHistoryOptions) {
    this.step = options.stepSeconds ?? HISTORY_DEFAULTS.stepSeconds;
    this.retention = options.retentionSeconds ?? HISTORY_DEFAULTS.retentionSeconds;
    this.maxSeries = options.maxSeries ?? HISTORY_DEFAULTS.maxSeries;
    if (!(this.step > 0)) throw new RangeError(`history.stepSeconds must be > 0, got ${this.step}`);
    migrate(options.db, "web", [
      {
        version: 1,
        sql: `CREATE TABLE web_metric_points (host TEXT NOT NULL, service TEXT NOT NULL, t REAL NOT NULL, v REAL NOT NULL, PRIMARY KEY (host, service, t)) WITHOUT ROWID;
              CREATE INDEX web_metric_points_t ON web_metric_points (t);`,
      },
    ]);
    this.insert = options.db.prepare("INSERT OR REPLACE INTO web_metric_points (host, service, t, v) VALUES (?, ?, ?, ?)");
    this.prune = options.db.prepare("DELETE FROM web_metric_points WHERE t < ?");
    this.select = options.db.prepare("SELECT service, t, v FROM web_metric_points WHERE host = ? AND t >= ? ORDER BY service, t");
  }

  /** Keeps `e`'s metric (if it has a finite one and a host) as its series' value for the current step. */
  record(e: Event): void {
    if (e.metric === undefined || !Number.isFinite(e.metric) || e.host === "" || e.host === "*" || e.state === "expired") return;
    const key = `${e.host}\u0000${e.service}`;
    const slot = this.buffer.get(key);
    if (slot !== undefined) {
      slot.time = e.time;
      slot.value = e.metric;
      return;
    }
    if (this.buffer.size >= this.maxSeries) {
      this.droppedSeries++;
      return;
    }
    this.buffer.set(key, { host: e.host, service: e.service, time: e.time, value: e.metric });
  }

  /** Starts writing one step at a time on the clock. */
  start(): void {
    if (this.timer !== undefined) return;
    const tick = (): void => {
      this.flush();
      this.timer = this.options.clock.setTimer(this.options.clock.now() + this.step, tick);
    };
    this.timer = this.options.clock.setTimer(this.options.clock.now() + this.step, tick);
  }

  /** Stops the timer and writes what is buffered. */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.flush();
  }

  /** Writes the buffered step (points stamped at the bucket start) and drops expired points. */
  flush(): void {
    const now = this.options.clock.now();
    const rows = this.buffer;
    this.buffer = new Map();
    this.options.db.transaction(() => {
      for (const r of rows.values()) this.insert.run(r.host, r.service, Math.floor(r.time / this.step) * this.step, r.value);
      this.prune.run(now - this.retention);
    })();
  }

  /** The host's series since `since` (unix seconds), with the not-yet-written step appended. */
  seriesOf(host: string, since: number): Series[] {
    const rows = this.select.all(host, since) as { service: string; t: number; v: number }[];
    const byService = new Map<string, [number, number][]>();
    for (const r of rows) {
      let points = byService.get(r.service);
      if (points === undefined) byService.set(r.service, (points = []));
      points.push([r.t, r.v]);
    }
    for (const r of this.buffer.values()) {
      if (r.host !== host) continue;
      let points = byService.get(r.service);
      if (points === undefined) byService.set(r.service, (points = []));
      points.push([Math.floor(r.time / this.step) * this.step, r.value]);
    }
    return [...byService].map(([service, points]) => ({ service, points })).sort((a, b) => (a.service < b.service ? -1 : 1));
  }
}
