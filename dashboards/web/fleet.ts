/**
 * The fleet at a glance: one tile per host with its health (the worst state
 * of its live events, or "silent" once its events — heartbeat first — have
 * expired), whether the scheduler may use it and why not, and the event that
 * decided its colour. The model rescans the engine's index on a clock timer
 * (twice a second by default) and hands the tiles that changed to listeners,
 * which is what the web page's live updates carry; a scan of 5,000 hosts
 * with 30 services each takes a few milliseconds.
 */
import type { Clock } from "../../streams/clock.ts";
import type { EventIndex } from "../../streams/eventindex/index-store.ts";
import type { Event } from "../../streams/event.ts";
import { TASK_FAILED, TASK_FINISHED, TASK_STARTED } from "../../rules/builtin/services.ts";

/** A host's health as the page colours it, from best to worst. */
export type Health = "ok" | "warning" | "critical" | "silent";

/** What the scheduler thinks of a host (absent when no scheduler runs). */
export interface HostSchedulability {
  readonly schedulable: boolean;
  readonly reasons: readonly string[];
}

/** One tile of the fleet view. */
export interface HostTile {
  readonly host: string;
  readonly health: Health;
  /** "service: description" of the event that decided the health (empty when all is ok). */
  readonly reason: string;
  /** Live events the host has in the index. */
  readonly services: number;
  /** Time of its latest event, unix seconds. */
  readonly lastSeen: number;
  /** Undefined when no scheduler runs. */
  readonly schedulable: boolean | undefined;
  readonly scheduleReasons: readonly string[];
}

/** Settings of `FleetModel`. */
export interface FleetOptions {
  readonly index: EventIndex;
  readonly clock: Clock;
  /** The scheduler's view of a host, if a scheduler runs. */
  readonly schedulability?: ((host: string) => HostSchedulability | undefined) | undefined;
  /** The hosts the scheduler knows (so a registered host with no events yet still gets a tile). */
  readonly knownHosts?: (() => Iterable<string>) | undefined;
  /** Seconds between scans. Default 0.5. */
  readonly scanSeconds?: number;
  /** A silent host's tile is dropped after this many seconds. Default 86,400 (a day). */
  readonly forgetSilentAfterSeconds?: number;
  /** Service whose expiry marks a host silent. Default "heartbeat". */
  readonly heartbeatService?: string;
  /**
   * Services that never colour a tile. Default: the task events ("task
   * started", "task finished", "task failed"): one failed job says little
   * about its host; the task-black-hole rule judges that.
   */
  readonly ignoreServices?: readonly string[];
}

/** Defaults of `FleetModel`. */
export const FLEET_DEFAULTS = Object.freeze({
  scanSeconds: 0.5,
  forgetSilentAfterSeconds: 86_400,
  heartbeatService: "heartbeat",
  ignoreServices: Object.freeze([TASK_STARTED, TASK_FINISHED, TASK_FAILED]),
});

const RANK: Readonly<Record<Health, number>> = { ok: 0, warning: 1, critical: 2, silent: 3 };

/** The health one event stands for: ok, warning, or critical for any other non-ok state (error, down, failed, ...). Undefined: no state. */
function healthOf(e: Event): Health | undefined {
  const s = e.state;
  if (s === undefined || s === "" || s === "ok") return s === "ok" ? "ok" : undefined;
  if (s === "warning" || s === "warn") return "warning";
  if (s === "expired") return undefined;
  return "critical";
}

function sameTile(a: HostTile, b: HostTile): boolean {
  if (a.health !== b.health || a.reason !== b.reason || a.services !== b.services || a.schedulable !== b.schedulable) return false;
  if (a.scheduleReasons.length !== b.scheduleReasons.length) return false;
  for (let i = 0; i < a.scheduleReasons.length; i++) if (a.scheduleReasons[i] !== b.scheduleReasons[i]) return false;
  return true;
}

/**
 * Tiles for every host, kept current by periodic scans of the index.
 *
 * @example
 * const fleet = new FleetModel({ index: engine.index, clock });
 * fleet.onChange((tiles) => console.log(tiles.map((t) => `${t.host} ${t.health}`)));
 * fleet.start();
 */
export class FleetModel {
  private readonly tiles = new Map<string, HostTile>();
  private readonly heartbeatSeen = new Set<string>();
  private readonly listeners = new Set<(changed: readonly HostTile[]) => void>();
  private readonly scanSeconds: number;
  private readonly forgetAfter: number;
  private readonly heartbeat: string;
  private readonly ignored: ReadonlySet<string>;
  private timer: { cancel(): void } | undefined;

