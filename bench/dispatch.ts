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

/** The throughput the reference rules should reach on one core, events/s. */
export const DISPATCH_TARGET = 2_000_000;

/** Settings of `runDispatch`; sizes default to the published figure's. */
export interface DispatchOptions {
  readonly variant: DispatchVariant;
  /** The fleet (default 10,000 hosts × 20 services, every 10 s, ttl 60). */
  readonly fleet?: FleetOptions;
  /** Events run before measuring (JIT warm-up, every `by` fork created). Default 2,000,000. */
  readonly warmupEvents?: number;
  /** Events measured (rounded up to whole report rounds). Default 6,000,000. */
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
  const measureEvents = options.events ?? 6_000_000;
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

  let round_ = 0;
  let now = clock.now();
  /** Feeds one report round; returns the wall milliseconds it took and how many events it had. */
  const runRound = (): { ms: number; n: number } => {
    const events = fleet.cycle(round_++);
    const started = performance.now();
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.time !== now) {
        clock.advanceTo(e.time);
        now = e.time;
      }
      feed(e);
    }
    return { ms: performance.now() - started, n: events.length };
  };

  progress(`${DISPATCH_NAMES[options.variant]} (${options.build ?? "tsx"}): warming up with ${warmupEvents} events`);
  for (let n = 0; n < warmupEvents; ) n += runRound().n;
  const before = rules === undefined ? undefined : { ...rules.counts.intents };
  const expiredBefore = engine.stats.expired;
  globalThis.gc?.();
  progress(`${DISPATCH_NAMES[options.variant]} (${options.build ?? "tsx"}): measuring ${measureEvents} events`);
  const firstRound = round_;
  const profiler = options.cpuProfile === undefined ? undefined : await startProfile();
  let ms = 0;
  let n = 0;
  while (n < measureEvents) {
    const r = runRound();
    ms += r.ms;
    n += r.n;
  }
  if (profiler !== undefined) await profiler.stop(options.cpuProfile!);
  const eventsPerSecond = n / (ms / 1000);

  const line: Record<string, unknown> = {
    name: DISPATCH_NAMES[options.variant],
    value: round(eventsPerSecond),
    unit: "events/s",
    ns_per_event: round((ms * 1e6) / n, 3),
    build: options.build ?? "tsx",
    path: options.variant === "stream-only" ? "rules only (no index insert)" : "Engine.process (index insert + stream)",
    events: n,
    warmup_events: warmupEvents,
    hosts: fleet.hosts,
    services: SERVICES.length,
    keys: engine.index.size,
    report_interval_s: fleet.intervalSeconds,
    ttl_s: 60,
    virtual_seconds: round((round_ - firstRound) * fleet.intervalSeconds, 6),
    expired_events: engine.stats.expired - expiredBefore,
    stream_errors: engine.stats.streamErrors,
  };
  if (rules !== undefined) {
    const intents: Record<string, number> = {};
    for (const [kind, count] of Object.entries(rules.counts.intents)) {
      const delta = count - (before as Record<string, number>)[kind]!;
      if (delta > 0) intents[kind] = delta;
    }
    let total = 0;
    for (const v of Object.values(intents)) total += v;
    const files = [...rules.files.values()];
    Object.assign(line, {
      intents: total,
      intents_by_kind: intents,
      intents_including_warmup: intentTotal(rules.counts),
      rules_files: files.reduce((sum, f) => sum + f.length, 0),
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
  Object.assign(line, { heap_used_mb: round(process.memoryUsage().heapUsed / 2 ** 20, 3) }, machine());
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
