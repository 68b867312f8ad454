/**
 * A plain-JavaScript copy of the engine for benchmarking without tsx. tsx
 * compiles with esbuild's keepNames, which wraps every named function in a
 * `__name(fn, "name")` call (an `Object.defineProperty` per closure made),
 * and that changes closure size and speed; here each source file is
 * transpiled on its own by TypeScript (`transpileModule`, the same
 * isolated-modules emit `tsc` does for this project, with `.ts` imports
 * rewritten to `.js`). The `.ts` sources are copied beside the output, so
 * the rule loader finds and type-checks the rules and the satellite API
 * exactly as it does under tsx.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** The project root (the directory holding package.json). */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Top-level folders that hold no run-time code (tests and their fixtures, docs, data). */
const SKIPPED = new Set(["node_modules", "test", "docs", "data", "dashboards", "coverage"]);

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  verbatimModuleSyntax: true,
  rewriteRelativeImportExtensions: true,
  useDefineForClassFields: true,
};

/** A built copy: where it is, and how to remove it. */
export interface JsBuild {
  /** Root of the copy; `<dir>/bench/child.js` is the benchmark entry. */
  readonly dir: string;
  /** Files transpiled. */
  readonly files: number;
  /** Wall milliseconds the build took. */
  readonly ms: number;
  /** Deletes the copy. */
  cleanup(): void;
}

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "fixtures" && entry.name !== "node_modules") yield* sources(file);
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && !entry.name.endsWith(".d.ts")) yield file;
  }
}

/**
 * Copies the project's run-time folders (every top-level folder but tests,
 * docs and data, assets included) into a fresh temporary
 * directory and transpiles each `.ts` file there to a `.js` beside it, with
 * a `package.json` (`"type": "module"`) and a `node_modules` link to the
 * project's. Throws when a file does not transpile.
 *
 * @example
 * const build = buildPlainJs();
 * spawnSync(process.execPath, ["--expose-gc", path.join(build.dir, "bench/child.js"), "dispatch", "{}"]);
 * build.cleanup();
 */
export function buildPlainJs(): JsBuild {
  const started = performance.now();
  const dir = mkdtempSync(path.join(tmpdir(), "satellite-bench-js-"));
  let files = 0;
  try {
    const folders = readdirSync(PROJECT_ROOT, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith(".") && !SKIPPED.has(d.name));
    for (const folder of folders) {
      // The whole folder first (sources and assets such as .proto files), then a .js beside each .ts.
      cpSync(path.join(PROJECT_ROOT, folder.name), path.join(dir, folder.name), { recursive: true });
      for (const target of sources(path.join(dir, folder.name))) {
        const rel = path.relative(dir, target);
        const out = ts.transpileModule(readFileSync(target, "utf8"), { fileName: rel, compilerOptions: COMPILER_OPTIONS, reportDiagnostics: true });
        const errors = out.diagnostics ?? [];
        if (errors.length > 0) throw new Error(`${rel}: ${ts.flattenDiagnosticMessageText(errors[0]!.messageText, "\n")}`);
        writeFileSync(target.slice(0, -3) + ".js", out.outputText);
        files++;
      }
    }
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "satellite-bench-js", private: true, type: "module" }));
    symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { dir, files, ms: performance.now() - started, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
