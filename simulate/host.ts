/**
 * One simulated host: the readings a real collector would send (heartbeat,
 * CPU, load, memory, swap rates, filesystem use), with the same service
 * names the built-in rules read (rules/builtin/services.ts), plus knobs the
 * scenarios turn — swapping, a filling disk, silence — and how it treats the
 * tasks placed on it (a black-hole host fails them all at once).
 */
import type { Event } from "../streams/event.ts";
import { CHECK_TAG, filesystemUsedService, HEARTBEAT, HEARTBEAT_TTL_SECONDS, MOUNT_POINT_ATTRIBUTE, SWAP_PAGES_PER_SECOND, SWAP_USED_PCT } from "../rules/builtin/services.ts";
import type { Prng } from "./prng.ts";

/** What a scenario can do to a host. */
export interface HostCondition {
  /** Pages swapped per second (0 = not swapping). */
  swapPagesPerSecond: number;
  /** Fraction of /data used, 0..1. */
  dataUsed: number;
  /** Sends nothing (network partition, dead host). */
  silent: boolean;
  /** Fails every task within a second of its start. */
  blackHole: boolean;
}

/** A simulated host and its current condition. */
export class SimulatedHost {
  readonly condition: HostCondition;
  private readonly baseCpu: number;
  private readonly baseMem: number;
  private readonly rootUsed: number;

  constructor(
    readonly name: string,
    rng: Prng,
  ) {
    this.baseCpu = rng.between(0.05, 0.45);
    this.baseMem = rng.between(0.3, 0.7);
    this.rootUsed = rng.between(0.2, 0.6);
    this.condition = { swapPagesPerSecond: 0, dataUsed: rng.between(0.1, 0.5), silent: false, blackHole: false };
  }

  /** The events one collector sample would send at `now` (none while silent). `ttl` is 3 sample intervals. */
  sample(now: number, interval: number, rng: Prng): Event[] {
    const c = this.condition;
    if (c.silent) return [];
    const ttl = Math.max(3 * interval, 30);
    const swapping = c.swapPagesPerSecond > 0;
    const cpu = Math.min(1, this.baseCpu + rng.between(-0.03, 0.03) + (swapping ? 0.3 : 0));
    const metric = (service: string, value: number, extra: Partial<Event> = {}): Event => ({ host: this.name, service, time: now, state: "ok", metric: value, ttl, tags: ["simulated"], ...extra });
    const swapUsed = swapping ? Math.min(1, 0.55 + c.swapPagesPerSecond / 5000) : 0.01;
    const check = (name: string, failing: boolean, description: string): Event => ({
      host: this.name,
      service: `check ${name}`,
      time: now,
      state: failing ? "critical" : "ok",
      description,
      ttl,
      tags: [CHECK_TAG, "simulated"],
    });
    return [
      check("free-swap", swapUsed > 0.5, `swap ${(swapUsed * 100).toFixed(0)}% used`),
      check("disk /data", c.dataUsed > 0.95, `/data ${(c.dataUsed * 100).toFixed(0)}% used`),
      { host: this.name, service: HEARTBEAT, time: now, state: "ok", ttl: HEARTBEAT_TTL_SECONDS, tags: ["simulated"] },
      metric("system.cpu.total.pct", cpu),
      metric("system.load.1", cpu * 8 + (swapping ? 6 : 0)),
      metric("system.memory.used.pct", Math.min(0.99, this.baseMem + (swapping ? 0.25 : 0))),
      metric(SWAP_USED_PCT, swapUsed),
      metric(SWAP_PAGES_PER_SECOND, swapping ? c.swapPagesPerSecond * rng.between(0.8, 1.2) : rng.between(0, 3)),
      metric(filesystemUsedService("/"), this.rootUsed, { attributes: { [MOUNT_POINT_ATTRIBUTE]: "/" } }),
      metric(filesystemUsedService("/data"), Math.min(1, c.dataUsed), { attributes: { [MOUNT_POINT_ATTRIBUTE]: "/data" } }),
    ];
  }
}
