/**
 * The entry point of `satellite-collector`, the per-host agent on its own:
 * only the collector command, so a host that runs nothing else loads
 * nothing else (no engine, no TypeScript compiler, no HTTP server). `npm ci`
 * bundles it to plain JavaScript (scripts/build-collector.js), which is how
 * it stays under 64 MB of memory; bin/satellite-collector.js falls back to
 * running this file through tsx when the bundle is missing.
 */
import { CommanderError, Command } from "commander";
import { registerCollector } from "./commands/collector.ts";

/**
 * Runs `satellite-collector [options]` (the options of `satellite collector`) and resolves to the exit code.
 *
 * @example
 * process.exitCode = await collectorMain(process.argv.slice(2));
 */
export async function collectorMain(argv: readonly string[]): Promise<number> {
  const exit = { code: 0 };
  const program = new Command("satellite-collector").exitOverride();
  registerCollector(program, exit);
  try {
    await program.parseAsync(["collector", ...argv], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    process.stderr.write(`satellite-collector: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  return exit.code;
}
