/**
 * The checks every agent runs unless told otherwise: Satellite's recipes
 * (satellite-slave's recipes.clj and bin/satellite-recipes), with their
 * service names, thresholds and sample-configuration defaults.
 *
 * Which run as commands and which in-process, and why: whatever touches a
 * filesystem (percentage used, "df returns", "file exists") runs as a
 * command, as Satellite's did, because a hung mount (NFS) blocks the
 * calling thread in the kernel. In a child process the timeout reports it
 * and the process group is killed; in-process, the `statfs`/`stat` would
 * hold one of libuv's four threads for good and, a few of them later,
 * stall the agent. Reading /proc (memory, swap, processes in D state, load)
 * cannot hang that way and is cheaper than forking `free`, `ps` or `uptime`
 * every period, so those run in-process, from `procRoot` (tests point it at
 * a fixture directory).
 *
 * Differs from Satellite: ttl is 3 periods (the collector's default), not
 * 5; "free memory" counts MemAvailable (what can be had without swapping),
 * not `free -m`'s "free" column; free swap is ok on a host without swap
 * (Satellite's free-swap-iff-swap) under the name "free swap in MB"; the
 * file check's service is "<path> exists" (with the space Satellite's
 * lacked); "uninterruptible" is spelled correctly.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { show } from "../show.ts";
import type { Check, CheckResult, CheckRunContext } from "./check.ts";
import { runCommand, type CommandResult } from "./command.ts";
import { exitCodeResults, failureResult } from "./output.ts";

/** Settings of the default checks; every field has a default in `DEFAULT_CHECKS_DEFAULTS`. */
export interface DefaultChecksOptions {
  /** How often each runs, seconds. Default 60 (Satellite's sample configuration). */
  readonly intervalSeconds?: number;
  /** Timeout of each, seconds. Default 10. */
  readonly timeoutSeconds?: number;
  /** "free memory in MB" is critical at or below this. Default 50. */
  readonly freeMemoryMb?: number;
  /** "free swap in MB" is critical at or below this (when the host has swap). Default 50. */
  readonly freeSwapMb?: number;
  /** Paths whose filesystem's use is checked ("percentage used of <path>"). Default ["/"]. */
  readonly diskPaths?: readonly string[];
  /** "percentage used of <path>" is critical at or above this percentage. Default 90. */
  readonly diskUsedPercent?: number;
  /** "number of processes in uninterruptible sleep" is critical at or above this. Default 10. */
  readonly maxUninterruptible?: number;
  /** "load average over past 15 minutes" is critical at or above this. Default 30. */
  readonly maxLoad15?: number;
  /** Paths that must exist ("<path> exists"). Default none. */
  readonly mustExist?: readonly string[];
  /** Where /proc is. Default "/proc". */
  readonly procRoot?: string;
}

/** Every default of `DefaultChecksOptions`, in one place. */
export const DEFAULT_CHECKS_DEFAULTS = Object.freeze({
  intervalSeconds: 60,
  timeoutSeconds: 10,
  freeMemoryMb: 50,
  freeSwapMb: 50,
  diskPaths: Object.freeze<string[]>(["/"]),
  diskUsedPercent: 90,
  maxUninterruptible: 10,
  maxLoad15: 30,
  mustExist: Object.freeze<string[]>([]),
  procRoot: "/proc",
});

/** `DefaultChecksOptions` with every field filled in. */
export type ResolvedDefaultChecksOptions = { readonly [K in keyof typeof DEFAULT_CHECKS_DEFAULTS]: (typeof DEFAULT_CHECKS_DEFAULTS)[K] };

/**
 * Validates `raw` (undefined = all defaults) and fills the defaults; throws
 * an Error naming the field.
 *
 * @example
 * resolveDefaultChecksOptions({ diskPaths: ["/", "/var"], maxLoad15: 64 });
 * resolveDefaultChecksOptions({ maxLoad15: -1 }); // throws "defaultChecks.maxLoad15 must be a positive number, got -1"
 */
