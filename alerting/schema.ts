/**
 * The alerting part's tables in the embedded store (all prefixed
 * `alerting_`): one row per alert identity with its current episode's state
 * and timestamps (so timers are recomputed after a restart), the groups'
 * notification state, silences, maintenance windows, and the history.
 */
import type { Migration } from "../store/database.ts";

/**
 * Alerting's migrations, applied by `migrate(db, "alerting", ALERTING_MIGRATIONS)`.
 *
 * @example
 * migrate(db, "alerting", ALERTING_MIGRATIONS);
 */
export const ALERTING_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    sql: `
      CREATE TABLE alerting_alerts (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        rule TEXT NOT NULL,
        subject TEXT NOT NULL,
        host TEXT,
        service TEXT,
        severity TEXT NOT NULL,
        summary TEXT NOT NULL,
        labels TEXT NOT NULL,
        evidence TEXT NOT NULL,
        policy TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
        episode INTEGER NOT NULL,
        started_at REAL NOT NULL,
        firing_at REAL,
        resolving_since REAL,
        resolved_at REAL,
        last_page_at REAL NOT NULL,
        notified INTEGER NOT NULL DEFAULT 0,
        last_notified_at REAL,
        dedup_key TEXT NOT NULL,
        routing TEXT NOT NULL,
        group_key TEXT,
        muted_by TEXT NOT NULL DEFAULT '{"silences":[],"maintenance":[]}',
        flaps INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
      );
      CREATE INDEX alerting_alerts_state ON alerting_alerts (state);
      CREATE INDEX alerting_alerts_dedup ON alerting_alerts (dedup_key);
      CREATE INDEX alerting_alerts_updated ON alerting_alerts (updated_at);

      CREATE TABLE alerting_groups (
        key TEXT PRIMARY KEY,
        rule TEXT NOT NULL,
        dedup_key TEXT NOT NULL,
        routing TEXT NOT NULL,
        renotify_seconds REAL NOT NULL,
        open INTEGER NOT NULL DEFAULT 0,
        opened_at REAL,
        last_sent_at REAL,
        signature TEXT,
        flush_at REAL,
        updated_at REAL NOT NULL
      );

      CREATE TABLE alerting_silences (
        id INTEGER PRIMARY KEY,
        matchers TEXT NOT NULL,
        starts_at REAL NOT NULL,
        ends_at REAL NOT NULL,
        created_by TEXT NOT NULL,
        comment TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        ended INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX alerting_silences_ended ON alerting_silences (ended, ends_at);

      CREATE TABLE alerting_maintenance (
        id INTEGER PRIMARY KEY,
        host TEXT NOT NULL,
        starts_at REAL NOT NULL,
        ends_at REAL NOT NULL,
        created_by TEXT NOT NULL,
        reason TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        ended INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX alerting_maintenance_ended ON alerting_maintenance (ended, ends_at);

      CREATE TABLE alerting_history (
        id INTEGER PRIMARY KEY,
        time REAL NOT NULL,
        kind TEXT NOT NULL,
        alert_id INTEGER,
        episode INTEGER,
        group_key TEXT,
        dedup_key TEXT,
        silence_id INTEGER,
        maintenance_id INTEGER,
        rule TEXT,
        host TEXT,
        action TEXT,
        outcome TEXT,
        detail TEXT
      );
      CREATE INDEX alerting_history_alert ON alerting_history (alert_id, id);
      CREATE INDEX alerting_history_group ON alerting_history (group_key, id);
      CREATE INDEX alerting_history_time ON alerting_history (time);
    `,
  },
]);
