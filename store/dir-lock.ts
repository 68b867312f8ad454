/**
 * One Satellite per data directory. Two processes on one store would both
 * run alerting (and so both send every page to PagerDuty), both run the
 * scheduler and fight over its state. `lockDataDir` takes the directory with
 * a lock file created exclusively (`satellite.lock`: the holder's pid, host
 * and start time); a second process is refused with a message that names
 * the holder. A lock left by a process that died (kill -9, a power loss) is
 * taken over: on the same host its pid no longer runs.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";

/** File name of the lock inside the data directory. */
export const LOCK_FILE = "satellite.lock";

/** What the lock file holds. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly since: string;
  /** What the holder runs ("satellite start", ...). */
  readonly command: string;
}

/** The data directory is held by another live process; the message names it and says what to do. */
export class DataDirInUseError extends Error {
  override readonly name = "DataDirInUseError";
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `data directory ${dir} is in use by ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.since}): ` +
        `stop it or give another --data-dir` +
        (holder.host === os.hostname() ? "" : `; if that process is gone, remove ${join(dir, LOCK_FILE)}`),
    );
  }
}

/** A held lock; `release()` removes the file (idempotent). */
export interface DataDirLock {
  readonly file: string;
  release(): void;
}

/** True when `pid` runs on this host (a process we may not signal still runs). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, "utf8")) as Partial<LockHolder>;
    if (typeof h.pid !== "number" || typeof h.host !== "string") return undefined;
    return { pid: h.pid, host: h.host, since: typeof h.since === "string" ? h.since : "?", command: typeof h.command === "string" ? h.command : "satellite" };
  } catch {
    return undefined; // unreadable or half-written: taken as stale
  }
}

/**
 * Takes `dir` (creating it) for this process, or throws `DataDirInUseError`
 * when a live process holds it: one on this host whose pid still runs, or
 * one on another host (a shared filesystem), which cannot be checked. A lock
 * of this very process counts as held too (two Satellites in one process
 * would double-send as well).
 *
 * @example
 * const lock = lockDataDir("data", "satellite start");
 * // ... run ...
 * lock.release();
 */
export function lockDataDir(dir: string, command: string): DataDirLock {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), command };
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = readHolder(file);
      if (holder !== undefined && (holder.host !== me.host || isRunning(holder.pid))) throw new DataDirInUseError(dir, holder);
      if (attempt > 0) throw new Error(`cannot take ${file}: another process is taking it at the same time`, { cause: err });
      unlinkSync(file); // stale: its process is gone
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me) + "\n");
    } finally {
      closeSync(fd);
    }
    let held = true;
    return {
      file,
      release(): void {
        if (!held) return;
        held = false;
        if (readHolder(file)?.pid === me.pid) unlinkSync(file);
      },
    };
  }
}
