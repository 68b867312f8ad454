/**
 * Helpers for the scheduler's tests: a host health whose statuses a test
 * sets by hand, a scheduler on an in-memory (or file) database under a
 * virtual clock with predictable task ids, and a one-line heartbeat.
 * Test-only; nothing in the scheduler imports this file.
 */
import { openDatabase, type Db } from "../store/database.ts";
import { VirtualClock } from "../streams/clock.ts";
import type { HostHealthView, HostStatus } from "./host-health.ts";
import type { FinishedReport, HeartbeatResponse } from "./protocol.ts";
import { Scheduler } from "./scheduler.ts";

const HEALTHY: HostStatus = { schedulable: true, reasons: [] };

/** A `HostHealthView` driven by the test: `set(host, status)` changes a host and notifies listeners. */
export class FakeHealth implements HostHealthView {
  private readonly statuses = new Map<string, HostStatus>();
  private readonly listeners = new Set<(host: string) => void>();

  status(host: string): HostStatus {
    return this.statuses.get(host) ?? HEALTHY;
  }

  onChange(listener: (host: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(host: string, status: HostStatus): void {
    this.statuses.set(host, status);
    for (const l of this.listeners) l(host);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}

/** A scheduler for tests and what it runs on. */
export interface TestScheduler {
  readonly scheduler: Scheduler;
  readonly clock: VirtualClock;
  readonly health: FakeHealth;
  readonly db: Db;
}

/** Opens a scheduler at time 1000 on `path` (default in memory), task ids "t1", "t2", ... (`idPrefix` instead of "t"). */
export function testScheduler(options: unknown = {}, path = ":memory:", clock = new VirtualClock(1000), idPrefix = "t"): TestScheduler {
  const db = openDatabase(path);
  const health = new FakeHealth();
  let n = 0;
  const scheduler = Scheduler.open({ db, clock, health, options, newId: () => `${idPrefix}${++n}` });
  return { scheduler, clock, health, db };
}

/** Sends one heartbeat of `host` with the given capacity, running ids and finished reports. */
export function beat(scheduler: Scheduler, host: string, capacity: { cpus: number; mem: number }, running: readonly string[] = [], finished: readonly FinishedReport[] = []): HeartbeatResponse {
  return scheduler.heartbeat(host, { capacity, running, finished });
}

/** A job spec with small defaults: 1 cpu, 100 MB, command "true". */
export function spec(uuid: string, user: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { uuid, user, command: "true", cpus: 1, mem: 100, ...extra };
}
