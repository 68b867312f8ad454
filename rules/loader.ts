/**
 * Loads a directory of rules files at run time: scan (read each
 * `*.rules.ts` and the local files it imports, hash them), type-check (one
 * TypeScript program over the whole directory, `"satellite"` mapped to
 * rules/index.ts), then instantiate each file (transpile to CommonJS,
 * evaluate with a private `require`, call its `build`). Every failure comes
 * back as a `LoadError` positioned in the .ts source (`file:line:col
 * message`), never as a throw, so a caller can reject a reload and keep the
 * rules it has. The manager (manager.ts) decides which files to instantiate.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import ts from "typescript";
import type { Event } from "../streams/event.ts";
import { fanout, type Stream, type StreamContext } from "../streams/stream.ts";
import { createRuleApi, isRuleDefinition } from "./define.ts";
import * as satellite from "./index.ts";
import type { IntentSink } from "./intents.ts";

/** A file whose name ends with this is a rules file; other .ts files are helpers it may import. */
export const RULES_SUFFIX = ".rules.ts";

/** The module `import ... from "satellite"` means inside a rules file. */
export const SATELLITE_ENTRY = fileURLToPath(new URL("./index.ts", import.meta.url));

/** A problem with a rules file, positioned in its TypeScript source (1-based line and column). */
export interface LoadError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/**
 * `file:line:col message`, the form editors and terminals make clickable.
 *
 * @example
 * formatLoadError({ file: "rules/swap.rules.ts", line: 3, column: 5, message: "boom" }); // "rules/swap.rules.ts:3:5 boom"
 */
export function formatLoadError(error: LoadError): string {
  return `${error.file}:${error.line}:${error.column} ${error.message}`;
}

/**
 * One rules file as read from disk: its name (file name without
 * `.rules.ts`), its path, the text of it and of every local file it imports
 * (transitively), and a hash over all of them. Two scans with equal hashes
 * would load the same code.
 */
export interface RuleSource {
  readonly name: string;
  readonly file: string;
  readonly hash: string;
  /** Absolute path → source text, for the rules file and its local imports. */
  readonly modules: ReadonlyMap<string, string>;
}

/** The outcome of a step that either works or lists what is wrong. */
export type Loaded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly LoadError[] };

/** A rules file evaluated and built: the stream to feed events to, and how to locate its runtime errors. */
export interface RuleInstance {
  readonly source: RuleSource;
  /** All of the file's top-level streams as one stream. */
  readonly stream: Stream<Event>;
  /** The top-level streams `build` returned, each with its service route if it declared one (see streams/routing.ts). */
  readonly streams: readonly Stream<Event>[];
  /** Where in the rules dir's .ts sources `error` was thrown (first frame in a rules module), if known. */
  locate(error: unknown): LoadError | undefined;
}

/** Compiler options for rules: strict, ES library only (no Node globals: rules get time from their clock). */
export const RULES_COMPILER_OPTIONS: ts.CompilerOptions = Object.freeze({
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2023.d.ts"],
  types: [],
  strict: true,
  noEmit: true,
  allowImportingTsExtensions: true,
  isolatedModules: true,
  skipLibCheck: true,
  noFallthroughCasesInSwitch: true,
  forceConsistentCasingInFileNames: true,
  paths: { satellite: [SATELLITE_ENTRY] },
});

const TRANSPILE_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  sourceMap: true,
  esModuleInterop: true,
  isolatedModules: true,
};

/**
 * Parsed (and bound) library and API source files, shared by every loader in
 * the process: they do not change while it runs, and parsing them is most of
 * a cold check. Entries are reused only while the file's text is unchanged.
 */
const sharedSourceFiles = new Map<string, ts.SourceFile>();

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Resolves a relative import the way both the type-check (Bundler resolution) and `require` do. */
function resolveLocal(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = specifier.endsWith(".ts") ? [base] : specifier.endsWith(".js") ? [base.slice(0, -3) + ".ts"] : [base + ".ts", path.join(base, "index.ts")];
  return candidates.find(isFile);
}

