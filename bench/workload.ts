/**
 * The synthetic fleet the benchmarks feed the engine: N hosts, each
 * reporting the same 20 services every `intervalSeconds` (a collector's
 * probe round), spread evenly over the interval, with the service names,
 * tags, attributes and ttls of the collector contract
 * (rules/builtin/services.ts, Metricbeat's `system` names). Values are
 * deterministic: mostly healthy, with a rotating few (host, service) pairs
 * "hot" for a spell (so threshold rules page and resolve), a rotating few
 * hosts silent for a spell (so keys expire and heartbeats are lost), and
 * strings decoded fresh per event as a transport would hand them over.
 */
import { makeEvent, type Event } from "../streams/event.ts";

/** How one service's values are made: its name and its normal and "hot" levels. */
export interface ServiceModel {
  readonly service: string;
  /** Typical metric, and how far it wanders either side (uniform; a tenth of that while hot). */
  readonly normal: number;
  readonly spread: number;
  /** Metric while the (host, service) pair is hot. */
  readonly hot: number;
  /** Seconds to live. Default: the fleet's `ttl`. */
  readonly ttl?: number;
  /** A command check (tag "check"): state "critical" and metric 2 while hot, else "ok" and 0. */
  readonly check?: boolean;
  /** The `mount_point` attribute of a filesystem service. */
  readonly mountPoint?: string;
  /** The metric is a uptime-like counter: seconds since the fleet started. */
  readonly uptime?: boolean;
  /** Split the metric into `in` / `out` attributes (swap pages per second). */
  readonly inOut?: boolean;
}

/**
 * The 20 services every host reports, in report order. Those of the
 * collector contract (heartbeat, swap, filesystems, checks) are spelt as in
 * rules/builtin/services.ts; the reference rules in bench/reference-rules/
 * use the others.
 */
export const SERVICES: readonly ServiceModel[] = Object.freeze([
  { service: "heartbeat", normal: 0, spread: 0, hot: 0, ttl: 30, uptime: true },
  { service: "system.cpu.total.norm.pct", normal: 0.35, spread: 0.25, hot: 0.99 },
  { service: "system.load.norm.1", normal: 0.6, spread: 0.4, hot: 3.5 },
  { service: "system.memory.actual.used.pct", normal: 0.6, spread: 0.2, hot: 0.98 },
  { service: "system.memory.swap.used.pct", normal: 0.03, spread: 0.03, hot: 0.8 },
  { service: "system.memory.swap.pages_per_sec", normal: 2, spread: 2, hot: 900, inOut: true },
  { service: "system.filesystem.used.pct /", normal: 0.5, spread: 0.2, hot: 0.96, mountPoint: "/" },
  { service: "system.filesystem.used.pct /var", normal: 0.4, spread: 0.2, hot: 0.97, mountPoint: "/var" },
  { service: "system.diskio.iostat.busy", normal: 0.2, spread: 0.2, hot: 0.98 },
  { service: "system.network.in.errors", normal: 0, spread: 0, hot: 120 },
  { service: "system.network.out.errors", normal: 0, spread: 0, hot: 80 },
  { service: "system.process.summary.blocked", normal: 1, spread: 1, hot: 40 },
  { service: "linux.pressure.cpu.some.10.pct", normal: 0.05, spread: 0.05, hot: 0.8 },
  { service: "linux.pressure.memory.some.10.pct", normal: 0.01, spread: 0.01, hot: 0.6 },
  { service: "linux.pressure.io.some.10.pct", normal: 0.05, spread: 0.05, hot: 0.9 },
  { service: "ntp synchronized", normal: 0, spread: 0, hot: 0, check: true, ttl: 60 },
  { service: "disk writable", normal: 0, spread: 0, hot: 0, check: true, ttl: 60 },
  { service: "system.fd.used.pct", normal: 0.2, spread: 0.1, hot: 0.97 },
  { service: "system.filesystem.inodes.used.pct /", normal: 0.3, spread: 0.1, hot: 0.99 },
  { service: "system.cpu.temperature.celsius", normal: 60, spread: 10, hot: 97 },
]);

/** Shape of the fleet; every field has a default (the figures the benchmarks quote). */
export interface FleetOptions {
  /** Number of hosts. Default 10,000. */
  readonly hosts?: number;
  /** Seconds between two reports of one host. Default 10. */
  readonly intervalSeconds?: number;
  /** TTL of events whose service sets none, seconds. Default 60. */
  readonly ttl?: number;
  /** Clock time of the first report, unix seconds. Default 1,700,000,000. */
  readonly start?: number;
  /** About one (host, service) pair in this many is hot at any moment. Default 500. */
  readonly hotEvery?: number;
  /** Length of a hot spell, in report intervals. Default 36 (6 minutes at 10 s). */
  readonly hotSpell?: number;
  /** About one host in this many is silent at any moment. Default 1000 (at least one host while `hosts` is smaller); `Infinity`: none. */
  readonly silentEvery?: number;
  /** Length of a silent spell, in report intervals. Default 15 (150 s at 10 s: long enough for every ttl to run out). */
  readonly silentSpell?: number;
  /**
   * `"fresh"` (default): host and service strings are new per event, as a
   * decoder (JSON, protobuf) hands them over; `"shared"`: one string object
   * per name, reused by every event.
   */
  readonly strings?: "fresh" | "shared";
}

const CHECK_TAGS: readonly string[] = Object.freeze(["check"]);

