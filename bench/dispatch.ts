/**
 * Dispatch throughput: events per second on one core through
 * `Engine.process` (the trusted path: index insert, then the rules), on a
 * virtual clock that moves as the fleet reports. Three variants of the same
 * run tell where the time goes: `reference` (the built-in library plus the
 * 20 reference rules, the headline figure), `stream-only` (the same rules,
 * no index insert, no expiry), and `raw` (the same engine and index with a
 * one-function stream: the ceiling any rule set is measured against).
 */
import { writeFileSync } from "node:fs";
import inspector from "node:inspector/promises";
import { performance } from "node:perf_hooks";
import { VirtualClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import type { Event } from "../streams/event.ts";
import type { Stream, StreamContext } from "../streams/stream.ts";
import { judge, machine, progress, round, type BenchLine } from "./output.ts";
import { BUILTIN_RULES_DIR, intentTotal, loadRuleSet, REFERENCE_RULES_DIR, type RuleSet } from "./rule-set.ts";
import { Fleet, SERVICES, type FleetOptions } from "./workload.ts";

/** Which pipeline the events go through (see the file header). */
export type DispatchVariant = "reference" | "stream-only" | "raw";

/** Benchmark names per variant, as printed. */
export const DISPATCH_NAMES: Readonly<Record<DispatchVariant, string>> = Object.freeze({
  reference: "dispatch_reference_rules",
  "stream-only": "dispatch_stream_only",
  raw: "dispatch_raw_ceiling",
});

/** Hosts whose events are made and fed together (20 services each: 1000 events, about 250 KB). */
const BATCH_HOSTS = 50;

/** The throughput the reference rules should reach on one core, events/s. */
export const DISPATCH_TARGET = 2_000_000;

/** Settings of `runDispatch`; sizes default to the published figure's. */
export interface DispatchOptions {
  readonly variant: DispatchVariant;
  /** The fleet (default 10,000 hosts × 20 services, every 10 s, ttl 60). */
  readonly fleet?: FleetOptions;
  /** Events run before measuring (JIT warm-up, every `by` fork created). Default 2,000,000. */
  readonly warmupEvents?: number;
  /** Events measured (rounded up to whole report rounds). Default 4,000,000 (20 rounds: 200 s of fleet time, a silent spell change included). */
  readonly events?: number;
  /** Rules directories for `reference` and `stream-only`. Default: the built-in library, then bench/reference-rules. */
  readonly ruleDirs?: readonly string[];
  /** Label of how the code was compiled ("tsx" or "js"), printed as context. Default "tsx". */
  readonly build?: string;
  /** Write a CPU profile of the measured phase only (not load or warm-up) to this .cpuprofile file. */
  readonly cpuProfile?: string;
}

/**
 * Runs one dispatch variant and returns its line: `value` in events/s over
 * the measured events, with the sizes, the intents the rules emitted, the
 * expiries and errors, ns per event and (for `reference`) the target.
 * Event generation is not timed; clock advances (and the timers they fire:
 * windows, expiry) are.
 *
 * @example
 * const line = await runDispatch({ variant: "raw", fleet: { hosts: 100 }, warmupEvents: 0, events: 10_000 });
 * line.value; // events per second
 */
export async function runDispatch(options: DispatchOptions): Promise<BenchLine> {
  const fleet = new Fleet(options.fleet);
  const warmupEvents = options.warmupEvents ?? 2_000_000;
  const measureEvents = options.events ?? 4_000_000;
  const clock = new VirtualClock(fleet.start);
  const engine = new Engine({ clock });
  let rules: RuleSet | undefined;
  let stream: Stream<Event>;
  let seen = 0;
  if (options.variant === "raw") {
    stream = function countEvent(): void {
      seen++;
    };
  } else {
    rules = await loadRuleSet(options.ruleDirs ?? [BUILTIN_RULES_DIR, REFERENCE_RULES_DIR], engine.ctx);
    stream = rules.stream;
  }
  engine.setStream(stream);
  const feed = options.variant === "stream-only" ? dispatchOnly(stream, engine.ctx.onError) : (e: Event) => engine.process(e);

  let nextRound = 0;
  let now = clock.now();
  /** Events/s of each measured round, to show how steady the figure is. */
  const roundRates: number[] = [];
  const batch: Event[] = [];
  /**
   * Feeds one report round, `BATCH_HOSTS` hosts at a time: each batch is
   * made (untimed) just before it is fed (timed), as a transport decodes a
   * message and hands it over, so the events are fresh in the cache as they
   * would be in production. Returns the wall milliseconds fed and the count.
   */
  const runRound = (): { ms: number; n: number } => {
    const k = nextRound++;
    let ms = 0;
    let n = 0;
    for (let first = 0; first < fleet.hosts; first += BATCH_HOSTS) {
      batch.length = 0;
      const last = Math.min(fleet.hosts, first + BATCH_HOSTS);
      for (let h = first; h < last; h++) fleet.report(k, h, batch);
      const started = performance.now();
      for (let i = 0; i < batch.length; i++) {
        const e = batch[i]!;
        if (e.time !== now) {
          clock.advanceTo(e.time);
          now = e.time;
        }
        feed(e);
      }
      ms += performance.now() - started;
      n += batch.length;
    }
    return { ms, n };
  };

  progress(`${DISPATCH_NAMES[options.variant]} (${options.build ?? "tsx"}): warming up with ${warmupEvents} events`);
  for (let n = 0; n < warmupEvents; ) n += runRound().n;
  const before = rules === undefined ? undefined : { ...rules.counts.intents };
  const expiredBefore = engine.stats.expired;
  globalThis.gc?.();
  progress(`${DISPATCH_NAMES[options.variant]} (${options.build ?? "tsx"}): measuring ${measureEvents} events`);
  const firstRound = nextRound;
  const profiler = options.cpuProfile === undefined ? undefined : await startProfile();
  let ms = 0;
  let n = 0;
  while (n < measureEvents) {
    const r = runRound();
    ms += r.ms;
    n += r.n;
    roundRates.push(r.n / (r.ms / 1000));
  }
  if (profiler !== undefined) await profiler.stop(options.cpuProfile!);
  const eventsPerSecond = n / (ms / 1000);

  const line: Record<string, unknown> = {
    name: DISPATCH_NAMES[options.variant],
    value: round(eventsPerSecond),
    unit: "events/s",
    ns_per_event: round((ms * 1e6) / n, 3),
    round_events_per_s_min: round(Math.min(...roundRates), 3),
    round_events_per_s_max: round(Math.max(...roundRates), 3),
    build: options.build ?? "tsx",
    path: options.variant === "stream-only" ? "rules only (no index insert)" : "Engine.process (index insert + stream)",
    events: n,
    warmup_events: warmupEvents,
    hosts: fleet.hosts,
    services: SERVICES.length,
    keys: engine.index.size,
    report_interval_s: fleet.intervalSeconds,
    ttl_s: "60 (heartbeat 30, as the collector contract says)",
    virtual_seconds: round((nextRound - firstRound) * fleet.intervalSeconds, 6),
    expired_events: engine.stats.expired - expiredBefore,
    stream_errors: engine.stats.streamErrors,
  };
  // What the engine, the index and the rules' state (forks, windows) hold, after a full collection.
  globalThis.gc?.();
  const heapAfterGc = round(process.memoryUsage().heapUsed / 2 ** 20, 3);
  if (rules !== undefined) {
    const intents: Record<string, number> = {};
    for (const [kind, count] of Object.entries(rules.counts.intents)) {
      const delta = count - (before as Record<string, number>)[kind]!;
      if (delta > 0) intents[kind] = delta;
    }
    let total = 0;
    for (const v of Object.values(intents)) total += v;
    const files = [...rules.files.values()];
    const byFile = rules.counts.byFile;
    const quiet = files.flat().filter((f) => !byFile.has(f));
    Object.assign(line, {
      intents: total,
      intents_by_kind: intents,
      intents_including_warmup: intentTotal(rules.counts),
      rules_files: files.reduce((sum, f) => sum + f.length, 0),
      rules_files_without_intents: quiet,
      builtin_rules_files: rules.files.get(BUILTIN_RULES_DIR)?.length ?? 0,
      reference_rules_files: rules.files.get(REFERENCE_RULES_DIR)?.length ?? 0,
      rules_load_ms: round(rules.loadMs, 3),
      rule_errors: rules.counts.ruleErrors,
      ...(rules.counts.lastRuleError === undefined ? {} : { last_rule_error: rules.counts.lastRuleError }),
    });
    rules.close();
  } else {
    line.stream = "one function counting events";
    line.counted = seen;
  }
  if (options.variant === "reference") Object.assign(line, judge(eventsPerSecond, { op: ">=", value: DISPATCH_TARGET }));
  Object.assign(line, { heap_after_gc_mb: heapAfterGc }, machine());
  return line as unknown as BenchLine;
}

/** Starts the V8 CPU profiler through the inspector; `stop(file)` writes the profile there. */
async function startProfile(): Promise<{ stop(file: string): Promise<void> }> {
  const session = new inspector.Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return {
    async stop(file: string): Promise<void> {
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      progress(`CPU profile of the measured phase written to ${file}`);
    },
  };
}

/** Feeds `stream` directly, reporting throws as `Engine` does, without touching an index. */
function dispatchOnly(stream: Stream<Event>, onError: StreamContext["onError"]): (e: Event) => void {
  return function dispatchOnlyStream(e: Event): void {
    try {
      stream(e);
    } catch (err) {
      onError(err, "streams", e);
    }
  };
}