function isRelative(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../");
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return `${error.name === "Error" ? "" : error.name + ": "}${error.message}`;
  return `threw ${typeof error === "string" ? JSON.stringify(error) : String(error)}`;
}

/**
 * Loads rules from one directory. Rules files are the `*.rules.ts` files
 * directly in `dir`, loaded in name order; any other `.ts` file under `dir`
 * is a helper module, loaded only when a rules file imports it (relative
 * imports, with or without the `.ts` extension). A rules file may import only
 * `"satellite"` and files inside `dir`, which keeps every rule deterministic
 * and lets a hash of those files decide whether a rule changed. Files ending
 * in `.test.ts` are never rules. One loader keeps parsed library files
 * between checks, so a reload re-checks only what changed.
 *
 * Differs from Riemann: Riemann's config is code evaluated without checks;
 * here a file must type-check against the API before any of it runs.
 *
 * @example
 * const loader = new RuleLoader("rules.d");
 * const scanned = loader.scan();
 * if (scanned.ok) {
 *   const errors = loader.check(scanned.value);
 *   for (const e of errors) console.error(formatLoadError(e));
 * }
 */
export class RuleLoader {
  /** The directory, absolute, symbolic links resolved (as the type checker sees its files). */
  readonly dir: string;
  private readonly shownDir: string;
  private readonly sourceFiles = new Map<string, ts.SourceFile>();
  private readonly transpiled = new Map<string, { text: string; code: string; map: SourceMap }>();
  private program: ts.Program | undefined;

  constructor(dir: string) {
    let real = path.resolve(dir);
    try {
      real = realpathSync(real);
    } catch {
      // A missing directory is reported by scan().
    }
    this.dir = real;
    this.shownDir = dir;
  }

  /** The path shown in errors for `file`: relative to the directory as the caller named it. */
  shown(file: string): string {
    return isInside(this.dir, file) ? path.join(this.shownDir, path.relative(this.dir, file)) : file;
  }

