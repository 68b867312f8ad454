/**
 * `satellite test [paths...]`: runs rule tests (`*.rules.test.ts`) the way
 * `riemann test` and `promtool test rules` do — events at virtual times,
 * assertions on pages, resolves and host actions — and exits 0 or 1.
 */
import type { Command } from "commander";
import { runRuleTests } from "../../rules/testing/runner.ts";
import type { ExitCode } from "../main.ts";

/** The default rules directory of a Satellite deployment. */
export const DEFAULT_RULES_DIR = "rules.d";

/** Registers `test` on `program`. */
export function registerTest(program: Command, exit: ExitCode): void {
  program
    .command("test")
    .description("run rule tests (*.rules.test.ts) under virtual time; exit 0 when all pass, 1 otherwise")
    .argument("[paths...]", `test files or directories to search (default: ${DEFAULT_RULES_DIR})`)
    .option("-g, --grep <pattern>", "run only tests whose name matches this regular expression")
    .addHelpText(
      "after",
      `
Each test file sits beside the rules it tests and imports only "satellite":

  // rules.d/swap.rules.test.ts
  import { ruleTest } from "satellite";
  ruleTest("pages when a third of the hosts swap", (t) => {
    for (let i = 0; i < 9; i++) t.inject({ host: \`h\${i}\`, service: "system.swap.in.pages_per_sec", metric: i < 3 ? 50 : 0 });
    t.expectIntents([{ kind: "page", severity: "critical" }]);
  });`,
    )
    .action((paths: string[], opts: { grep?: string }) => {
      const summary = runRuleTests(paths.length > 0 ? paths : [DEFAULT_RULES_DIR], {
        out: (line) => process.stdout.write(`${line}\n`),
        filter: opts.grep === undefined ? undefined : new RegExp(opts.grep),
      });
      exit.code = summary.failed === 0 && summary.passed > 0 ? 0 : 1;
    });
}
