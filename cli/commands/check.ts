/**
 * `satellite check [dir]`: type-checks and loads a rules directory without
 * running anything, the way a reload would, and prints every error as
 * `file:line:col message`. For editors and CI pipelines of rule authors.
 */
import type { Command } from "commander";
import { VirtualClock } from "../../streams/clock.ts";
import { formatLoadError, loadRules } from "../../rules/loader.ts";
import type { ExitCode } from "../main.ts";
import { DEFAULT_RULES_DIR } from "./test.ts";

/** Registers `check` on `program`. */
export function registerCheck(program: Command, exit: ExitCode): void {
  program
    .command("check")
    .description("type-check and load a rules directory; print file:line:col for every error")
    .argument("[dir]", "the rules directory", DEFAULT_RULES_DIR)
    .action((dir: string) => {
      const clock = new VirtualClock(0);
      const result = loadRules(dir, { context: () => ({ clock, onError: () => {} }), sink: () => {} });
      if (result.ok) {
        process.stdout.write(`${dir}: ${result.value.length} rules file(s) OK: ${result.value.map((r) => r.source.name).join(", ")}\n`);
        exit.code = 0;
      } else {
        for (const e of result.errors) process.stderr.write(`${formatLoadError(e)}\n`);
        exit.code = 1;
      }
    });
}
