/**
 * Small commander helpers shared by the subcommands: a repeatable option's
 * collector and a numeric flag's parser that names the flag in its error.
 */

/**
 * Appends each occurrence of a repeatable option (`--riemann a --riemann b`).
 *
 * @example
 * command.option("--riemann <host:port>", "an engine (repeatable)", collect, []);
 */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * The flag's value as a finite number (undefined when not given); throws naming the flag otherwise.
 *
 * @example
 * numberFlag("2.5", "--interval"); // 2.5
 * numberFlag("x", "--interval");   // Error: --interval must be a number, got "x"
 */
export function numberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new Error(`${flag} must be a number, got "${value}"`);
  return n;
}
