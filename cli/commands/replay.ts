/**
 * `satellite replay TRACE... [--rules DIR] [--compare DIR2]`: runs recorded
 * traces (`satellite start --record DIR`) through the engine and rules under
 * virtual time, far faster than real time, and prints every page, resolve
 * and host action those rules would have made; with `--compare`, runs a
 * second rules directory on the same trace and prints what differs. A
 * progress bar goes to stderr when it is a terminal. docs/replay.md.
 */
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { Command } from "commander";
import type { ReadProgress } from "../../replay/reader.ts";
import { iso, TraceError } from "../../replay/reader.ts";
import { ReplayError, replayTraceWith, type RuleSetSpec } from "../../replay/replay.ts";
import { formatComparison, formatReport, reportJson } from "../../replay/report.ts";
import type { ExitCode } from "../main.ts";
import { DEFAULT_RULES_DIR } from "./test.ts";

/** Options of `replay`, as commander parses them. */
interface ReplayCliOptions {
  readonly rules?: string;
  readonly builtin: boolean;
  readonly compare?: string;
  readonly json?: boolean;
  readonly speed?: boolean;
  readonly extend: string;
}

/** Milliseconds between two redraws of the progress bar. */
const PROGRESS_EVERY_MS = 100;

/**
 * A progress bar on stderr, redrawn at most every `PROGRESS_EVERY_MS`:
 * bytes read of the total, events, and the trace time reached. Only when
 * stderr is a terminal; otherwise it does nothing.
 */
function progressBar(): { update(p: ReadProgress): void; clear(): void } {
  const stderr = process.stderr;
  if (!stderr.isTTY) return { update: () => {}, clear: () => {} };
  let last = 0;
  let drawn = false;
  return {
    update(p: ReadProgress): void {
      const now = performance.now();
      if (now - last < PROGRESS_EVERY_MS) return;
      last = now;
      const fraction = p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 0;
      const width = 30;
      const filled = Math.round(fraction * width);
      const mb = (n: number): string => (n / 2 ** 20).toFixed(1);
      const bar = `[${"=".repeat(filled)}${" ".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${mb(p.bytesRead)}/${mb(p.totalBytes)} MB, ${p.events.toLocaleString("en-US")} events${Number.isNaN(p.t) ? "" : `, at ${iso(p.t)}`}`;
      stderr.write(`\r${bar.slice(0, (stderr.columns || 120) - 1)}\x1b[K`);
      drawn = true;
    },
    clear(): void {
      if (drawn) stderr.write("\r\x1b[K");
    },
  };
}

/** Registers `replay` on `program`. */
export function registerReplay(program: Command, exit: ExitCode): void {
  program
    .command("replay")
    .description("replay recorded traces against rules under virtual time: every page and host action they would have made; --compare two rule sets")
    .argument("<trace...>", "trace files, or directories of them (written by `satellite start --record DIR`)")
    .option("-r, --rules <dir>", `your rules directory (default: ${DEFAULT_RULES_DIR} when it exists)`)
    .option("--no-builtin", "do not load the built-in rule library")
    .option("--compare <dir>", "also replay with this rules directory (B) and report what differs from --rules (A)")
    .option("--json", "print the report as JSON")
    .option("--speed", "print the replay speed (events/s, real-time factor) on stderr")
    .option("--extend <seconds>", "run the clock this long past the end of the trace before reporting (pending expiries fire)", "0")
    .addHelpText(
      "after",
      `
Record with \`satellite start --record traces/\`, then try new rules on what really happened:

  satellite replay traces/ --rules rules.d --compare rules.new
  B pages 3 times fewer than A (4 vs 12) and takes out 2 more hosts (7 vs 5).`,
    )
    .action(async (traces: string[], opts: ReplayCliOptions) => {
      exit.code = await replay(traces, opts);
    });
}

async function replay(traces: readonly string[], opts: ReplayCliOptions): Promise<number> {
  const extendSeconds = Number(opts.extend);
  if (!Number.isFinite(extendSeconds) || extendSeconds < 0) {
    process.stderr.write(`satellite: --extend must be a number of seconds >= 0, got "${opts.extend}"\n`);
    return 2;
  }
  const rulesDir = opts.rules ?? (existsSync(DEFAULT_RULES_DIR) ? DEFAULT_RULES_DIR : undefined);
  const sets: RuleSetSpec[] = [{ rulesDir, builtin: opts.builtin }];
  if (opts.compare !== undefined) sets.push({ rulesDir: opts.compare, builtin: opts.builtin });
  if (sets.length === 2 && sets[0]!.rulesDir === undefined) sets[0] = { ...sets[0], label: opts.builtin ? "builtin only" : "no rules" };
  const bar = progressBar();
  let result;
  try {
    result = await replayTraceWith({ trace: traces, extendSeconds, onProgress: (p) => bar.update(p) }, sets);
  } catch (err) {
    bar.clear();
    if (err instanceof TraceError || err instanceof ReplayError) {
      process.stderr.write(`satellite: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  bar.clear();
  const name = traces.join(" ");
  if (opts.json) process.stdout.write(JSON.stringify(reportJson(result), null, 2) + "\n");
  else process.stdout.write(sets.length === 2 ? formatComparison(result, name) : formatReport(result, name));
  if (opts.speed) {
    process.stderr.write(
      `replay: ${result.trace.events.toLocaleString("en-US")} events in ${(result.wallMs / 1000).toFixed(2)} s: ` +
        `${Math.round(result.eventsPerSecond).toLocaleString("en-US")} events/s, ${Math.round(result.realTimeFactor).toLocaleString("en-US")}× real time` +
        `${sets.length === 2 ? " (two rule sets)" : ""}, ${(result.cpuMs / Math.max(result.wallMs, 1)).toFixed(1)} cores busy; rules loaded in ${(result.loadMs / 1000).toFixed(1)} s\n`,
    );
  }
  if (result.trace.problems.length > 0) process.stderr.write(`satellite: ${result.trace.problems.length} problem(s) in the trace, listed in the report\n`);
  return 0;
}
