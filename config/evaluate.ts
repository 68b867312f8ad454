/**
 * Evaluates a configuration file wherever it lives. `satellite.config.ts`
 * is usually kept outside Satellite's own package (in /etc/satellite, in an
 * ops repository), where Node's own loader would get it wrong twice: a `.ts`
 * file in a directory whose package.json is not `"type": "module"` is
 * loaded as CommonJS (and `import` in it fails), and `"satellite/config"`
 * resolves only where Satellite is installed as a package. So the file is
 * transpiled here (TypeScript's `transpileModule`, as the rules are) and run
 * with a `require` of its own: `"satellite/config"` and `"satellite"` are
 * Satellite's modules, relative imports are loaded the same way, anything
 * else is Node's `require` from the file's directory (built-ins, packages
 * installed beside it).
 */
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";
import ts from "typescript";
import * as rulesApi from "../rules/index.ts";
import * as configApi from "./index.ts";

const TRANSPILE_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  esModuleInterop: true,
  isolatedModules: true,
  allowJs: true,
};

/** Extensions tried, in order, for a relative import written without one. */
const EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"] as const;

/** A configuration file (or a file it imports) that cannot be compiled or run; the message names the file and, when known, the position. */
export class ConfigLoadError extends Error {
  override readonly name = "ConfigLoadError";
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The file a relative import names: as written, with `.js` read as `.ts`, with an extension added, or a directory's index. */
function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [base, ...(base.endsWith(".js") ? [base.slice(0, -3) + ".ts"] : []), ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => path.join(base, "index" + e))];
  return candidates.find(isFile);
}

/** Transpiles `text` to CommonJS, or throws a `ConfigLoadError` at the first syntax error. */
function transpile(file: string, text: string): string {
  // Compiled as a plain .ts/.js file: TypeScript keeps ES module syntax in a .mts/.mjs whatever `module` says.
  const fileName = file.replace(/\.[mc]?([tj])s$/, ".$1s");
  const out = ts.transpileModule(text, { fileName, compilerOptions: TRANSPILE_OPTIONS, reportDiagnostics: true });
  const error = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (error !== undefined) {
    const where = error.file !== undefined && error.start !== undefined ? error.file.getLineAndCharacterOfPosition(error.start) : undefined;
    const position = where === undefined ? "" : `:${where.line + 1}:${where.character + 1}`;
    throw new ConfigLoadError(`${file}${position}: ${ts.flattenDiagnosticMessageText(error.messageText, " ")}`);
  }
  return out.outputText;
}

/**
 * Runs the configuration file `file` and returns its exports (the
 * `default` export is the configuration). Each call evaluates the file and
 * its relative imports afresh. Throws `ConfigLoadError` for a file that does
 * not compile or an import that cannot be found; an error thrown by the
 * file's own code propagates as it is.
 *
 * @example
 * const exports = evaluateConfigFile("/etc/satellite/satellite.config.ts");
 * resolveConfig(exports.default, process.env);
 */
export function evaluateConfigFile(file: string): Record<string, unknown> {
  const registry = new Map<string, { exports: Record<string, unknown> }>();
  const load = (target: string): Record<string, unknown> => {
    const known = registry.get(target);
    if (known !== undefined) return known.exports;
    const code = transpile(target, readFileSync(target, "utf8"));
    const module = { exports: {} as Record<string, unknown> };
    registry.set(target, module);
    const nodeRequire = createRequire(target);
    const require = (specifier: string): unknown => {
      if (specifier === "satellite/config") return configApi;
      if (specifier === "satellite") return rulesApi;
      if (specifier.startsWith("./") || specifier.startsWith("../")) {
        const resolved = resolveRelative(target, specifier);
        if (resolved === undefined) throw new ConfigLoadError(`${target}: cannot find ${JSON.stringify(specifier)}`);
        return load(resolved);
      }
      return nodeRequire(specifier);
    };
    let fn: (...args: unknown[]) => void;
    try {
      fn = vm.compileFunction(code, ["exports", "require", "module", "__filename", "__dirname"], { filename: target }) as typeof fn;
    } catch (err) {
      // What TypeScript accepts but a CommonJS function body does not: top-level await.
      const message = err instanceof Error ? err.message : String(err);
      throw new ConfigLoadError(`${target}: ${message}${/await/.test(message) ? " (top-level await is not supported in a configuration file)" : ""}`);
    }
    fn(module.exports, require, module, target, path.dirname(target));
    return module.exports;
  };
  return load(path.resolve(file));
}
