/**
 * Argument checks shared by the windowed combinators. They run once, when a
 * stream is built (rule load time), never per event, and throw a `RangeError`
 * that names the combinator, the parameter, what was expected and what came,
 * so a bad rule is rejected at load with a message the author can act on.
 */

/**
 * Returns `value` if it is a finite number of seconds > 0, else throws.
 *
 * @example
 * const seconds = checkSeconds("throttle", "seconds", 60); // 60
 * checkSeconds("rate", "seconds", 0); // RangeError: rate: seconds must be a finite number > 0, got 0
 */
export function checkSeconds(where: string, param: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${where}: ${param} must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

/**
 * Returns `value` if it is an integer ≥ 1, else throws.
 *
 * @example
 * checkCount("throttle", "count", 5); // 5
 * checkCount("batch", "count", 2.5); // RangeError: batch: count must be an integer >= 1, got 2.5
 */
export function checkCount(where: string, param: string, value: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${where}: ${param} must be an integer >= 1, got ${String(value)}`);
  }
  return value;
}
