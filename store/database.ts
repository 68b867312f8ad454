/**
 * The embedded store: one SQLite database (better-sqlite3) in the data
 * directory holds every part's durable state — alerts and their history, the
 * PagerDuty outbox, scheduler and whitelist state, the audit log, the short
 * metric history of the web page. Each part owns its own tables and brings
 * its own numbered migrations; `migrate` applies the ones a database has not
 * seen, each in a transaction, and records them per part.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";

/** An open database handle (better-sqlite3's, synchronous). */
export type Db = Database.Database;

/** One schema step of a part: applied once, in `version` order. */
export interface Migration {
  /** 1, 2, 3, ... per part; never renumber a shipped migration. */
  readonly version: number;
  /** SQL statements run in one transaction. */
  readonly sql: string;
}

/** File name of the store inside the data directory. */
export const STORE_FILE = "satellite.db";

/**
 * Opens (creating when missing) the store at `path`, or an in-memory one for
 * ":memory:". WAL journal, `synchronous = NORMAL` (a committed transaction
 * survives the process being killed, kill -9 included; only a power loss can
 * lose the last commits), foreign keys on, and a 5 s busy timeout so a
 * second process reading the same file waits instead of failing.
 *
 * @example
 * const db = openDatabase(":memory:");
 * migrate(db, "alerting", [{ version: 1, sql: "CREATE TABLE alerts (key TEXT PRIMARY KEY)" }]);
 */
export function openDatabase(path: string): Db {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  return db;
}

/**
 * Opens the store of a data directory (`<dataDir>/satellite.db`), creating the directory.
 *
 * @example
 * const db = openStore("data");
 */
export function openStore(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  return openDatabase(join(dataDir, STORE_FILE));
}

/**
 * Brings `part`'s tables up to date: runs every migration whose version is
 * above the recorded one, in order, each in its own transaction together with
 * the version record. Throws when versions are not strictly increasing, or
 * when the database is newer than this code (a downgrade), naming the part.
 *
 * @example
 * migrate(db, "scheduler", [
 *   { version: 1, sql: "CREATE TABLE jobs (uuid TEXT PRIMARY KEY, spec TEXT NOT NULL)" },
 *   { version: 2, sql: "ALTER TABLE jobs ADD COLUMN user TEXT" },
 * ]);
 */
export function migrate(db: Db, part: string, migrations: readonly Migration[]): void {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version <= migrations[i - 1]!.version) {
      throw new Error(`store: migrations of "${part}" must have strictly increasing versions (${migrations[i - 1]!.version} then ${migrations[i]!.version})`);
    }
  }
  db.exec("CREATE TABLE IF NOT EXISTS schema_versions (part TEXT PRIMARY KEY, version INTEGER NOT NULL)");
  const row = db.prepare("SELECT version FROM schema_versions WHERE part = ?").get(part) as { version: number } | undefined;
  const current = row?.version ?? 0;
  const latest = migrations.length > 0 ? migrations[migrations.length - 1]!.version : 0;
  if (current > latest) throw new Error(`store: the database has "${part}" at schema version ${current}, newer than this Satellite knows (${latest}); upgrade Satellite or use another data directory`);
  const record = db.prepare("INSERT INTO schema_versions (part, version) VALUES (?, ?) ON CONFLICT(part) DO UPDATE SET version = excluded.version");
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(part, m.version);
    })();
  }
}
