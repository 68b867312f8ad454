/**
 * Finds and loads `satellite.config.ts` (or `.mts`/`.js`/`.mjs`): the path
 * given with `--config`, else the file in the working directory, else no
 * file (all defaults). The file is run by evaluate.ts, so it works in any
 * directory, inside a package or not. Its default export is validated by
 * `resolveConfig`; a file that does not load is an error that names it.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { evaluateConfigFile } from "./evaluate.ts";
import { ConfigError } from "./fields.ts";
import { resolveConfig, type ResolvedConfig } from "./resolve.ts";

/** File names looked for in the working directory, in order. */
export const CONFIG_FILES = ["satellite.config.ts", "satellite.config.mts", "satellite.config.mjs", "satellite.config.js"] as const;

/** The config file to use: `explicit` (must exist), else the first of `CONFIG_FILES` in `cwd`, else undefined. */
export function findConfigFile(explicit: string | undefined, cwd = process.cwd()): string | undefined {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new ConfigError("--config", `no such file: ${path}`);
    return path;
  }
  for (const name of CONFIG_FILES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * Loads and resolves the configuration. Returns the resolved settings and
 * the file they came from (undefined: defaults and environment only).
 *
 * @example
 * const { config, file } = loadConfig(undefined);
 * console.log(file ?? "no config file", config.server.httpPort);
 */
export function loadConfig(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): { config: ResolvedConfig; file: string | undefined } {
  const file = findConfigFile(explicit, cwd);
  if (file === undefined) return { config: resolveConfig({}, env), file };
  let mod: { default?: unknown };
  try {
    mod = evaluateConfigFile(file);
  } catch (err) {
    throw new ConfigError(file, `does not load: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (mod.default === undefined) throw new ConfigError(file, "has no default export (write `export default defineConfig({ ... })`)");
  try {
    return { config: resolveConfig(mod.default, env), file };
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${file}: ${err.field}`, err.message.slice(err.field.length + 2));
    throw err;
  }
}