  constructor(private readonly options: FleetOptions) {
    this.scanSeconds = options.scanSeconds ?? FLEET_DEFAULTS.scanSeconds;
    this.forgetAfter = options.forgetSilentAfterSeconds ?? FLEET_DEFAULTS.forgetSilentAfterSeconds;
    this.heartbeat = options.heartbeatService ?? FLEET_DEFAULTS.heartbeatService;
    this.ignored = new Set(options.ignoreServices ?? FLEET_DEFAULTS.ignoreServices);
    if (!(this.scanSeconds > 0)) throw new RangeError(`fleet.scanSeconds must be > 0, got ${this.scanSeconds}`);
  }

  /** Starts periodic scans (the first one now). */
  start(): void {
    if (this.timer !== undefined) return;
    const tick = (): void => {
      this.scan();
      this.timer = this.options.clock.setTimer(this.options.clock.now() + this.scanSeconds, tick);
    };
    tick();
  }

  /** Stops scanning. */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Subscribes to changed tiles (called after each scan that changed something); returns the unsubscribe function. */
  onChange(listener: (changed: readonly HostTile[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every tile, sorted by host name. */
  all(): HostTile[] {
    return [...this.tiles.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  }

  /** One host's tile. */
  get(host: string): HostTile | undefined {
    return this.tiles.get(host);
  }

  /** Rescans the index now and notifies listeners of the tiles that changed; returns them. */
  scan(): HostTile[] {
    const now = this.options.clock.now();
    const index = this.options.index;
    const changed: HostTile[] = [];
    const live = new Set<string>();
    for (const host of index.hosts()) {
      if (host === "*" || host === "") continue;
      live.add(host);
      this.update(this.tileOf(host, index.servicesOf(host), now), changed);
    }
    for (const host of this.options.knownHosts?.() ?? []) {
      if (!live.has(host) && !this.tiles.has(host)) this.update(this.silentTile(host, undefined, "registered, no events yet"), changed);
      live.add(host);
    }
    for (const [host, tile] of this.tiles) {
      if (live.has(host)) continue;
      if (tile.health !== "silent") this.update(this.silentTile(host, tile, "no live events (all expired)"), changed);
      else if (now - tile.lastSeen > this.forgetAfter) this.tiles.delete(host);
    }
    if (changed.length > 0) for (const l of this.listeners) l(changed);
    return changed;
  }

  private update(tile: HostTile, changed: HostTile[]): void {
    const old = this.tiles.get(tile.host);
    if (old !== undefined && sameTile(old, tile)) {
      if (old.lastSeen !== tile.lastSeen) this.tiles.set(tile.host, tile);
      return;
    }
    this.tiles.set(tile.host, tile);
    changed.push(tile);
  }

  private scheduling(host: string): { schedulable: boolean | undefined; scheduleReasons: readonly string[] } {
    const s = this.options.schedulability?.(host);
    return { schedulable: s?.schedulable, scheduleReasons: s?.reasons ?? [] };
  }

  private silentTile(host: string, previous: HostTile | undefined, reason: string): HostTile {
    return { host, health: "silent", reason, services: 0, lastSeen: previous?.lastSeen ?? 0, ...this.scheduling(host) };
  }

  private tileOf(host: string, events: readonly Event[], now: number): HostTile {
    let worst: Health = "ok";
    let worstEvent: Event | undefined;
    let lastSeen = 0;
    let heartbeat = false;
    for (const e of events) {
      if (e.time > lastSeen) lastSeen = e.time;
      if (e.service === this.heartbeat) heartbeat = true;
      if (this.ignored.has(e.service)) continue;
      const h = healthOf(e);
      if (h !== undefined && RANK[h] > RANK[worst]) {
        worst = h;
        worstEvent = e;
      }
    }
    if (heartbeat) this.heartbeatSeen.add(host);
    else if (this.heartbeatSeen.has(host)) {
      return { host, health: "silent", reason: `${this.heartbeat} expired`, services: events.length, lastSeen: Math.min(lastSeen, now), ...this.scheduling(host) };
    }
    const reason = worstEvent === undefined ? "" : `${worstEvent.service}: ${worstEvent.description ?? worstEvent.state ?? ""}${worstEvent.metric !== undefined ? ` (${worstEvent.metric})` : ""}`;
    return { host, health: worst, reason, services: events.length, lastSeen, ...this.scheduling(host) };
  }
}
