/**
 * The systeminformation side of the collector benchmark, run in its own
 * Node process by bench/collector.ts: what each `systeminformation` call a
 * probe could have used costs per call, counting what it forks. Before the
 * library loads, `child_process`'s spawning functions are wrapped to count
 * the child processes Node starts (a shell pipeline forks more below
 * that); the CPU of those children comes from this process's
 * cutime/cstime in /proc/self/stat (children are counted once reaped,
 * which they are by the time a call resolves). Each function is called
 * once to prime it (its rates need two calls), then `calls` times, 600 ms
 * apart, because the library returns a cached result to a call within
 * 500 ms of the previous one. Prints one JSON object; the parent turns it
 * into benchmark lines.
 *
 *     node --import tsx bench/collector-si-child.ts '{"calls":5}'
 */
import { execSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { monitorEventLoopDelay } from "node:perf_hooks";

/** What the child is asked to do. */
export interface SiChildOptions {
  /** Timed calls per function after the priming call. Default 5. */
  readonly calls?: number;
  /** Pause between two calls, ms (longer than the library's 500 ms cache). Default 600. */
  readonly spacingMs?: number;
}

/** The cost of one call (or the mean of the timed calls). */
export interface SiCallCost {
  readonly wall_ms: number;
  /** CPU of this process (every thread), ms. */
  readonly cpu_ms: number;
  /** CPU of the reaped child processes and their descendants, ms (10 ms resolution per tick). */
  readonly children_cpu_ms: number;
  /** Child processes Node started. */
  readonly forks: number;
  /** Longest event-loop stall during the call, ms (a synchronous exec blocks the loop). */
  readonly max_lag_ms: number;
}

/** What the child reports, per function. */
export interface SiChildResult {
  readonly version: string;
  readonly clk_tck: number;
  readonly functions: { readonly name: string; readonly first: SiCallCost; readonly mean: SiCallCost; readonly calls: number }[];
}

const require = createRequire(import.meta.url);
const CLK_TCK = (() => {
  try {
    return Number(execSync("getconf CLK_TCK", { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

// Count the child processes Node starts. exec() calls execFile() which calls spawn(): a depth guard counts each start once.
const cp = require("node:child_process") as Record<string, unknown>;
let forks = 0;
let depth = 0;
for (const name of ["exec", "execFile", "spawn", "execSync", "execFileSync", "spawnSync"]) {
  const original = cp[name] as (...args: unknown[]) => unknown;
  cp[name] = function counted(this: unknown, ...args: unknown[]): unknown {
    if (depth === 0) forks++;
    depth++;
    try {
      return original.apply(this, args);
    } finally {
      depth--;
    }
  };
}
const si = require("systeminformation") as Record<string, (...args: unknown[]) => Promise<unknown>> & { version(): string };

function childrenTicks(): number {
  const stat = readFileSync("/proc/self/stat", "latin1");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[13]) + Number(f[14]); // cutime, cstime (fields 16 and 17)
}

async function measure(call: () => Promise<unknown>): Promise<SiCallCost> {
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const cpu = process.cpuUsage();
  const ticks = childrenTicks();
  const forked = forks;
  const wall = performance.now();
  await call();
  const wallMs = performance.now() - wall;
  const used = process.cpuUsage(cpu);
  lag.disable();
  return {
    wall_ms: wallMs,
    cpu_ms: (used.user + used.system) / 1000,
    children_cpu_ms: ((childrenTicks() - ticks) * 1000) / CLK_TCK,
    forks: forks - forked,
    max_lag_ms: lag.max / 1e6,
  };
}

function mean(costs: readonly SiCallCost[]): SiCallCost {
  const avg = (f: (c: SiCallCost) => number): number => costs.reduce((s, c) => s + f(c), 0) / costs.length;
  return { wall_ms: avg((c) => c.wall_ms), cpu_ms: avg((c) => c.cpu_ms), children_cpu_ms: avg((c) => c.children_cpu_ms), forks: avg((c) => c.forks), max_lag_ms: Math.max(...costs.map((c) => c.max_lag_ms)) };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The calls measured: each one a probe here could have been built on. */
const CALLS: readonly (readonly [string, () => Promise<unknown>])[] = [
  ["currentLoad", () => si.currentLoad!()],
  ["mem", () => si.mem!()],
  ["fsSize", () => si.fsSize!()],
  ["disksIO", () => si.disksIO!()],
  ["fsStats", () => si.fsStats!()],
  ["networkStats", () => si.networkStats!("*")],
  ["processes", () => si.processes!()],
];

async function run(options: SiChildOptions): Promise<SiChildResult> {
  const calls = options.calls ?? 5;
  const spacing = options.spacingMs ?? 600;
  const functions: SiChildResult["functions"] = [];
  for (const [name, call] of CALLS) {
    const first = await measure(call);
    const timed: SiCallCost[] = [];
    for (let i = 0; i < calls; i++) {
      await sleep(spacing);
      timed.push(await measure(call));
    }
    functions.push({ name, first, mean: mean(timed), calls });
    await sleep(spacing);
  }
  return { version: si.version(), clk_tck: CLK_TCK, functions };
}

process.stdout.write(JSON.stringify(await run(JSON.parse(process.argv[2] ?? "{}") as SiChildOptions)) + "\n");
