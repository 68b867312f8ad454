/**
 * `satellite start`: the all-in-one mode on one machine. Today that is the
 * engine on the wall clock with the built-in rules and a hot-reloaded user
 * rules directory, intents logged one per line; transport, collector,
 * alerting, scheduler and the web page join it as their parts land.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { formatReloadErrors, RuleManager } from "../../rules/manager.ts";
import { RealClock } from "../../streams/clock.ts";
import { Engine } from "../../streams/engine.ts";
import { fanout } from "../../streams/stream.ts";
import type { ExitCode } from "../main.ts";
import { DEFAULT_RULES_DIR } from "./test.ts";

/** Where the shipped rule library lives. */
export const BUILTIN_RULES_DIR = fileURLToPath(new URL("../../rules/builtin", import.meta.url));

/** Options of `start`. */
interface StartOptions {
  readonly rules: string;
  readonly builtin: boolean;
}

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

/** Registers `start` on `program`. */
export function registerStart(program: Command, exit: ExitCode): void {
  program
    .command("start")
    .description("run Satellite on this machine with embedded defaults (engine, built-in rules, your rules directory)")
    .option("-r, --rules <dir>", "your rules directory, hot-reloaded on change", DEFAULT_RULES_DIR)
    .option("--no-builtin", "do not load the built-in rule library")
    .action(async (opts: StartOptions) => {
      exit.code = await start(opts);
    });
}

async function start(opts: StartOptions): Promise<number> {
  const clock = new RealClock();
  const engine = new Engine({ clock, onException: (e) => log(`rule error on ${e.host}: ${e.description ?? ""}`) });
  const managers: RuleManager[] = [];
  const dirs = [...(opts.builtin ? [BUILTIN_RULES_DIR] : []), ...(existsSync(opts.rules) ? [opts.rules] : [])];
  for (const dir of dirs) {
    const manager = new RuleManager({ dir, clock, onRuleError: (rule, error) => log(`rule ${rule} threw: ${String(error)}`) });
    const result = await manager.reload();
    if (!result.ok) {
      process.stderr.write(`satellite: the rules in ${dir} do not load:\n${formatReloadErrors(result.errors)}\n`);
      return 1;
    }
    log(`loaded ${result.added.length} rules file(s) from ${dir} in ${result.durationMs.toFixed(0)} ms: ${result.added.join(", ")}`);
    manager.watch({
      onReload: (r) => log(r.ok ? `reloaded ${dir}: changed [${r.changed.join(", ")}], added [${r.added.join(", ")}], removed [${r.removed.join(", ")}]` : `reload of ${dir} rejected, previous rules keep running:\n${formatReloadErrors(r.errors)}`),
    });
    managers.push(manager);
  }
  engine.setStream(fanout(engine.ctx, "rules", managers.map((m) => m.stream)));
  if (!existsSync(opts.rules)) log(`no rules directory at ${opts.rules} (create it, or pass --rules DIR, to add your own rules)`);
  log("engine only: transport (Kafka, Riemann protocol, HTTP), collector, PagerDuty, scheduler and web UI arrive in later milestones. Ctrl-C stops.");

  await new Promise<void>((resolve) => {
    // Keeps the process alive until a signal: the engine's own timers are unref'd.
    const keepAlive = setInterval(() => {}, 1 << 30);
    const stop = (signal: string): void => {
      log(`${signal}: stopping`);
      clearInterval(keepAlive);
      resolve();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  for (const m of managers) m.close();
  return 0;
}
