/**
 * The measured side of the collector benchmark, run in its own Node process
 * by bench/collector.ts so that its CPU time and RSS are the probes' alone:
 * builds `defaultProbes()` on this machine's /proc and /sys, samples them
 * `warmup` times, then `samples` times back to back, each sample's events
 * JSON-encoded as shipping would, and prints one JSON object: CPU seconds
 * (process.cpuUsage, every thread of the process: the main thread, libuv's
 * thread pool, GC) for the timed samples, the process's RSS, and the CPU
 * of each probe sampled alone. Not a benchmark line itself; the parent
 * turns it into lines.
 *
 *     node --import tsx bench/collector-child.ts '{"samples":50,"warmup":5}'
 */
import { readFileSync } from "node:fs";
import { defaultProbes, sampleProbes } from "../collector/probes/index.ts";
import type { Probe } from "../collector/probes/probe.ts";

/** What the child is asked to do. */
export interface CollectorChildOptions {
  /** Timed samples of the whole probe set. Default 50. */
  readonly samples?: number;
  /** Untimed samples first (the first has no rates). Default 5. */
  readonly warmup?: number;
  /** Timed samples of each probe alone, for the breakdown. Default 20. */
  readonly perProbeSamples?: number;
}

/** What the child reports. */
export interface CollectorChildResult {
  readonly samples: number;
  readonly cpu_seconds: number;
  readonly wall_seconds: number;
  readonly events_per_sample: number;
  readonly json_bytes_per_sample: number;
  readonly errors: number;
  readonly rss_bytes: number;
  readonly peak_rss_bytes: number;
  readonly heap_used_bytes: number;
  readonly per_probe_cpu_ms: Record<string, number>;
}

function statusBytes(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "latin1"));
  return m === null ? 0 : Number(m[1]) * 1024;
}

function cpuSeconds(since?: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

async function sampleOnce(probes: readonly Probe[]): Promise<{ events: number; bytes: number; errors: number }> {
  const { events, errors } = await sampleProbes(probes, { host: "bench", now: Date.now() / 1000 });
  const json = JSON.stringify(events);
  return { events: events.length, bytes: json.length, errors: errors.length };
}

/**
 * Runs the probes as described above and returns the figures.
 *
 * @example
 * const result = await runCollectorChild({ samples: 10, warmup: 2 });
 */
async function runCollectorChild(options: CollectorChildOptions = {}): Promise<CollectorChildResult> {
  const samples = options.samples ?? 50;
  const warmup = options.warmup ?? 5;
  const perProbeSamples = options.perProbeSamples ?? 20;
  const probes = defaultProbes();
  for (let i = 0; i < warmup; i++) await sampleOnce(probes);

  let events = 0;
  let bytes = 0;
  let errors = 0;
  const wall = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < samples; i++) {
    const s = await sampleOnce(probes);
    events += s.events;
    bytes += s.bytes;
    errors += s.errors;
  }
  const cpuTotal = cpuSeconds(cpu);
  const wallTotal = (performance.now() - wall) / 1000;
  const rss = statusBytes("VmRSS");

  const perProbe: Record<string, number> = {};
  for (const probe of probes) {
    const start = process.cpuUsage();
    for (let i = 0; i < perProbeSamples; i++) JSON.stringify(await probe.sample({ host: "bench", now: Date.now() / 1000 }));
    perProbe[probe.name] = Math.round((cpuSeconds(start) / perProbeSamples) * 1e6) / 1e3;
  }
  return {
    samples,
    cpu_seconds: cpuTotal,
    wall_seconds: wallTotal,
    events_per_sample: events / samples,
    json_bytes_per_sample: bytes / samples,
    errors,
    rss_bytes: rss,
    peak_rss_bytes: statusBytes("VmHWM"),
    heap_used_bytes: process.memoryUsage().heapUsed,
    per_probe_cpu_ms: perProbe,
  };
}

// A script: bench/collector.ts runs it as `node [--import tsx] collector-child.(ts|js) '<options as JSON>'`.
const options = JSON.parse(process.argv[2] ?? "{}") as CollectorChildOptions;
process.stdout.write(JSON.stringify(await runCollectorChild(options)) + "\n");
