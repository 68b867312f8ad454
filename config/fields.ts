/**
 * Small validators for configuration fields. Each takes the raw value and
 * the field's dotted path and returns the typed value or throws a
 * `ConfigError` whose message names the field and says what was expected
 * and what was found — so a bad `satellite.config.ts` fails at start with
 * one readable line instead of a crash later.
 */

/** A setting that is unknown or invalid; `field` is its dotted path ("alerting.renotifySeconds"). */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}

/**
 * The value as a plain object, with every key checked against `known`
 * (an unknown key is an error naming it, since a typo would otherwise be
 * silently ignored). `undefined` gives `{}`.
 *
 * @example
 * const o = objectField(raw, "scheduler", ["tickSeconds", "defaultShare"]);
 */
export function objectField(value: unknown, field: string, known: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new ConfigError(field, `must be an object, got ${shown(value)}`);
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new ConfigError(field === "" ? key : `${field}.${key}`, `unknown setting (known: ${known.join(", ")})`);
  }
  return o;
}

/** Bounds of a numeric setting. */
export interface NumberBounds {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  /** The lower bound is exclusive (a duration must be > 0). */
  readonly positive?: boolean;
}

/**
 * A finite number within `bounds`, or `fallback` when undefined.
 *
 * @example
 * numberField(raw.port, "http.port", 5001, { min: 0, max: 65535, integer: true });
 */
export function numberField(value: unknown, field: string, fallback: number, bounds: NumberBounds = {}): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value)) throw new ConfigError(field, `must be a finite number, got ${shown(value)}`);
  if (bounds.integer === true && !Number.isInteger(value)) throw new ConfigError(field, `must be an integer, got ${value}`);
  if (bounds.positive === true && value <= 0) throw new ConfigError(field, `must be greater than 0, got ${value}`);
  if (bounds.min !== undefined && value < bounds.min) throw new ConfigError(field, `must be at least ${bounds.min}, got ${value}`);
  if (bounds.max !== undefined && value > bounds.max) throw new ConfigError(field, `must be at most ${bounds.max}, got ${value}`);
  return value;
}

/**
 * A string (non-empty unless `allowEmpty`), or `fallback` when undefined.
 *
 * @example
 * stringField(raw.dataDir, "dataDir", "data");
 */
export function stringField<F extends string | undefined>(value: unknown, field: string, fallback: F, allowEmpty = false): string | F {
  if (value === undefined) return fallback;
  if (typeof value !== "string") throw new ConfigError(field, `must be a string, got ${shown(value)}`);
  if (!allowEmpty && value.length === 0) throw new ConfigError(field, "must not be empty");
  return value;
}

/**
 * A boolean, or `fallback` when undefined.
 *
 * @example
 * booleanField(raw.builtin, "rules.builtin", true);
 */
export function booleanField(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new ConfigError(field, `must be true or false, got ${shown(value)}`);
  return value;
}

/**
 * A list of strings, or `fallback` when undefined.
 *
 * @example
 * stringListField(raw.brokers, "kafka.brokers", []);
 */
export function stringListField(value: unknown, field: string, fallback: readonly string[]): readonly string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value)) throw new ConfigError(field, `must be a list of strings, got ${shown(value)}`);
  return value.map((v, i) => stringField(v, `${field}[${i}]`, ""));
}
