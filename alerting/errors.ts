/**
 * The error type of bad alerting input (a silence, a maintenance window, a
 * query filter): it names the offending field, and the HTTP router turns it
 * into a 400 `{error, field}`.
 */

/**
 * Bad input from an operator or client; `field` is the path of the offending
 * field (`matchers[0].value`, `endsAt`), and the message starts with it.
 *
 * @example
 * throw new AlertingInputError("createdBy", "must be a non-empty string, got undefined");
 * // message: "createdBy must be a non-empty string, got undefined"
 */
export class AlertingInputError extends Error {
  override readonly name = "AlertingInputError";
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

/**
 * A short description of a value for error messages (strings quoted and cut at 80 characters).
 *
 * @example
 * describeValue(undefined); // "undefined"
 * describeValue("x"); // "\"x\""
 */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v.length > 80 ? v.slice(0, 80) + "…" : v);
    case "number":
    case "boolean":
    case "bigint":
      return String(v);
    case "undefined":
      return "undefined";
    case "function":
      return "a function";
    case "symbol":
      return v.toString();
    default:
      return v === null ? "null" : Array.isArray(v) ? "an array" : "an object";
  }
}
