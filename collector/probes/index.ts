/**
 * The collector's probes, the public face of this folder: `defaultProbes`
 * builds the set an operator expects by default (node_exporter's and
 * Metricbeat's defaults, Satellite's recipes), `resolveProbeOptions`
 * validates their settings, `sampleProbes` runs a set once. Every probe
 * reads /proc and /sys directly (under `procRoot`/`sysRoot`, so fixtures can
 * stand in for them); none forks. `systeminformation` is not used: each of
 * its calls that could replace a probe here forks at least one shell (see
 * bench/collector.ts for the measured cost), and it has no swap-activity,
 * PSI or per-device disk data.
 *
 * Service names are Metricbeat's field names, so a forwarded event lands on
 * the field stock Kibana views read; fractions are 0..1 like Metricbeat's
 * `*.pct`; a per-item series has the item after a space, like
 * `filesystemUsedService` ("system.filesystem.used.pct /var"), and in an
 * attribute. Rates of kernel counters, which Metricbeat ships as counters,
 * get a `_per_sec` suffix. The heartbeat is not a probe: the agent sends it
 * (collector/heartbeat.ts). What each probe sends:
 *
 * | probe | services | source | Metricbeat |
 * |---|---|---|---|
 * | cpu | `system.cpu.{total,user,system,iowait,steal}.pct` (0..cores), `system.cpu.total.norm.pct`, `system.cpu.cores` | /proc/stat | same names |
 * | load | `system.load.{1,5,15}`, `system.load.norm.{1,5,15}`, `system.load.cores` | /proc/loadavg, /sys/devices/system/cpu/online | same names |
 * | memory | `system.memory.{total,free,used.bytes,used.pct}`, `system.memory.actual.{free,used.bytes,used.pct}` | /proc/meminfo | same names |
 * | swap | `system.memory.swap.{total,free,used.bytes,used.pct}`; attribute `swap: "none"` without swap | /proc/meminfo | same names |
 * | swap-pages | `system.memory.swap.{in,out}.pages_per_sec`, `system.memory.swap.pages_per_sec` (attributes `in`, `out`) | /proc/vmstat pswpin, pswpout | rates of `system.memory.swap.{in,out}.pages` |
 * | filesystem | `system.filesystem.{used.pct,total,free,available,used.bytes} <mount>`, `system.filesystem.inodes.used.pct <mount>`; attributes `mount_point`, `device_name`, `type` | /proc/self/mounts, statfs | same names but `inodes.used.pct` (Metricbeat: `files`, `free_files`) |
 * | diskio | `system.diskio.iostat.{read,write}.per_sec.bytes <dev>`, `.{read,write}.request.per_sec <dev>`, `.busy <dev>` (0..1), `.await <dev>` (ms); attribute `device` | /proc/diskstats, /sys/block | `system.diskio.iostat.*` (busy there in percent) |
 * | network | `system.network.{in,out}.{bytes,packets,errors,dropped}_per_sec <iface>`; attribute `interface` | /proc/net/dev | rates of `system.network.{in,out}.*` |
 * | processes | `system.process.summary.{total,running,sleeping,idle,stopped,zombie,dead,unknown}`, `.blocked` (D state), `.threads.{running,blocked}` | /proc/<pid>/stat, /proc/stat | same names but `blocked` (not in Metricbeat) |
 * | pressure | `linux.pressure.{cpu,memory,io}.{some,full}.{10,60,300}.pct` (0..1) | /proc/pressure/* | same names (percent there) |
 */
import { HEARTBEAT_INTERVAL_SECONDS } from "../../rules/builtin/services.ts";
import type { Event } from "../../streams/event.ts";
import { cpuProbe } from "./cpu.ts";
import { diskioProbe } from "./diskio.ts";
import { filesystemProbe, PSEUDO_FILESYSTEM_TYPES } from "./filesystem.ts";
import { loadProbe } from "./load.ts";
import { memoryProbe } from "./memory.ts";
import { networkProbe } from "./network.ts";
import { pressureProbe } from "./pressure.ts";
import { processesProbe } from "./processes.ts";
import type { Probe, ProbeContext } from "./probe.ts";
import { swapPagesProbe } from "./swap-pages.ts";
import { swapProbe } from "./swap.ts";

