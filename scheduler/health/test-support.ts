/**
 * Helpers for host health's tests: an inventory the test edits, a fleet of
 * numbered hosts, and `openHealth`, which builds a `HostHealth` on a
 * `VirtualClock` with its page/resolve intents collected. Test-only;
 * nothing else imports this file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Intent } from "../../rules/intents.ts";
import { openDatabase, type Db } from "../../store/database.ts";
import { VirtualClock } from "../../streams/clock.ts";
import type { HostInventory } from "../host-health.ts";
import { HostHealth } from "./host-health.ts";

/** Start of every test's clock. */
export const T0 = 1_700_000_000;

/** An inventory whose hosts the test adds and removes. */
export class TestInventory implements HostInventory {
  readonly hosts = new Set<string>();
  constructor(hosts: Iterable<string> = []) {
    for (const h of hosts) this.hosts.add(h);
  }
  registeredHosts(): readonly string[] {
    return [...this.hosts].sort();
  }
  isRegistered(host: string): boolean {
    return this.hosts.has(host);
  }
}

/**
 * Host names "h01", "h02", ... "hNN".
 *
 * @example
 * fleet(3); // ["h01", "h02", "h03"]
 */
export function fleet(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `h${String(i + 1).padStart(2, "0")}`);
}

/** A host health under test and what it is made of. */
export interface TestHealth {
  readonly health: HostHealth;
  readonly clock: VirtualClock;
  readonly inventory: TestInventory;
  readonly db: Db;
  /** Intents the guard emitted. */
  readonly intents: Intent[];
  /** Hosts passed to `onChange` listeners, in order. */
  readonly changes: string[];
}

/**
 * A `HostHealth` on an in-memory database (or `db`), a `VirtualClock` at
 * `T0` (or `clock`) and a fleet of `hosts` registered hosts (default 50).
 *
 * @example
 * const { health, clock } = openHealth({ options: { returnDampingSeconds: 0 } });
 */
export function openHealth(setup: { options?: unknown; hosts?: number | readonly string[]; db?: Db; clock?: VirtualClock; inventory?: TestInventory } = {}): TestHealth {
  const clock = setup.clock ?? new VirtualClock(T0);
  const hosts = setup.hosts ?? 50;
  const inventory = setup.inventory ?? new TestInventory(typeof hosts === "number" ? fleet(hosts) : hosts);
  const db = setup.db ?? openDatabase(":memory:");
  const intents: Intent[] = [];
  const changes: string[] = [];
  const health = new HostHealth({ db, clock, inventory, sink: (i) => void intents.push(i), options: setup.options, log: () => {} });
  health.onChange((h) => void changes.push(h));
  return { health, clock, inventory, db, intents, changes };
}

/** A temporary directory; `cleanup` removes it. */
export function tempDir(prefix = "sat-health-"): { readonly dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
