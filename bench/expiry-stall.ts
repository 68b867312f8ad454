/**
 * Expiry stall: the longest the event loop is blocked while a million keys
 * expire at once (a network partition, every host silent at the same
 * moment). The engine runs on a `RealClock`, so its expiry queue works the
 * storm off in slices that yield to the real event loop; a `setImmediate`
 * chain measures the longest gap between two turns of the loop, and
 * `perf_hooks.monitorEventLoopDelay` confirms it from the timer side.
 */
import { monitorEventLoopDelay, performance, PerformanceObserver } from "node:perf_hooks";
import { RealClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import { EXPIRED, type Event } from "../streams/event.ts";
import { DEFAULT_SLICE_SIZE } from "../streams/eventindex/expiry.ts";
import { judge, machine, progress, round, type BenchLine } from "./output.ts";
import { Fleet, SERVICES, type FleetOptions } from "./workload.ts";

/** The longest acceptable stall, milliseconds. */
export const STALL_TARGET_MS = 50;

/** Settings of `runExpiryStall`. */
export interface ExpiryStallOptions {
  /** Keys that expire (rounded down to whole hosts of 20 services). Default 1,000,000. */
  readonly keys?: number;
  /** The engine's `expirySliceSize`. Default: the engine's default (5000). */
  readonly sliceSize?: number;
  /** Seconds from the end of the insert to the common deadline. Default 1. */
  readonly leadSeconds?: number;
  /** Host and service strings fresh per event (default) or shared; see `FleetOptions.strings`. */
  readonly strings?: FleetOptions["strings"];
  /** Give up after this many wall seconds. Default 300. */
  readonly timeoutSeconds?: number;
}

/**
 * Indexes `keys` keys that all expire at the same moment, then waits on the
 * real event loop until every expiry has reached the engine's stream, and
 * returns the line `expiry_max_stall_ms` (the longest gap between two turns
 * of the loop from just before the deadline to the last expiry), with the
 * total expiry time, keys/s, the loop-delay histogram's max and p99, and the
 * longest garbage-collection pause seen meanwhile.
 *
 * @example
 * const line = await runExpiryStall({ keys: 20_000 });
 * line.value; // milliseconds
 */
export async function runExpiryStall(options: ExpiryStallOptions = {}): Promise<BenchLine> {
  const hosts = Math.max(1, Math.floor((options.keys ?? 1_000_000) / SERVICES.length));
  const sliceSize = options.sliceSize ?? DEFAULT_SLICE_SIZE;
  const leadSeconds = options.leadSeconds ?? 1;
  const fleet = new Fleet({ hosts, silentEvery: Infinity, strings: options.strings });
  const clock = new RealClock();
  const engine = new Engine({ clock, expirySliceSize: sliceSize });
  let expired = 0;
  let firstExpiry = NaN;
  let lastExpiry = NaN;
  engine.setStream(function countExpiry(e: Event): void {
    if (e.state !== EXPIRED) return;
    expired++;
    lastExpiry = performance.now();
    if (expired === 1) firstExpiry = lastExpiry;
  });

  progress(`expiry_max_stall_ms: indexing ${fleet.keys} keys`);
  const made = fleet.cycle(0);
  const insertStarted = performance.now();
  // Every key gets the same deadline: the insert's start, plus its expected duration (well under 1 µs a key), plus the lead.
  const t0 = clock.now();
  const ttl = leadSeconds + made.length / 1_000_000;
  for (let i = 0; i < made.length; i++) engine.process({ ...made[i]!, time: t0, ttl });
  const insertMs = performance.now() - insertStarted;
  const keys = engine.index.size;
  made.length = 0;
  globalThis.gc?.();
  const deadline = t0 + ttl;
  const deadlinePerf = performance.now() + (deadline - clock.now()) * 1000;
  if (clock.now() >= deadline) progress(`expiry_max_stall_ms: the insert took ${insertMs.toFixed(0)} ms, past the deadline; expiry starts at once`);

  const delay = monitorEventLoopDelay({ resolution: 1 });
  let longestGc = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (entry.duration > longestGc) longestGc = entry.duration;
  });
  gcObserver.observe({ entryTypes: ["gc"] });
  delay.enable();

  const timeoutMs = (options.timeoutSeconds ?? 300) * 1000;
  const started = performance.now();
  const maxGap = await new Promise<number>((resolve, reject) => {
    let last = performance.now();
    let max = 0;
    const turn = (): void => {
      const now = performance.now();
      if (now - last > max) max = now - last;
      last = now;
      if (expired >= keys) resolve(max);
      else if (now - started > timeoutMs) reject(new Error(`expiry stall: only ${expired} of ${keys} keys expired in ${timeoutMs / 1000} s`));
      else setImmediate(turn);
    };
    setImmediate(turn);
  });
  delay.disable();
  gcObserver.disconnect();

  const expiryMs = lastExpiry - firstExpiry;
  return {
    name: "expiry_max_stall_ms",
    value: round(maxGap, 3),
    unit: "ms",
    method: "longest gap between two setImmediate turns of the event loop, from before the deadline to the last expiry",
    keys,
    expired,
    same_deadline: true,
    slice_size: sliceSize,
    stream: "counts expiries (no rules)",
    clock: "RealClock",
    insert_ms: round(insertMs, 3),
    total_expiry_ms: round(expiryMs, 3),
    first_expiry_vs_deadline_ms: round(firstExpiry - deadlinePerf, 3),
    keys_per_s: round(keys / (expiryMs / 1000), 3),
    loop_delay_max_ms: round(delay.max / 1e6, 3),
    loop_delay_p99_ms: round(delay.percentile(99) / 1e6, 3),
    longest_gc_pause_ms: round(longestGc, 3),
    ...judge(maxGap, { op: "<=", value: STALL_TARGET_MS }),
    ...machine(),
  };
}