/** 32-bit integer mix (a finaliser in the style of murmur3's), for deterministic "randomness". */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * A deterministic fleet. `cycle(k)` returns the events of the k-th report
 * round (k = 0, 1, ...), in arrival order: hosts in turn, host i at
 * `start + k * interval + i * interval / hosts`, each host's services
 * together at that time; `report(k, h, out)` makes one host's share, for a
 * caller that wants events made just before they are used (as a decoder
 * makes them). The same options give the same events, run after run.
 *
 * @example
 * const fleet = new Fleet({ hosts: 100 });
 * for (const e of fleet.cycle(0)) { clock.advanceTo(e.time); engine.process(e); }
 * fleet.keys; // 2000 distinct (host, service) keys
 */
export class Fleet {
  readonly hosts: number;
  readonly intervalSeconds: number;
  readonly start: number;
  /** The host names, "host-00000" style. */
  readonly hostNames: readonly string[];
  private readonly ttl: number;
  private readonly hotEvery: number;
  private readonly hotSpell: number;
  private readonly silentEvery: number;
  private readonly silentSpell: number;
  private readonly fresh: boolean;
  /** Every host and service name back to back, for decoding fresh strings out of. */
  private readonly text: Buffer;
  private readonly hostAt: Int32Array;
  private readonly serviceAt: Int32Array;
  private readonly attributes: (Readonly<Record<string, string>> | undefined)[];
  private seed = 0x2545f491;

  constructor(options: FleetOptions = {}) {
    this.hosts = options.hosts ?? 10_000;
    this.intervalSeconds = options.intervalSeconds ?? 10;
    this.ttl = options.ttl ?? 60;
    this.start = options.start ?? 1_700_000_000;
    this.hotEvery = options.hotEvery ?? 500;
    this.hotSpell = options.hotSpell ?? 36;
    const silentEvery = options.silentEvery ?? 1000;
    this.silentEvery = silentEvery === Infinity ? Infinity : Math.min(silentEvery, this.hosts);
    this.silentSpell = options.silentSpell ?? 15;
    this.fresh = (options.strings ?? "fresh") === "fresh";
    const width = String(this.hosts - 1).length;
    this.hostNames = Array.from({ length: this.hosts }, (_, i) => `host-${String(i).padStart(width, "0")}`);
    const names = [...this.hostNames, ...SERVICES.map((s) => s.service)];
    this.text = Buffer.from(names.join(""), "latin1");
    const offsets = new Int32Array(names.length + 1);
    for (let i = 0; i < names.length; i++) offsets[i + 1] = offsets[i]! + names[i]!.length;
    this.hostAt = offsets.subarray(0, this.hosts + 1);
    this.serviceAt = offsets.subarray(this.hosts);
    this.attributes = SERVICES.map((s) => (s.mountPoint === undefined ? undefined : Object.freeze({ mount_point: s.mountPoint })));
  }

  /** Distinct (host, service) keys the fleet reports. */
  get keys(): number {
    return this.hosts * SERVICES.length;
  }

  /** Whether host `h` is silent (sends nothing) during round `k`. */
  silent(h: number, k: number): boolean {
    if (this.silentEvery === Infinity) return false;
    const spell = Math.floor(k / this.silentSpell);
    return (h + spell * 7919) % this.silentEvery === 0;
  }

  /** Whether the pair (host `h`, service `s`) is hot during round `k`; spells start at a per-pair phase. */
  hot(h: number, s: number, k: number): boolean {
    const phase = mix(h * 20 + s + 1) % this.hotSpell;
    const spell = Math.floor((k + phase) / this.hotSpell);
    return mix((h * 20 + s) ^ Math.imul(spell + 1, 0x9e3779b1)) % this.hotEvery === 0;
  }

  /** The events of report round `k`, in arrival order (silent hosts send nothing). */
  cycle(k: number): Event[] {
    const out: Event[] = [];
    for (let h = 0; h < this.hosts; h++) this.report(k, h, out);
    return out;
  }

  /**
   * Appends host `h`'s events of report round `k` to `out` (nothing when the
   * host is silent then), as one message from its collector would carry
   * them; returns how many it appended.
   */
  report(k: number, h: number, out: Event[]): number {
    if (this.silent(h, k)) return 0;
    const time = this.start + k * this.intervalSeconds + (h * this.intervalSeconds) / this.hosts;
    const hostName = this.fresh ? undefined : this.hostNames[h]!;
    for (let s = 0; s < SERVICES.length; s++) {
      const model = SERVICES[s]!;
      const hot = this.hot(h, s, k);
      const noise = this.random() * 2 - 1;
      // Hot values wander a tenth as far: a full disk stays full from one sample to the next.
      let metric = Math.max(0, hot ? model.hot + model.spread * noise * 0.1 : model.normal + model.spread * noise);
      if (model.uptime) metric = time - this.start;
      let state = "ok";
      let tags: readonly string[] | undefined;
      let attributes = this.attributes[s];
      if (model.check) {
        tags = CHECK_TAGS;
        state = hot ? "critical" : "ok";
        metric = hot ? 2 : 0;
      } else if (model.inOut) {
        const pagesIn = Math.round(metric * 0.7);
        attributes = { in: String(pagesIn), out: String(Math.round(metric) - pagesIn) };
      }
      out.push(
        makeEvent({
          host: hostName ?? this.text.toString("latin1", this.hostAt[h], this.hostAt[h + 1]),
          service: this.fresh ? this.text.toString("latin1", this.serviceAt[s], this.serviceAt[s + 1]) : model.service,
          time,
          state,
          metric,
          tags,
          ttl: model.ttl ?? this.ttl,
          attributes,
        }),
      );
    }
    return SERVICES.length;
  }

  /** Uniform in [0, 1): xorshift32. */
  private random(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x;
    return (x >>> 0) / 4294967296;
  }
}
