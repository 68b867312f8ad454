/**
 * The `satellite` command: one commander program with a subcommand per
 * file in cli/commands/. `main(argv)` parses and runs and returns the exit
 * code instead of calling process.exit, so tests can drive it in-process.
 */
import { Command, CommanderError } from "commander";
import { registerAlerts } from "./commands/alerts.ts";
import { registerCheck } from "./commands/check.ts";
import { registerDashboards } from "./commands/dashboards.ts";
import { registerCollector } from "./commands/collector.ts";
import { registerControl } from "./commands/control.ts";
import { registerEngine } from "./commands/engine.ts";
import { registerIndexer } from "./commands/indexer.ts";
import { registerJobs } from "./commands/jobs.ts";
import { registerMaintenance } from "./commands/maintenance.ts";
import { registerReplay } from "./commands/replay.ts";
import { registerSilence } from "./commands/silence.ts";
import { registerSimulate } from "./commands/simulate.ts";
import { registerStart } from "./commands/start.ts";
import { registerTest } from "./commands/test.ts";

/** Exit code a command stores here; commander actions cannot return one. */
export interface ExitCode {
  code: number;
}

/** Builds the program with every subcommand registered; exposed for tests of `--help`. */
export function buildProgram(exit: ExitCode): Command {
  const program = new Command("satellite")
    .description("Monitoring, alerting and self-healing for compute clusters: Riemann-style streams with rules in TypeScript.")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  registerStart(program, exit);
  registerEngine(program, exit);
  registerControl(program, exit);
  registerIndexer(program, exit);
  registerTest(program, exit);
  registerCheck(program, exit);
  registerDashboards(program, exit);
  registerJobs(program, exit);
  registerAlerts(program, exit);
  registerSilence(program, exit);
  registerMaintenance(program, exit);
  registerCollector(program, exit);
  registerReplay(program, exit);
  registerSimulate(program, exit);
  return program;
}

/**
 * Runs the command line `argv` (without node and script) and resolves to
 * the process exit code: 0 success, 1 failure, 2 usage error.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const exit: ExitCode = { code: 0 };
  const program = buildProgram(exit);
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exit code 0; usage errors with 2.
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`satellite: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  return exit.code;
}
