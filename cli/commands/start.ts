/**
 * `satellite start`: the all-in-one mode on one machine — the engine with
 * the built-in rules and a hot-reloaded user rules directory, the Riemann
 * protocol on 5555 and the HTTP API on 5001, intents logged one per line.
 * The collector, alerting, scheduler and web page join as their parts land.
 */
import type { Command } from "commander";
import { AppStartError, startApp } from "../app.ts";
import type { ExitCode } from "../main.ts";
import { logLine as log, untilSignal } from "../process.ts";
import { DEFAULT_RULES_DIR } from "./test.ts";

/** Options of `start`, as commander parses them. */
interface StartOptions {
  readonly rules: string;
  readonly builtin: boolean;
  readonly host: string;
  readonly httpPort: string;
  readonly riemannPort: string;
}

function port(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new AppStartError(`${flag} must be an integer from 0 to 65535, got "${value}"`);
  return n;
}

/** Registers `start` on `program`. */
export function registerStart(program: Command, exit: ExitCode): void {
  program
    .command("start")
    .description("run Satellite on this machine with embedded defaults (engine, built-in rules, your rules, Riemann port, HTTP API)")
    .option("-r, --rules <dir>", "your rules directory, hot-reloaded on change", DEFAULT_RULES_DIR)
    .option("--no-builtin", "do not load the built-in rule library")
    .option("--host <address>", "address the servers bind", "127.0.0.1")
    .option("--http-port <port>", "HTTP API port (0 = any free port)", "5001")
    .option("--riemann-port <port>", "Riemann protocol TCP and UDP port (0 = any free port)", "5555")
    .action(async (opts: StartOptions) => {
      exit.code = await start(opts);
    });
}

async function start(opts: StartOptions): Promise<number> {
  let app;
  try {
    app = await startApp({
      builtinRules: opts.builtin,
      rulesDir: opts.rules,
      host: opts.host,
      httpPort: port(opts.httpPort, "--http-port"),
      riemannPort: port(opts.riemannPort, "--riemann-port"),
      log,
    });
  } catch (err) {
    process.stderr.write(`satellite: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  log("ready. The collector, PagerDuty, the scheduler and the web UI arrive in later milestones; intents are logged here. Ctrl-C stops.");
  const signal = await untilSignal();
  log(`${signal}: stopping`);
  await app.close();
  return 0;
}
