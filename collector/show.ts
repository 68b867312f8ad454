/**
 * How the collector's settings errors quote a bad value: strings in
 * quotes, other values as JSON, so "got" in a message shows exactly what
 * was given.
 */

/**
 * `value` for an error message.
 *
 * @example
 * show("x");       // '"x"'
 * show(undefined); // "nothing"
 * show([1, 2]);    // "[1,2]"
 */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "function" || typeof value === "symbol" || typeof value === "bigint") return typeof value;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