export function resolveDefaultChecksOptions(raw: unknown = {}, where = "defaultChecks"): ResolvedDefaultChecksOptions {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${where} must be an object, got ${show(raw)}`);
  const r = raw as Record<string, unknown>;
  const out: Record<string, unknown> = { ...DEFAULT_CHECKS_DEFAULTS };
  for (const [key, value] of Object.entries(r)) {
    if (!(key in DEFAULT_CHECKS_DEFAULTS)) throw new Error(`${where}.${key} is not a default-check setting (expected one of ${Object.keys(DEFAULT_CHECKS_DEFAULTS).join(", ")})`);
    if (value === undefined) continue;
    const field = `${where}.${key}`;
    if (key === "diskPaths" || key === "mustExist") {
      if (!Array.isArray(value) || value.some((p) => typeof p !== "string" || p.length === 0)) throw new Error(`${field} must be an array of non-empty paths, got ${show(value)}`);
      out[key] = Object.freeze([...(value as string[])]);
    } else if (key === "procRoot") {
      if (typeof value !== "string" || value.length === 0) throw new Error(`${field} must be a non-empty path, got ${show(value)}`);
      out[key] = value;
    } else {
      if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new Error(`${field} must be a positive number, got ${show(value)}`);
      out[key] = value;
    }
  }
  return Object.freeze(out) as ResolvedDefaultChecksOptions;
}

/**
 * How often a default check runs and how long it may take, seconds.
 *
 * @example
 * const timing: CheckTiming = { intervalSeconds: 60, timeoutSeconds: 10 };
 */
export interface CheckTiming {
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
}

function inProcess(name: string, common: CheckTiming, run: (ctx: CheckRunContext) => Promise<CheckResult[]>): Check {
  const check: Check = { name, schedule: { kind: "interval", seconds: common.intervalSeconds }, timeoutSeconds: common.timeoutSeconds, ttlPeriods: 3, tags: [], run };
  return Object.freeze(check);
}

function command(name: string, common: CheckTiming, cmd: string, args: readonly string[], interpret: (r: CommandResult) => CheckResult[]): Check {
  const check: Check = {
    name,
    schedule: { kind: "interval", seconds: common.intervalSeconds },
    timeoutSeconds: common.timeoutSeconds,
    ttlPeriods: 3,
    tags: [],
    run: async (ctx: CheckRunContext) => interpret(await runCommand({ command: cmd, args, signal: ctx.signal, maxOutputBytes: 65_536 })),
  };
  return Object.freeze(check);
}

/**
 * /proc/meminfo as kB by key.
 *
 * @example
 * (await readMeminfo("/proc")).get("MemAvailable"); // 23897104
 */
export async function readMeminfo(procRoot: string): Promise<Map<string, number>> {
  const text = await readFile(path.join(procRoot, "meminfo"), "utf8");
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([\w()]+):\s+(\d+)/.exec(line);
    if (m !== null) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

const mb = (kb: number): number => Math.round(kb / 1024);

/**
 * "free memory in MB": MemAvailable (or MemFree + Buffers + Cached on old kernels) above the threshold.
 *
 * @example
 * freeMemoryCheck({ intervalSeconds: 60, timeoutSeconds: 10, thresholdMb: 50, procRoot: "/proc" });
 */
export function freeMemoryCheck(o: CheckTiming & { readonly thresholdMb: number; readonly procRoot: string }): Check {
  return inProcess("free memory in MB", o, async () => {
    const m = await readMeminfo(o.procRoot);
    const kb = m.get("MemAvailable") ?? (m.get("MemFree") ?? 0) + (m.get("Buffers") ?? 0) + (m.get("Cached") ?? 0);
    const free = mb(kb);
    return [{ state: free > o.thresholdMb ? "ok" : "critical", metric: free, description: `${free} MB available, threshold ${o.thresholdMb} MB` }];
  });
}

/**
 * "free swap in MB": ok on a host without swap, else SwapFree above the threshold.
 *
 * @example
 * freeSwapCheck({ intervalSeconds: 60, timeoutSeconds: 10, thresholdMb: 50, procRoot: "/proc" });
 */
export function freeSwapCheck(o: CheckTiming & { readonly thresholdMb: number; readonly procRoot: string }): Check {
  return inProcess("free swap in MB", o, async () => {
    const m = await readMeminfo(o.procRoot);
    if ((m.get("SwapTotal") ?? 0) === 0) return [{ state: "ok", metric: 0, description: "no swap configured" }];
    const free = mb(m.get("SwapFree") ?? 0);
    return [{ state: free > o.thresholdMb ? "ok" : "critical", metric: free, description: `${free} MB of swap free, threshold ${o.thresholdMb} MB` }];
  });
}

/**
 * The "Capacity" percentage of `df -P <path>`'s output, or undefined when
 * the output has none.
 *
 * @example
 * dfPercent("Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 264212084 23509176 82881736 23% /\n"); // 23
 */
export function dfPercent(stdout: string): number | undefined {
  const lines = stdout.trim().split("\n");
  const m = /\s(\d+)%\s/.exec(`${lines[lines.length - 1] ?? ""} `);
  return lines.length < 2 || m === null ? undefined : Number(m[1]);
}

/**
 * "percentage used of <path>": `df -P <path>`'s capacity below the threshold. A command: a hung mount must not hang the agent.
 *
 * @example
 * percentageUsedCheck({ intervalSeconds: 60, timeoutSeconds: 10, path: "/var", thresholdPercent: 90 });
 */
export function percentageUsedCheck(o: CheckTiming & { readonly path: string; readonly thresholdPercent: number }): Check {
  return command(`percentage used of ${o.path}`, o, "df", ["-P", o.path], (r) => {
    const failed = failureResult(r, "df");
    if (failed !== undefined) return [failed];
    const pct = dfPercent(r.stdout);
    if (r.exitCode !== 0 || pct === undefined) return [{ state: "critical", metric: r.exitCode ?? undefined, description: `df -P ${o.path} failed (exit ${r.exitCode}): ${r.stderr.trim().slice(-500)}` }];
    return [{ state: pct < o.thresholdPercent ? "ok" : "critical", metric: pct, description: `${pct}% used, threshold ${o.thresholdPercent}%` }];
  });
}

/**
 * "df returns in timely fashion": `df -P` over every mount exits within the timeout (a hung NFS mount makes it hang).
 *
 * @example
 * dfReturnsCheck({ intervalSeconds: 60, timeoutSeconds: 10 });
 */
export function dfReturnsCheck(o: CheckTiming): Check {
  return command("df returns in timely fashion", o, "df", ["-P"], (r) => exitCodeResults({ ...r, stdout: "" }, "df"));
}

/**
 * "<path> exists": `test -e <path>` (a command, for the same reason as df).
 *
 * @example
 * fileExistsCheck({ intervalSeconds: 60, timeoutSeconds: 10, path: "/etc/satellite/enabled" });
 */
export function fileExistsCheck(o: CheckTiming & { readonly path: string }): Check {
  return command(`${o.path} exists`, o, "test", ["-e", o.path], (r) => {
    const failed = failureResult(r, "test");
    if (failed !== undefined) return [failed];
    return [r.exitCode === 0 ? { state: "ok", metric: 0 } : { state: "critical", metric: r.exitCode ?? undefined, description: `${o.path} does not exist` }];
  });
}

/**
 * How many processes are in state D (uninterruptible sleep), from
 * /proc/<pid>/stat. Processes that exit while being read are not counted.
 *
 * @example
 * await countUninterruptible("/proc"); // 0
 */
export async function countUninterruptible(procRoot: string): Promise<number> {
  const entries = await readdir(procRoot);
  let count = 0;
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (pid) => {
        try {
          const stat = await readFile(path.join(procRoot, pid, "stat"), "utf8");
          // "pid (comm) S ...": comm may hold spaces and parentheses; the state follows the last ")".
          if (stat.charAt(stat.lastIndexOf(")") + 2) === "D") count++;
        } catch {
          // gone
        }
      }),
  );
  return count;
}

/**
 * "number of processes in uninterruptible sleep": below the threshold.
 *
 * @example
 * uninterruptibleCheck({ intervalSeconds: 60, timeoutSeconds: 10, max: 10, procRoot: "/proc" });
 */
export function uninterruptibleCheck(o: CheckTiming & { readonly max: number; readonly procRoot: string }): Check {
  return inProcess("number of processes in uninterruptible sleep", o, async () => {
    const n = await countUninterruptible(o.procRoot);
    return [{ state: n < o.max ? "ok" : "critical", metric: n, description: `${n} processes in state D, threshold ${o.max}` }];
  });
}

/**
 * "load average over past 15 minutes": /proc/loadavg's third field below the threshold.
 *
 * @example
 * load15Check({ intervalSeconds: 60, timeoutSeconds: 10, max: 30, procRoot: "/proc" });
 */
export function load15Check(o: CheckTiming & { readonly max: number; readonly procRoot: string }): Check {
  return inProcess("load average over past 15 minutes", o, async () => {
    const load = Number((await readFile(path.join(o.procRoot, "loadavg"), "utf8")).trim().split(/\s+/)[2]);
    if (!Number.isFinite(load)) throw new Error(`${path.join(o.procRoot, "loadavg")} has no 15-minute load`);
    return [{ state: load < o.max ? "ok" : "critical", metric: load, description: `15-minute load ${load}, threshold ${o.max}` }];
  });
}

/**
 * Satellite's default checks with `options` (see `DefaultChecksOptions`):
 * free memory, free swap (ok without swap), percentage used per path in
 * `diskPaths`, df returning in time, processes in D state, 15-minute load,
 * and one "exists" check per path in `mustExist`.
 *
 * @example
 * const checks = defaultChecks({ diskPaths: ["/", "/var"], mustExist: ["/etc/satellite/enabled"] });
 */
export function defaultChecks(options: DefaultChecksOptions = {}): Check[] {
  const o = resolveDefaultChecksOptions(options);
  const common: CheckTiming = { intervalSeconds: o.intervalSeconds, timeoutSeconds: o.timeoutSeconds };
  return [
    freeMemoryCheck({ ...common, thresholdMb: o.freeMemoryMb, procRoot: o.procRoot }),
    freeSwapCheck({ ...common, thresholdMb: o.freeSwapMb, procRoot: o.procRoot }),
    ...o.diskPaths.map((p) => percentageUsedCheck({ ...common, path: p, thresholdPercent: o.diskUsedPercent })),
    dfReturnsCheck(common),
    uninterruptibleCheck({ ...common, max: o.maxUninterruptible, procRoot: o.procRoot }),
    load15Check({ ...common, max: o.maxLoad15, procRoot: o.procRoot }),
    ...o.mustExist.map((p) => fileExistsCheck({ ...common, path: p })),
  ];
}