  /** Reads every rules file and the local files each imports. Fails only when the directory cannot be read. */
  scan(): Loaded<RuleSource[]> {
    let names: string[];
    try {
      names = readdirSync(this.dir)
        .filter((n) => n.endsWith(RULES_SUFFIX) && isFile(path.join(this.dir, n)))
        .sort();
    } catch (err) {
      return { ok: false, errors: [{ file: this.shownDir, line: 1, column: 1, message: `cannot read the rules directory: ${messageOf(err)}` }] };
    }
    const texts = new Map<string, string>();
    const read = (file: string): string | undefined => {
      let text = texts.get(file);
      if (text === undefined) {
        try {
          text = readFileSync(file, "utf8");
        } catch {
          return undefined;
        }
        texts.set(file, text);
      }
      return text;
    };
    const errors: LoadError[] = [];
    const sources: RuleSource[] = [];
    for (const n of names) {
      const file = path.join(this.dir, n);
      const modules = new Map<string, string>();
      const queue = [file];
      while (queue.length > 0) {
        const f = queue.pop()!;
        if (modules.has(f)) continue;
        const text = read(f);
        if (text === undefined) {
          errors.push({ file: this.shown(f), line: 1, column: 1, message: "cannot read the file" });
          continue;
        }
        modules.set(f, text);
        for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
          if (!isRelative(ref.fileName)) continue;
          const target = resolveLocal(f, ref.fileName);
          if (target !== undefined && isInside(this.dir, target)) queue.push(target);
          // Unresolvable or outside imports are reported by check() (or at require time) with their position.
        }
      }
      const hash = createHash("sha256");
      for (const f of [...modules.keys()].sort()) hash.update(path.relative(this.dir, f)).update("\0").update(modules.get(f)!).update("\0");
      sources.push({ name: n.slice(0, -RULES_SUFFIX.length), file, hash: hash.digest("hex").slice(0, 16), modules });
    }
    return errors.length > 0 ? { ok: false, errors } : { ok: true, value: sources };
  }

  /**
   * Type-checks `sources` as one program against the satellite API and
   * returns the errors found in files inside the directory (syntax errors
   * included), or none. Files of the directory are read from `sources`, not
   * from disk, so what was checked is what will run.
   */
  check(sources: readonly RuleSource[]): LoadError[] {
    const texts = new Map<string, string>();
    for (const s of sources) for (const [f, t] of s.modules) texts.set(f, t);
    const host = ts.createCompilerHost(RULES_COMPILER_OPTIONS, true);
    const dir = this.dir;
    host.getSourceFile = (fileName, languageVersion, onError) => {
      let text = texts.get(path.resolve(fileName));
      if (text === undefined) {
        try {
          text = readFileSync(fileName, "utf8");
        } catch (err) {
          onError?.(messageOf(err));
          return undefined;
        }
      }
      const cache = isInside(dir, path.resolve(fileName)) ? this.sourceFiles : sharedSourceFiles;
      const cached = cache.get(fileName);
      if (cached !== undefined && cached.text === text) return cached;
      const sf = ts.createSourceFile(fileName, text, languageVersion, true);
      cache.set(fileName, sf);
      return sf;
    };
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (fileName) => texts.has(path.resolve(fileName)) || fileExists(fileName);
    const readFile = host.readFile.bind(host);
    host.readFile = (fileName) => texts.get(path.resolve(fileName)) ?? readFile(fileName);

    const program = ts.createProgram({ rootNames: sources.map((s) => s.file), options: RULES_COMPILER_OPTIONS, host, oldProgram: this.program });
    this.program = program;
    const errors: LoadError[] = [];
    for (const d of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) errors.push(this.fromDiagnostic(d));
    for (const sf of program.getSourceFiles()) {
      if (!isInside(this.dir, path.resolve(sf.fileName))) continue;
      const diagnostics = program.getSyntacticDiagnostics(sf);
      for (const d of diagnostics.length > 0 ? diagnostics : program.getSemanticDiagnostics(sf)) errors.push(this.fromDiagnostic(d));
    }
    return errors;
  }

  private fromDiagnostic(d: ts.Diagnostic): LoadError {
    const message = `${ts.flattenDiagnosticMessageText(d.messageText, "\n  ")} (TS${d.code})`;
    if (d.file === undefined || d.start === undefined) return { file: this.shownDir, line: 1, column: 1, message };
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return { file: this.shown(path.resolve(d.file.fileName)), line: line + 1, column: character + 1, message };
  }

  private transpile(file: string, text: string): { code: string; map: SourceMap } {
    const cached = this.transpiled.get(file);
    if (cached !== undefined && cached.text === text) return cached;
    const out = ts.transpileModule(text, { fileName: file, compilerOptions: TRANSPILE_OPTIONS });
    // Drop the sourceMappingURL comment: positions are mapped here, not by Node.
    const code = out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
    const entry = { text, code, map: new SourceMap(JSON.parse(out.sourceMapText!) as ConstructorParameters<typeof SourceMap>[0]) };
    this.transpiled.set(file, entry);
    return entry;
  }

  /**
   * Evaluates `source` (each of its modules once, in a module registry of its
   * own, so module-level state is never shared between files or between a
   * file's old and new instance) and builds its streams with a `RuleApi` on
   * `ctx` emitting into `sink`. Throws at evaluation or in `build`, a default
   * export not made by `defineRules`, and a `build` that returns something
   * other than streams become `LoadError`s. The caller owns `ctx.clock` and
   * disposes it if the instance is dropped.
   */
  instantiate(source: RuleSource, ctx: StreamContext, sink: IntentSink): Loaded<RuleInstance> {
    const maps = new Map<string, SourceMap>();
    const registry = new Map<string, { exports: Record<string, unknown> }>();
    const dir = this.dir;
    const locate = (error: unknown): LoadError | undefined => {
      const stack = error instanceof Error ? error.stack : undefined;
      if (stack === undefined) return undefined;
      for (const frame of stack.split("\n")) {
        const m = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/.exec(frame);
        if (m === null) continue;
        const map = maps.get(m[1]!);
        if (map === undefined) continue;
        const entry = map.findEntry(Number(m[2]) - 1, Number(m[3]) - 1);
        if (!("originalLine" in entry)) continue;
        return { file: this.shown(m[1]!), line: entry.originalLine + 1, column: entry.originalColumn + 1, message: messageOf(error) };
      }
      return undefined;
    };
    const load = (file: string): Record<string, unknown> => {
      const known = registry.get(file);
      if (known !== undefined) return known.exports;
      const text = source.modules.get(file);
      if (text === undefined) throw new Error(`cannot load ${this.shown(file)}: not found when the rules were scanned`);
      const { code, map } = this.transpile(file, text);
      maps.set(file, map);
      const module = { exports: {} as Record<string, unknown> };
      registry.set(file, module);
      const require = (specifier: string): unknown => {
        if (specifier === "satellite") return satellite;
        if (!isRelative(specifier)) throw new Error(`rules may import only "satellite" and files in the rules directory, not ${JSON.stringify(specifier)}`);
        const target = resolveLocal(file, specifier);
        if (target === undefined || !isInside(dir, target)) throw new Error(`cannot import ${JSON.stringify(specifier)}: rules may import only files inside the rules directory`);
        return load(target);
      };
      const fn = vm.compileFunction(code, ["exports", "require", "module", "__filename", "__dirname"], { filename: file }) as (...args: unknown[]) => void;
      fn(module.exports, require, module, file, path.dirname(file));
      return module.exports;
    };

    const fail = (error: unknown): Loaded<RuleInstance> => ({
      ok: false,
      errors: [locate(error) ?? { file: this.shown(source.file), line: 1, column: 1, message: messageOf(error) }],
    });
    const savedLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = Math.max(savedLimit, 50);
    try {
      let exports: Record<string, unknown>;
      try {
        exports = load(source.file);
      } catch (err) {
        return fail(err);
      }
      const definition = exports.default;
      if (!isRuleDefinition(definition)) {
        return { ok: false, errors: [{ file: this.shown(source.file), line: 1, column: 1, message: "a rules file must `export default defineRules((r) => ...)` (import it from \"satellite\")" }] };
      }
      const { api, checkDeclarations } = createRuleApi(source.name, ctx, sink);
      let built: unknown;
      try {
        built = definition.build(api);
        checkDeclarations();
      } catch (err) {
        return fail(err);
      }
      let stream: Stream<Event>;
      let streams: readonly Stream<Event>[];
      if (typeof built === "function") {
        stream = built as Stream<Event>;
        streams = [stream];
      } else if (Array.isArray(built) && built.every((s) => typeof s === "function")) {
        streams = built as Stream<Event>[];
        stream = fanout(ctx, source.name, streams);
      } else {
        return { ok: false, errors: [{ file: this.shown(source.file), line: 1, column: 1, message: "build must return a stream or an array of streams" }] };
      }
      return { ok: true, value: { source, stream, streams, locate } };
    } finally {
      Error.stackTraceLimit = savedLimit;
    }
  }
}

