/**
 * Helpers for tests of the loader and the manager: a throw-away rules
 * directory on disk that a test writes files into. Test-only; nothing in the
 * engine imports this file.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** A temporary rules directory: `write` creates or replaces a file (parents included), `remove` deletes one, `cleanup` deletes it all. */
export interface TempRulesDir {
  readonly dir: string;
  write(name: string, text: string): void;
  remove(name: string): void;
  cleanup(): void;
}

/**
 * Makes a temporary directory under the OS temp dir holding `files` (name → text).
 *
 * @example
 * const tmp = tempRulesDir({ "a.rules.ts": source });
 * after(() => tmp.cleanup());
 */
export function tempRulesDir(files: Readonly<Record<string, string>> = {}): TempRulesDir {
  const dir = mkdtempSync(path.join(tmpdir(), "satellite-rules-"));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  };
  for (const [name, text] of Object.entries(files)) write(name, text);
  return {
    dir,
    write,
    remove: (name) => rmSync(path.join(dir, name)),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