export type { Probe, ProbeContext } from "./probe.ts";

/** Settings of the default probes; every field is optional (defaults in `PROBE_DEFAULTS`). A `ResolvedProbeOptions` is one too. */
export interface ProbeOptions {
  /** Where procfs is mounted. Default "/proc". */
  procRoot?: string;
  /** Where sysfs is mounted. Default "/sys". */
  sysRoot?: string;
  /**
   * Which filesystems to report. `include`: exactly these mount points
   * (default: every real, writable one). `excludeTypes`: filesystem types to
   * skip (default `PSEUDO_FILESYSTEM_TYPES`). `timeoutSeconds`: how long a
   * `statfs` may take before the mount is reported critical (default 5).
   */
  mounts?: { include?: readonly string[]; excludeTypes?: readonly string[]; timeoutSeconds?: number };
  /** Seconds between samples; sets the default ttl. Default 10 (`HEARTBEAT_INTERVAL_SECONDS`). */
  interval?: number;
  /** Ttl of metric events, seconds. Default 3 × `interval`. (The heartbeat's is fixed: 30 s.) */
  ttl?: number;
  /** Report the loopback interface too. Default false. */
  loopback?: boolean;
}

/** `ProbeOptions` with every default filled in. */
export interface ResolvedProbeOptions {
  readonly procRoot: string;
  readonly sysRoot: string;
  readonly mounts: { readonly include: readonly string[] | undefined; readonly excludeTypes: readonly string[]; readonly timeoutSeconds: number };
  readonly interval: number;
  readonly ttl: number;
  readonly loopback: boolean;
}

/**
 * The defaults of `ProbeOptions`, in one place. `ttl` is absent: it
 * defaults to `TTL_INTERVALS` × `interval`.
 *
 * @example
 * PROBE_DEFAULTS.interval; // 10
 */
export const PROBE_DEFAULTS = Object.freeze({
  procRoot: "/proc",
  sysRoot: "/sys",
  mounts: Object.freeze({ include: undefined, excludeTypes: PSEUDO_FILESYSTEM_TYPES, timeoutSeconds: 5 }),
  interval: HEARTBEAT_INTERVAL_SECONDS,
  loopback: false,
});

/** A metric event lives this many sample intervals (Satellite's recipes used 5 periods; the built-in rules expect 3). */
export const TTL_INTERVALS = 3;

function fail(path: string, expected: string, got: unknown): never {
  throw new Error(`${path} must be ${expected}, got ${JSON.stringify(got) ?? String(got)}`);
}

function optionalString(raw: Record<string, unknown>, key: string, path: string, fallback: string): string {
  const v = raw[key];
  if (v === undefined) return fallback;
  return typeof v === "string" && v.length > 0 ? v : fail(`${path}.${key}`, "a non-empty string", v);
}

function optionalPositive(raw: Record<string, unknown>, key: string, path: string): number | undefined {
  const v = raw[key];
  if (v === undefined) return undefined;
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : fail(`${path}.${key}`, "a positive number", v);
}

function optionalBoolean(raw: Record<string, unknown>, key: string, path: string, fallback: boolean): boolean {
  const v = raw[key];
  if (v === undefined) return fallback;
  return typeof v === "boolean" ? v : fail(`${path}.${key}`, "true or false", v);
}

