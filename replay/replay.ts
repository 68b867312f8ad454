/**
 * Replay: runs a recorded trace through a fresh engine and a set of rules
 * under a `VirtualClock` moved to each batch's recorded receive time, so
 * windows, TTL expiries and timers fire as they did when it was recorded,
 * only far faster than real time; and collects what the rules decided. Cook
 * replays job traces through its real scheduler to compare scheduling
 * decisions (anchors/satellite_cook.md B3); this does the same for alerting
 * and host health: what would these rules have paged and drained on last
 * Tuesday's traffic? Several rule sets can run on one read of the trace
 * (`replayTraceWith`), each with its own clock, engine and rules, for a
 * comparison (report.ts).
 */
import { statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { BUILTIN_RULES_DIR } from "../cli/app.ts";
import type { Intent, IntentSink } from "../rules/intents.ts";
import { formatReloadErrors, RuleManager } from "../rules/manager.ts";
import { VirtualClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import type { Event } from "../streams/event.ts";
import { fanout } from "../streams/stream.ts";
import { dedupDecisions, type DecisionReport, type Decisions, type DecisionsFactory } from "./decisions.ts";
import { listTraceFiles, peekTraceStart, readTrace, type ReadProgress, type TraceProblem, type TraceSummary, type TraceVisitor } from "./reader.ts";
import { TraceReaderThread } from "./reader-worker.ts";

/** The replay cannot run: rules that do not load, or no trace; the message says which. */
export class ReplayError extends Error {
  override readonly name = "ReplayError";
}

/** One set of rules to replay a trace against. */
export interface RuleSetSpec {
  /** The user's rules directory (must exist); undefined: none. */
  readonly rulesDir?: string | undefined;
  /** Load the built-in library (rules/builtin) too, as `satellite start` does. Default true. */
  readonly builtin?: boolean | undefined;
  /** Name of this rule set in reports. Default: `rulesDir`, or "builtin". */
  readonly label?: string | undefined;
}

/** Settings shared by every run of a replay. */
export interface ReplayCommonOptions<R = DecisionReport> {
  /** Trace files or directories (see `listTraceFiles`). */
  readonly trace: string | readonly string[];
  /** Told about every intent every run's rules emit, with the virtual time and the run's label. */
  readonly onIntent?: ((intent: Intent, time: number, label: string) => void) | undefined;
  /** Makes each run's consumer of intents. Default `dedupDecisions`. */
  readonly decisions?: DecisionsFactory<R> | undefined;
  /** Put `index` intents into the run's index, as the rule test harness does. Default true. */
  readonly indexIntents?: boolean | undefined;
  /** Move the clock this many seconds past the end of the trace before reporting, so pending expiries fire. Default 0. */
  readonly extendSeconds?: number | undefined;
  /** Called as the trace is read (after each decompressed chunk). */
  readonly onProgress?: ((progress: ReadProgress) => void) | undefined;
  /** Called for each problem found in the trace. */
  readonly onProblem?: ((problem: TraceProblem) => void) | undefined;
  /**
   * Decode the trace on a second thread while this one replays
   * (`readTraceInWorker`). "auto": when the trace is at least
   * `WORKER_READ_MIN_BYTES`, where the thread's start-up pays for itself.
   * Same results either way. Default "auto".
   */
  readonly readInWorker?: boolean | "auto" | undefined;
}

/** Compressed trace size from which `readInWorker: "auto"` decodes on a second thread: 1 MiB (about 170,000 events). */
export const WORKER_READ_MIN_BYTES = 2 ** 20;

/** Settings of `replayTrace`: one rule set and the common settings. */
export interface ReplayOptions<R = DecisionReport> extends RuleSetSpec, ReplayCommonOptions<R> {}

/** What one rule set did on the trace. */
export interface ReplayRun<R = DecisionReport> {
  readonly label: string;
  /** The rule directories loaded, with their files, in load order. */
  readonly rules: readonly { readonly dir: string; readonly files: readonly string[] }[];
  /** What the decisions hook reported. */
  readonly decisions: R;
  /** Events processed, expiries, and throws caught inside streams. */
  readonly engine: { readonly accepted: number; readonly expired: number; readonly streamErrors: number };
  /** Throws inside rules, by rules file, and the last one. */
  readonly ruleErrors: Readonly<Record<string, number>>;
  readonly lastRuleError: string | undefined;
  /** Batches received before the clock's time (the recording clock went backwards): processed at the clock's time. */
  readonly lateBatches: number;
  /** Virtual start and end of the run. */
  readonly startedAt: number;
  readonly endedAt: number;
}

/** The outcome of a replay. */
export interface ReplayResult<R = DecisionReport> {
  readonly trace: TraceSummary;
  /** One per rule set, in the order given. */
  readonly runs: readonly ReplayRun<R>[];
  /** Wall milliseconds spent loading rules (scan, type-check, build). */
  readonly loadMs: number;
  /** Wall milliseconds spent reading and replaying (rules loading excluded). */
  readonly wallMs: number;
  /** CPU milliseconds the process used meanwhile, every thread (the reader thread's too): `cpuMs / wallMs` is the cores kept busy. */
  readonly cpuMs: number;
  /** Trace events replayed per wall second (per run: a comparison replays each event twice). */
  readonly eventsPerSecond: number;
  /** Virtual seconds covered. */
  readonly virtualSeconds: number;
  /** Virtual seconds per wall second. */
  readonly realTimeFactor: number;
}

/** One rule set's engine, clock and rules during a replay. */
class Session<R> {
  readonly clock: VirtualClock;
  readonly engine: Engine;
  readonly decisions: Decisions<R>;
  readonly managers: RuleManager[] = [];
  readonly rules: { dir: string; files: readonly string[] }[] = [];
  readonly ruleErrors: Record<string, number> = {};
  lastRuleError: string | undefined;
  lateBatches = 0;
  private readonly sink: IntentSink;

  constructor(
    readonly label: string,
    readonly spec: RuleSetSpec,
    start: number,
    options: ReplayCommonOptions<R>,
  ) {
    this.clock = new VirtualClock(start);
    this.engine = new Engine({ clock: this.clock });
    const factory = options.decisions ?? (dedupDecisions as unknown as DecisionsFactory<R>);
    this.decisions = factory(this.clock);
    const decide = this.decisions.sink;
    const onIntent = options.onIntent;
    const index = (options.indexIntents ?? true) ? this.engine.index : undefined;
    const clock = this.clock;
    this.sink = function replaySink(intent: Intent): void {
      if (index !== undefined && intent.kind === "index") index.insert(intent.event);
      onIntent?.(intent, clock.now(), label);
      decide(intent);
    };
  }

  /** Loads the rule directories, as `startApp` does (one `RuleManager` each, not watched). */
  async load(): Promise<void> {
    const dirs: string[] = [];
    if (this.spec.builtin ?? true) dirs.push(BUILTIN_RULES_DIR);
    if (this.spec.rulesDir !== undefined) dirs.push(this.spec.rulesDir);
    for (const dir of dirs) {
      const manager = new RuleManager({
        dir,
        clock: this.clock,
        sink: this.sink,
        onRuleError: (rule, error, where) => {
          this.ruleErrors[rule] = (this.ruleErrors[rule] ?? 0) + 1;
          this.lastRuleError = `${rule} (${where}): ${error instanceof Error ? error.message : String(error)}`;
        },
      });
      const result = await manager.reload();
      if (!result.ok) {
        manager.close();
        throw new ReplayError(`the rules in ${dir} do not load:\n${formatReloadErrors(result.errors)}`);
      }
      this.managers.push(manager);
      this.rules.push({ dir, files: result.added });
    }
    this.engine.setStream(fanout(this.engine.ctx, "rules", this.managers.map((m) => m.stream)));
  }

  batch(t: number, events: readonly Event[], count: number): void {
    const clock = this.clock;
    if (t > clock.now()) clock.advanceTo(t);
    else if (t < clock.now()) this.lateBatches++;
    const engine = this.engine;
    for (let i = 0; i < count; i++) engine.process(events[i]!);
  }

  finish(end: number, startedAt: number): ReplayRun<R> {
    if (end > this.clock.now()) this.clock.advanceTo(end);
    const decisions = this.decisions.report();
    for (const m of this.managers) m.close();
    const stats = this.engine.stats;
    return {
      label: this.label,
      rules: this.rules,
      decisions,
      engine: { accepted: stats.accepted, expired: stats.expired, streamErrors: stats.streamErrors },
      ruleErrors: { ...this.ruleErrors },
      lastRuleError: this.lastRuleError,
      lateBatches: this.lateBatches,
      startedAt,
      endedAt: this.clock.now(),
    };
  }

  close(): void {
    for (const m of this.managers) m.close();
  }
}

/**
 * The label of a rule set in reports: its own, else its directory, else "builtin" (or "no rules").
 *
 * @example
 * ruleSetLabel({ rulesDir: "rules.d" }); // "rules.d"
 * ruleSetLabel({});                      // "builtin"
 */
export function ruleSetLabel(spec: RuleSetSpec): string {
  return spec.label ?? spec.rulesDir ?? ((spec.builtin ?? true) ? "builtin" : "no rules");
}

/**
 * Replays `options.trace` against each of `ruleSets` in one read of the
 * trace: every rule set gets its own `VirtualClock` (starting at the first
 * file's header time), `Engine` and rules, and sees every event at its
 * recorded receive time. After the last line each clock moves on to the
 * trace's last time (plus `extendSeconds`) and the decisions are reported.
 * Rejects with a `ReplayError` when a rule set does not load, and with a
 * `TraceError` when there is no trace; problems inside the trace are in
 * `result.trace.problems`.
 *
 * Deterministic: the same trace and rules give the same result, and the
 * same intents as the live run under a `VirtualClock` that was recorded.
 * A live run on wall time differs only where a timer fired late (an event
 * handled before a timer that was already due); the replay fires every
 * timer on time.
 *
 * @example
 * const result = await replayTraceWith({ trace: "traces" }, [{ rulesDir: "rules.d" }, { rulesDir: "rules.new" }]);
 * result.runs.map((r) => r.decisions.counts.pages); // [12, 4]
 */
export async function replayTraceWith<R = DecisionReport>(options: ReplayCommonOptions<R>, ruleSets: readonly RuleSetSpec[]): Promise<ReplayResult<R>> {
  const files = listTraceFiles(options.trace);
  const mode = options.readInWorker ?? "auto";
  const inWorker = mode === "auto" ? files.reduce((sum, f) => sum + statSync(f).size, 0) >= WORKER_READ_MIN_BYTES : mode;
  const start = (await peekTraceStart(files)) ?? 0;
  // The reader thread starts decoding while the rules load.
  const thread = inWorker ? new TraceReaderThread(files) : undefined;
  const loadStarted = performance.now();
  const sessions: Session<R>[] = [];
  try {
    for (const spec of ruleSets) {
      const session = new Session<R>(ruleSetLabel(spec), spec, start, options);
      sessions.push(session);
      await session.load();
    }
  } catch (err) {
    for (const s of sessions) s.close();
    thread?.stop();
    throw err;
  }
  const loadMs = performance.now() - loadStarted;

  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let trace: TraceSummary;
  try {
    const single = sessions.length === 1 ? sessions[0]! : undefined;
    const visitor: TraceVisitor = {
      batch:
        single !== undefined
          ? (t, events, count) => single.batch(t, events, count)
          : (t, events, count) => {
              for (const s of sessions) s.batch(t, events, count);
            },
    };
    const readOptions = { onProgress: options.onProgress, onProblem: options.onProblem };
    trace = await (thread !== undefined ? thread.read(visitor, readOptions) : readTrace(files, visitor, readOptions));
  } catch (err) {
    for (const s of sessions) s.close();
    throw err;
  }
  const last = Number.isNaN(trace.lastT) ? start : trace.lastT;
  const end = last + (options.extendSeconds ?? 0);
  const runs = sessions.map((s) => s.finish(end, start));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const virtualSeconds = Math.max(0, (runs[0]?.endedAt ?? end) - start);
  return {
    trace,
    runs,
    loadMs,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    eventsPerSecond: wallMs > 0 ? trace.events / (wallMs / 1000) : 0,
    virtualSeconds,
    realTimeFactor: wallMs > 0 ? virtualSeconds / (wallMs / 1000) : 0,
  };
}

/**
 * Replays a trace against one rule set (see `replayTraceWith`); the run is `result.runs[0]`.
 *
 * @example
 * const result = await replayTrace({ trace: "traces", rulesDir: "rules.d" });
 * for (const p of result.runs[0]!.decisions.pages) console.log(p.time, p.key, p.summary);
 */
export function replayTrace<R = DecisionReport>(options: ReplayOptions<R>): Promise<ReplayResult<R>> {
  return replayTraceWith<R>(options, [{ rulesDir: options.rulesDir, builtin: options.builtin, label: options.label }]);
}
