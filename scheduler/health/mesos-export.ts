/**
 * The Mesos whitelist file, for sites still on Mesos: the sorted names of
 * the registered hosts that are in (schedulable), one per line, as
 * Satellite's `write-out-cache!` wrote `/etc/mesos/whitelist`. Mesos reads
 * an empty file as "no agent may receive offers", so the file is never
 * written empty, nor from an inventory that is empty, below its minimum, or
 * much smaller than the file (a partial inventory): the previous file stays
 * and the reason is logged. Writes go to a temporary file in the same
 * directory, are synced, then renamed over the old one.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Clock, Timer } from "../../streams/clock.ts";
import type { HostHealthView, HostInventory } from "../host-health.ts";
import type { HealthLog } from "./host-health.ts";
import { resolveMesosExportOptions, type MesosExportOptions } from "./options.ts";

/** What `MesosWhitelistExport` is built from. */
export interface MesosExportDeps {
  readonly health: HostHealthView;
  readonly inventory: HostInventory;
  readonly clock: Clock;
  /** Raw settings, validated by `resolveMesosExportOptions` (`path` required). */
  readonly options: unknown;
  /** Default: warnings as JSON lines on stderr. */
  readonly log?: HealthLog | undefined;
  /** Called with the reason when a sync keeps the previous file (once per new reason), e.g. to record it in the audit log. */
  readonly onSkip?: ((reason: string) => void) | undefined;
}

/** What one sync did. */
export type SyncResult =
  | { readonly outcome: "written"; readonly hosts: number }
  | { readonly outcome: "unchanged"; readonly hosts: number }
  | { readonly outcome: "kept"; readonly reason: string };

const stderrLog: HealthLog = (level, message, fields) => {
  if (level === "info") return;
  process.stderr.write(`${JSON.stringify({ level, component: "mesos-whitelist", message, ...fields })}\n`);
};

function readHosts(path: string): string[] | undefined {
  try {
    return readFileSync(path, "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Writes `content` to `path` atomically: a temporary file beside it,
 * fsync'd, renamed over `path`, then the directory fsync'd (best effort).
 *
 * @example
 * writeFileAtomic("/etc/mesos/whitelist", "web1\nweb2\n");
 */
export function writeFileAtomic(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, "w", 0o644);
    try {
      writeFileSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  try {
    const dir = openSync(dirname(path), "r");
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Some filesystems refuse to fsync a directory; the rename is done all the same.
  }
}

/**
 * Keeps the Mesos whitelist file in step with host health: `sync()` now,
 * and every `syncSeconds` once started.
 *
 * Differs from Satellite: never writes an empty file or one computed from an
 * empty or partial inventory (Satellite wrote whatever ZooKeeper held, so an
 * empty ZooKeeper inventory meant "no agents"); lists only registered hosts.
 *
 * @example
 * const exporter = new MesosWhitelistExport({ health, inventory: scheduler, clock, options: { path: "/etc/mesos/whitelist" } });
 * exporter.start();
 */
export class MesosWhitelistExport {
  readonly options: MesosExportOptions;
  private readonly health: HostHealthView;
  private readonly inventory: HostInventory;
  private readonly clock: Clock;
  private readonly log: HealthLog;
  private readonly onSkip: ((reason: string) => void) | undefined;
  private timer: Timer | undefined;
  private lastReason: string | undefined;
  private skipped: { readonly time: number; readonly reason: string } | undefined;
  private stopped = false;

  /** Throws on invalid options, naming the field. */
  constructor(deps: MesosExportDeps) {
    this.options = resolveMesosExportOptions(deps.options);
    this.health = deps.health;
    this.inventory = deps.inventory;
    this.clock = deps.clock;
    this.log = deps.log ?? stderrLog;
    this.onSkip = deps.onSkip;
  }

  /** The last sync that kept the previous file, and why; undefined once a sync wrote or confirmed the file. */
  get lastSkip(): { readonly time: number; readonly reason: string } | undefined {
    return this.skipped;
  }

  /** Syncs now and then every `syncSeconds`. */
  start(): void {
    this.stopped = false;
    this.tick();
  }

  /** Stops the periodic sync. */
  close(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /**
   * Computes the whitelist and writes it when it changed and is safe to write.
   *
   * @example
   * exporter.sync(); // { outcome: "kept", reason: "the computed whitelist is empty" }
   */
  sync(): SyncResult {
    const path = this.options.path;
    const registered = this.inventory.registeredHosts();
    const previous = readHosts(path);
    let reason: string | undefined;
    const hosts: string[] = [];
    if (registered.length < this.options.minInventory) {
      reason = `the inventory has ${registered.length} registered host${registered.length === 1 ? "" : "s"}, fewer than ${this.options.minInventory}`;
    } else if (previous !== undefined && registered.length < (1 - this.options.maxInventoryDrop) * previous.length) {
      reason = `the inventory has ${registered.length} registered hosts while the file lists ${previous.length}: taken as partial`;
    } else {
      for (const host of registered) if (this.health.status(host).schedulable) hosts.push(host);
      hosts.sort();
      if (hosts.length === 0) reason = `the computed whitelist is empty (${registered.length} registered hosts, none schedulable)`;
    }
    if (reason !== undefined) {
      this.skipped = { time: this.clock.now(), reason };
      if (reason !== this.lastReason) {
        this.lastReason = reason;
        this.log("warn", `mesos whitelist: kept ${path} as it is: ${reason}`, { path });
        this.onSkip?.(reason);
      }
      return { outcome: "kept", reason };
    }
    this.lastReason = undefined;
    this.skipped = undefined;
    if (previous !== undefined && previous.length === hosts.length && previous.every((h, i) => h === hosts[i])) return { outcome: "unchanged", hosts: hosts.length };
    writeFileAtomic(path, hosts.join("\n") + "\n");
    this.log("info", `mesos whitelist: wrote ${hosts.length} hosts to ${path}`, { path, hosts: hosts.length });
    return { outcome: "written", hosts: hosts.length };
  }

  private tick(): void {
    if (this.stopped) return;
    try {
      this.sync();
    } catch (err) {
      this.log("error", `mesos whitelist: writing ${this.options.path} failed`, { error: String(err) });
    }
    this.timer = this.clock.setTimer(this.clock.now() + this.options.syncSeconds, () => this.tick());
  }
}