/** Options of `loadRules`. */
export interface LoadRulesOptions {
  /** The context each file's streams get (its clock and error sink). */
  readonly context: (source: RuleSource) => StreamContext;
  /** Where the files' intents go. */
  readonly sink: IntentSink;
}

/**
 * Scans, checks and instantiates every rules file in `dir`: all of them, or
 * the errors of every file that failed (nothing is half-loaded). For tests
 * and one-shot checks; the engine uses `RuleManager`, which keeps unchanged
 * files across reloads.
 *
 * @example
 * const result = loadRules("rules.d", { context: () => ({ clock, onError }), sink: (i) => intents.push(i) });
 * if (!result.ok) console.error(result.errors.map(formatLoadError).join("\n"));
 */
export function loadRules(dir: string, options: LoadRulesOptions): Loaded<RuleInstance[]> {
  const loader = new RuleLoader(dir);
  const scanned = loader.scan();
  if (!scanned.ok) return scanned;
  const errors = loader.check(scanned.value);
  if (errors.length > 0) return { ok: false, errors };
  const instances: RuleInstance[] = [];
  for (const source of scanned.value) {
    const r = loader.instantiate(source, options.context(source), options.sink);
    if (r.ok) instances.push(r.value);
    else errors.push(...r.errors);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: instances };
}
