/**
 * The reference rule set of the dispatch benchmarks, loaded the way
 * `satellite start` loads rules: one `RuleManager` per directory (the
 * built-in library, then bench/reference-rules/), each initial `reload()`
 * scanning, type-checking and building its files, and the engine's stream a
 * `fanout` over the managers' streams. Intents go to a sink that only counts
 * them, so the figure is the engine's, not an output's.
 */
import { fileURLToPath } from "node:url";
import { BUILTIN_RULES_DIR } from "../cli/app.ts";
import type { Intent, IntentSink } from "../rules/intents.ts";
import { formatReloadErrors, RuleManager } from "../rules/manager.ts";
import type { Clock } from "../streams/clock.ts";
import type { Event } from "../streams/event.ts";
import { fanout, type Stream, type StreamContext } from "../streams/stream.ts";

export { BUILTIN_RULES_DIR };

/** The benchmark's own rules: 20 per-host threshold rules, one readable file each. */
export const REFERENCE_RULES_DIR = fileURLToPath(new URL("./reference-rules", import.meta.url));

/** Intents counted by kind and by rules file, and rule errors counted. */
export interface RuleSetCounts {
  readonly intents: Record<Intent["kind"], number>;
  /** Intents per rules file name (the part of `intent.rule` before any "/"). */
  readonly byFile: Map<string, number>;
  ruleErrors: number;
  lastRuleError: string | undefined;
}

/** A loaded rule set: the stream to give the engine, what was loaded, and the counters. */
export interface RuleSet {
  readonly stream: Stream<Event>;
  /** Rules files loaded, per directory (directory → file names without `.rules.ts`). */
  readonly files: ReadonlyMap<string, readonly string[]>;
  readonly counts: RuleSetCounts;
  /** Wall milliseconds the initial loads took (scan, type-check, build). */
  readonly loadMs: number;
  /** Unloads every rules file (cancels their timers). */
  close(): void;
}

/**
 * Total of `counts.intents` over every kind.
 *
 * @example
 * intentTotal(rules.counts); // pages + resolves + drains + ...
 */
export function intentTotal(counts: RuleSetCounts): number {
  let n = 0;
  for (const v of Object.values(counts.intents)) n += v;
  return n;
}

/**
 * Loads every directory in `dirs` with a `RuleManager` on `clock`, as
 * `satellite start` does, and fans events into them in that order through
 * `ctx` (the engine's). Throws an Error listing the load errors when a
 * directory does not load.
 *
 * @example
 * const rules = await loadRuleSet([BUILTIN_RULES_DIR, REFERENCE_RULES_DIR], engine.ctx);
 * engine.setStream(rules.stream);
 */
export async function loadRuleSet(dirs: readonly string[], ctx: StreamContext): Promise<RuleSet> {
  const counts: RuleSetCounts = {
    intents: { page: 0, resolve: 0, drain: 0, blacklist: 0, restore: 0, index: 0, forward: 0, log: 0 },
    byFile: new Map(),
    ruleErrors: 0,
    lastRuleError: undefined,
  };
  const sink: IntentSink = function countIntent(intent: Intent): void {
    counts.intents[intent.kind]++;
    const slash = intent.rule.indexOf("/");
    const file = slash < 0 ? intent.rule : intent.rule.slice(0, slash);
    counts.byFile.set(file, (counts.byFile.get(file) ?? 0) + 1);
  };
  const clock: Clock = ctx.clock;
  const managers: RuleManager[] = [];
  const files = new Map<string, readonly string[]>();
  let loadMs = 0;
  for (const dir of dirs) {
    const manager = new RuleManager({
      dir,
      clock,
      sink,
      onRuleError: (rule, error, where) => {
        counts.ruleErrors++;
        counts.lastRuleError = `${rule} (${where}): ${error instanceof Error ? error.message : String(error)}`;
      },
    });
    const result = await manager.reload();
    if (!result.ok) throw new Error(`the rules in ${dir} do not load:\n${formatReloadErrors(result.errors)}`);
    loadMs += result.durationMs;
    files.set(dir, result.added);
    managers.push(manager);
  }
  return {
    stream: fanout(ctx, "rules", managers.map((m) => m.stream)),
    files,
    counts,
    loadMs,
    close: () => {
      for (const m of managers) m.close();
    },
  };
}
