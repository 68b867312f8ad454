/**
 * `satellite test`: finds `*.rules.test.ts` files, type-checks them together
 * with the rules files of their directory, runs every `ruleTest` in a fresh
 * harness, and reports each test with a readable reason on failure. The
 * result decides the exit code: 0 when every test passed, 1 otherwise
 * (including when no test was found, so a typo in a path never passes).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import vm from "node:vm";
import ts from "typescript";
import * as satellite from "../index.ts";
import { formatLoadError, RuleLoader, type LoadError, type RuleSource } from "../loader.ts";
import { Harness, RuleTestFailure } from "./harness.ts";
import { collectFrom, type RegisteredTest } from "./registry.ts";

/** Suffix of rule test files. */
export const RULE_TEST_SUFFIX = ".rules.test.ts";

/** Options of `runRuleTests`. */
export interface RunRuleTestsOptions {
  /** Receives each output line. */
  readonly out: (line: string) => void;
  /** Runs only tests whose name matches. */
  readonly filter?: RegExp | undefined;
}

/** Counts of a run. */
export interface RuleTestSummary {
  readonly passed: number;
  readonly failed: number;
}

/** Every `*.rules.test.ts` under `paths` (files are taken as given), sorted, absolute. */
export function findRuleTests(paths: readonly string[]): string[] {
  const found = new Set<string>();
  const walk = (p: string): void => {
    const stat = statSync(p);
    if (stat.isFile()) {
      found.add(path.resolve(p));
      return;
    }
    for (const entry of readdirSync(p, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const child = path.join(p, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith(RULE_TEST_SUFFIX)) found.add(path.resolve(child));
    }
  };
  for (const p of paths) walk(p);
  return [...found].sort();
}

/**
 * Runs the rule tests found under `paths` and reports through `options.out`,
 * ending with a line `N passed, N failed`.
 *
 * @example
 * const { failed } = await runRuleTests(["rules/builtin"], { out: console.log });
 * process.exitCode = failed === 0 ? 0 : 1;
 */
export function runRuleTests(paths: readonly string[], options: RunRuleTestsOptions): RuleTestSummary {
  const out = options.out;
  let passed = 0;
  let failed = 0;
  let files: string[];
  try {
    files = findRuleTests(paths);
  } catch (err) {
    out(`cannot read ${paths.join(", ")}: ${err instanceof Error ? err.message : String(err)}`);
    out("0 passed, 1 failed");
    return { passed: 0, failed: 1 };
  }
  if (files.length === 0) {
    out(`no rule tests (*${RULE_TEST_SUFFIX}) found under ${paths.join(", ")}`);
    out("0 passed, 1 failed");
    return { passed: 0, failed: 1 };
  }
  const byDir = new Map<string, string[]>();
  for (const f of files) byDir.set(path.dirname(f), [...(byDir.get(path.dirname(f)) ?? []), f]);

  for (const [dir, testFiles] of byDir) {
    const shownDir = path.relative(process.cwd(), dir) || ".";
    const loader = new RuleLoader(dir);
    const scanned = loader.scan();
    if (!scanned.ok) {
      reportErrors(out, shownDir, scanned.errors);
      failed += testFiles.length;
      continue;
    }
    const ruleSources = scanned.value;
    const testSources = testFiles.map((file): RuleSource => {
      const text = readFileSync(file, "utf8");
      return { name: path.basename(file), file, hash: "", modules: new Map([[file, text]]) };
    });
    const typeErrors = loader.check([...ruleSources, ...testSources]);
    if (typeErrors.length > 0) {
      reportErrors(out, shownDir, typeErrors);
      failed += testFiles.length;
      continue;
    }
    for (const source of testSources) {
      out(`${path.relative(process.cwd(), source.file)}`);
      let tests: RegisteredTest[];
      try {
        tests = collectFrom(source.file, () => evaluateTestFile(source));
      } catch (err) {
        out(`  ✗ could not load: ${err instanceof Error ? err.message : String(err)}`);
        failed++;
        continue;
      }
      for (const test of tests) {
        if (options.filter !== undefined && !options.filter.test(test.name)) continue;
        const failure = runOne(loader, ruleSources, test);
        if (failure === undefined) {
          passed++;
          out(`  ✓ ${test.name}`);
        } else {
          failed++;
          out(`  ✗ ${test.name}`);
          for (const line of failure.split("\n")) out(`      ${line}`);
        }
      }
    }
  }
  out(`${passed} passed, ${failed} failed`);
  return { passed, failed };
}

function reportErrors(out: (line: string) => void, where: string, errors: readonly LoadError[]): void {
  out(`${where}: the rules or their tests do not load:`);
  for (const e of errors) out(`  ${formatLoadError(e)}`);
}

/** The rules a test asks for, or a message naming what is missing. */
function pickRules(sources: readonly RuleSource[], test: RegisteredTest): RuleSource[] | string {
  const wanted = test.options.rules ?? [path.basename(test.file).slice(0, -RULE_TEST_SUFFIX.length)];
  const picked: RuleSource[] = [];
  for (const name of wanted) {
    const source = sources.find((s) => s.name === name);
    if (source === undefined) return `no rules file "${name}.rules.ts" beside the test (found: ${sources.map((s) => s.name).join(", ") || "none"})`;
    picked.push(source);
  }
  return picked;
}

function runOne(loader: RuleLoader, sources: readonly RuleSource[], test: RegisteredTest): string | undefined {
  const picked = pickRules(sources, test);
  if (typeof picked === "string") return picked;
  let harness: Harness | undefined;
  try {
    harness = new Harness(loader, picked, test.options.start ?? 0);
    test.body(harness);
    const errors = harness.errors();
    if (errors.length > 0) {
      return ["a rule threw during the test:", ...errors.map((e) => `  t=${e.time} in ${e.where}: ${e.message}`)].join("\n");
    }
    return undefined;
  } catch (err) {
    if (err instanceof RuleTestFailure) return err.message;
    return err instanceof Error ? (err.stack ?? err.message) : String(err);
  } finally {
    harness?.dispose();
  }
}

/** Runs a test file (CommonJS after transpiling); it may import only "satellite". */
function evaluateTestFile(source: RuleSource): void {
  const text = source.modules.get(source.file)!;
  const output = ts.transpileModule(text, {
    fileName: source.file,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true, isolatedModules: true },
  });
  const require = (specifier: string): unknown => {
    if (specifier === "satellite") return satellite;
    throw new Error(`${path.basename(source.file)}: rule tests may import only "satellite" (rules are loaded by name), not ${JSON.stringify(specifier)}`);
  };
  const module = { exports: {} as Record<string, unknown> };
  const fn = vm.compileFunction(output.outputText, ["exports", "require", "module", "__filename", "__dirname"], { filename: source.file }) as (...args: unknown[]) => void;
  fn(module.exports, require, module, source.file, path.dirname(source.file));
}

export { RuleTestFailure };
