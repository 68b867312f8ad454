/**
 * Input checking for the alerting API and CLI: durations ("90s", "2h",
 * "1h30m"), instants (ISO 8601 or unix seconds) and the bodies of new
 * silences and maintenance windows. Pure functions; "now" is passed in.
 */
import { AlertingInputError, describeValue } from "./errors.ts";
import { validateMatchers, type Matcher } from "./matchers.ts";

export { AlertingInputError, describeValue } from "./errors.ts";

const UNITS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * Seconds in a duration: a number of seconds ("90", "1.5") or units
 * ("90s", "5m", "2h", "1d", "1w", "1h30m", "250ms"). Undefined when the
 * text is none of these.
 *
 * @example
 * parseDuration("1h30m"); // 5400
 * parseDuration("soon"); // undefined
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(m[1]) * UNITS[m[2]!]!;
  return total;
}

/**
 * Formats seconds as a short duration ("2h", "1h30m", "45s").
 *
 * @example
 * formatDuration(5400); // "1h30m"
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "∞";
  let s = Math.max(0, Math.round(seconds));
  if (s === 0) return "0s";
  let out = "";
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    if (s >= size) {
      out += `${Math.floor(s / size)}${unit}`;
      s %= size;
    }
  }
  return out;
}

/**
 * Unix seconds from an API value: a number (unix seconds) or an ISO 8601
 * string. Throws `AlertingInputError(field)` otherwise.
 *
 * @example
 * parseInstant("2024-01-01T00:00:00Z", "startsAt"); // 1704067200
 */
export function parseInstant(raw: unknown, field: string): number {
  if (typeof raw === "number") {
    if (!Number.isFinite(raw) || raw < 0) throw new AlertingInputError(field, `must be unix seconds >= 0 or an ISO 8601 time, got ${describeValue(raw)}`);
    return raw;
  }
  if (typeof raw === "string" && /^\d{4}-\d\d-\d\d/.test(raw)) {
    const ms = Date.parse(raw);
    if (!Number.isNaN(ms)) return ms / 1000;
  }
  throw new AlertingInputError(field, `must be an ISO 8601 time or unix seconds, got ${describeValue(raw)}`);
}

/**
 * A "since" filter: an instant (ISO 8601 or unix seconds) or a duration back
 * from `now` ("1h" means one hour ago).
 *
 * @example
 * parseSince("1h", 10_000, "since"); // 6400
 */
export function parseSince(raw: string, now: number, field: string): number {
  const back = /^\d+(\.\d+)?$/.test(raw) ? undefined : parseDuration(raw);
  if (back !== undefined) return now - back;
  return parseInstant(/^\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw, field);
}

/**
 * ISO 8601 of unix seconds, or null.
 *
 * @example
 * iso(0); // "1970-01-01T00:00:00.000Z"
 */
export function iso(seconds: number | undefined): string | null {
  return seconds === undefined ? null : new Date(seconds * 1000).toISOString();
}

/** A valid new silence. */
export interface SilenceInput {
  readonly matchers: readonly Matcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
}

/** A valid new maintenance window. */
export interface MaintenanceInput {
  readonly host: string;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly reason: string;
}

/** Longest createdBy / comment / reason, characters. */
export const MAX_TEXT = 2000;

function object(raw: unknown, what: string, known: readonly string[]): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new AlertingInputError("body", `must be a JSON object (a ${what}), got ${describeValue(raw)}`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new AlertingInputError(k, `is not a field of a ${what} (fields: ${known.join(", ")})`);
  return o;
}

function text(o: Record<string, unknown>, field: string): string {
  const v = o[field];
  if (typeof v !== "string" || v.trim().length === 0) throw new AlertingInputError(field, `must be a non-empty string, got ${describeValue(v)}`);
  if (v.length > MAX_TEXT) throw new AlertingInputError(field, `must be at most ${MAX_TEXT} characters, got ${v.length}`);
  return v;
}

function window(o: Record<string, unknown>, now: number): { startsAt: number; endsAt: number } {
  const startsAt = o.startsAt === undefined ? now : parseInstant(o.startsAt, "startsAt");
  if (o.endsAt !== undefined && o.durationSeconds !== undefined) throw new AlertingInputError("endsAt", "and durationSeconds cannot both be given");
  let endsAt: number;
  if (o.endsAt !== undefined) endsAt = parseInstant(o.endsAt, "endsAt");
  else if (o.durationSeconds !== undefined) {
    const d = o.durationSeconds;
    if (typeof d !== "number" || !Number.isFinite(d) || d <= 0) throw new AlertingInputError("durationSeconds", `must be a number of seconds > 0, got ${describeValue(d)}`);
    endsAt = startsAt + d;
  } else throw new AlertingInputError("endsAt", "or durationSeconds is required");
  if (endsAt <= startsAt) throw new AlertingInputError("endsAt", `must be after startsAt (${iso(startsAt)}), got ${iso(endsAt)}`);
  if (endsAt <= now) throw new AlertingInputError("endsAt", `must be in the future, got ${iso(endsAt)}`);
  return { startsAt, endsAt };
}

/**
 * Checks the body of `POST /silences`: `{matchers, startsAt?, endsAt? |
 * durationSeconds?, createdBy, comment}`. `startsAt` defaults to `now`.
 *
 * @example
 * resolveSilenceInput({ matchers: [{ name: "host", value: "h1" }], durationSeconds: 3600, createdBy: "alice", comment: "reboot" }, now);
 */
export function resolveSilenceInput(raw: unknown, now: number): SilenceInput {
  const o = object(raw, "silence", ["matchers", "startsAt", "endsAt", "durationSeconds", "createdBy", "comment"]);
  const matchers = validateMatchers(o.matchers, "matchers");
  const createdBy = text(o, "createdBy");
  const comment = text(o, "comment");
  return { matchers, ...window(o, now), createdBy, comment };
}

/**
 * Checks the body of `POST /maintenance`: `{host, startsAt?, endsAt? |
 * durationSeconds?, createdBy, reason}`.
 *
 * @example
 * resolveMaintenanceInput({ host: "h1", durationSeconds: 7200, createdBy: "bob", reason: "disk swap" }, now);
 */
export function resolveMaintenanceInput(raw: unknown, now: number): MaintenanceInput {
  const o = object(raw, "maintenance window", ["host", "startsAt", "endsAt", "durationSeconds", "createdBy", "reason"]);
  const host = text(o, "host");
  const createdBy = text(o, "createdBy");
  const reason = text(o, "reason");
  return { host, ...window(o, now), createdBy, reason };
}