function optionalStrings(raw: Record<string, unknown>, key: string, path: string): string[] | undefined {
  const v = raw[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return fail(`${path}.${key}`, "an array of strings", v);
  v.forEach((s, i) => (typeof s === "string" && s.length > 0 ? undefined : fail(`${path}.${key}[${i}]`, "a non-empty string", s)));
  return v as string[];
}

function object(raw: unknown, path: string): Record<string, unknown> {
  if (raw === undefined) return {};
  return typeof raw === "object" && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : fail(path, "an object", raw);
}

function unknownKeys(raw: Record<string, unknown>, known: ReadonlySet<string>, path: string): void {
  for (const key of Object.keys(raw)) if (!known.has(key)) throw new Error(`${path}.${key} is not a setting (known: ${[...known].join(", ")})`);
}

const KNOWN = new Set(["procRoot", "sysRoot", "mounts", "interval", "ttl", "loopback"]);
const KNOWN_MOUNTS = new Set(["include", "excludeTypes", "timeoutSeconds"]);

/**
 * Validates raw probe settings (from a config file) and fills in the
 * defaults. Throws an Error naming the field on a bad value or an unknown
 * key.
 *
 * @example
 * resolveProbeOptions({ interval: 15 }).ttl; // 45
 * resolveProbeOptions({ ttl: -1 }); // throws "collector.probes.ttl must be a positive number, got -1"
 */
export function resolveProbeOptions(raw: unknown, path = "collector.probes"): ResolvedProbeOptions {
  const o = object(raw, path);
  unknownKeys(o, KNOWN, path);
  const m = object(o.mounts, `${path}.mounts`);
  unknownKeys(m, KNOWN_MOUNTS, `${path}.mounts`);
  const interval = optionalPositive(o, "interval", path) ?? PROBE_DEFAULTS.interval;
  return {
    procRoot: optionalString(o, "procRoot", path, PROBE_DEFAULTS.procRoot),
    sysRoot: optionalString(o, "sysRoot", path, PROBE_DEFAULTS.sysRoot),
    mounts: {
      include: optionalStrings(m, "include", `${path}.mounts`),
      excludeTypes: optionalStrings(m, "excludeTypes", `${path}.mounts`) ?? PROBE_DEFAULTS.mounts.excludeTypes,
      timeoutSeconds: optionalPositive(m, "timeoutSeconds", `${path}.mounts`) ?? PROBE_DEFAULTS.mounts.timeoutSeconds,
    },
    interval,
    ttl: optionalPositive(o, "ttl", path) ?? TTL_INTERVALS * interval,
    loopback: optionalBoolean(o, "loopback", path, PROBE_DEFAULTS.loopback),
  };
}

/**
 * The default probe set, in this order: cpu, load, memory, swap,
 * swap-pages, filesystem, diskio, network, processes, pressure (the
 * heartbeat is the agent's). Throws like `resolveProbeOptions` on bad
 * settings. Each probe keeps its own counter state: build the set once and
 * sample it every `interval` seconds.
 *
 * @example
 * const probes = defaultProbes({ interval: 10 });
 * const { events } = await sampleProbes(probes, { host: os.hostname(), now: clock.now() });
 */
export function defaultProbes(options?: ProbeOptions): Probe[] {
  const o = resolveProbeOptions(options);
  const { procRoot, sysRoot, ttl } = o;
  return [
    cpuProbe({ procRoot, ttl }),
    loadProbe({ procRoot, sysRoot, ttl }),
    memoryProbe({ procRoot, ttl }),
    swapProbe({ procRoot, ttl }),
    swapPagesProbe({ procRoot, ttl }),
    filesystemProbe({ procRoot, ttl, include: o.mounts.include, excludeTypes: o.mounts.excludeTypes, timeoutSeconds: o.mounts.timeoutSeconds }),
    diskioProbe({ procRoot, sysRoot, ttl }),
    networkProbe({ procRoot, ttl, loopback: o.loopback }),
    processesProbe({ procRoot, ttl }),
    pressureProbe({ procRoot, ttl }),
  ];
}

/** The outcome of sampling a set of probes once. */
export interface SampleResult {
  /** Every probe's events, in probe order. */
  readonly events: Event[];
  /** The probes that failed, with their errors. */
  readonly errors: { readonly probe: string; readonly error: unknown }[];
}

/**
 * Samples every probe concurrently; one probe's failure is recorded in
 * `errors` and does not stop the others.
 *
 * @example
 * const { events, errors } = await sampleProbes(probes, { host: "web1", now: clock.now() });
 */
export async function sampleProbes(probes: readonly Probe[], ctx: ProbeContext): Promise<SampleResult> {
  const settled = await Promise.allSettled(probes.map((p) => p.sample(ctx)));
  const events: Event[] = [];
  const errors: { probe: string; error: unknown }[] = [];
  settled.forEach((s, i) => {
    if (s.status === "fulfilled") for (const e of s.value) events.push(e);
    else errors.push({ probe: probes[i]!.name, error: s.reason });
  });
  return { events, errors };
}
