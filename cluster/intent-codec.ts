/**
 * The rules' actions on the wire: how `satellite engine` hands pages,
 * resolves and host actions (drain, blacklist, restore) to the control
 * process (`satellite control`) over the `satellite.intents` topic. One
 * JSON message per intent. The decoder treats the bytes as untrusted (an
 * engine of another version, a stray producer): it checks every field the
 * alerting and scheduler parts rely on and says why it refuses a message.
 * docs/scale-out.md documents the format.
 */
import { SEVERITIES, type HostIntent, type PageAlerting, type PageIntent, type ResolveIntent, type Severity } from "../rules/intents.ts";
import type { Event } from "../streams/event.ts";

/** The format version written into every message; a message with another version is refused. */
export const INTENT_FORMAT_VERSION = 1;

/** The intents that leave an engine: the ones alerting and the scheduler act on. */
export type ActionIntent = PageIntent | ResolveIntent | HostIntent;

/** One message on the intents topic. */
export interface IntentMessage {
  readonly v: typeof INTENT_FORMAT_VERSION;
  /** The engine that sent it. */
  readonly engine: string;
  readonly intent: ActionIntent;
}

/** What `decodeIntentMessage` makes of a message's bytes. */
export type DecodedIntent = { readonly ok: true; readonly message: IntentMessage } | { readonly ok: false; readonly reason: string };

/** Limits the decoder enforces. */
export const INTENT_LIMITS = Object.freeze({
  /** Longest engine id, rule, key, host, service or reason. */
  maxString: 4096,
  /** Longest summary (a page's summary is cut to 1,024 by the rules; a little slack for other producers). */
  maxSummary: 8192,
  /** Most evidence events in one page. */
  maxEvidence: 10_000,
});

/** True for the intents an engine sends to the control process. */
export function isActionIntent(intent: { readonly kind: string }): intent is ActionIntent {
  return intent.kind === "page" || intent.kind === "resolve" || intent.kind === "drain" || intent.kind === "blacklist" || intent.kind === "restore";
}

/**
 * The message's bytes (UTF-8 JSON).
 *
 * @example
 * const value = encodeIntentMessage({ v: 1, engine: "engine-a", intent: { kind: "resolve", rule: "r", key: "r/p:h1", time: 10 } });
 */
export function encodeIntentMessage(message: IntentMessage): Buffer {
  return Buffer.from(JSON.stringify(message));
}

/** Thrown inside the decoder with the reason; never escapes it. */
class Refused extends Error {}

function fail(reason: string): never {
  throw new Refused(reason);
}

function str(o: Record<string, unknown>, field: string, max: number = INTENT_LIMITS.maxString): string {
  const v = o[field];
  if (typeof v !== "string" || v.length === 0) fail(`"${field}" must be a non-empty string`);
  if (v.length > max) fail(`"${field}" is longer than ${max} characters`);
  return v;
}

function optStr(o: Record<string, unknown>, field: string, max: number = INTENT_LIMITS.maxString): string | undefined {
  return o[field] === undefined ? undefined : str(o, field, max);
}

function num(o: Record<string, unknown>, field: string): number {
  const v = o[field];
  if (typeof v !== "number" || !Number.isFinite(v)) fail(`"${field}" must be a finite number`);
  return v;
}

function optNum(o: Record<string, unknown>, field: string, min = 0): number | undefined {
  if (o[field] === undefined) return undefined;
  const v = num(o, field);
  if (v < min) fail(`"${field}" must be at least ${min}`);
  return v;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

function evidenceOf(v: unknown): Event[] {
  if (!Array.isArray(v)) fail(`"evidence" must be an array of events`);
  if (v.length > INTENT_LIMITS.maxEvidence) fail(`"evidence" has more than ${INTENT_LIMITS.maxEvidence} events`);
  return v.map((raw, i) => {
    const e = obj(raw, `evidence[${i}]`);
    if (typeof e.host !== "string" || typeof e.service !== "string") fail(`evidence[${i}] needs string "host" and "service"`);
    if (typeof e.time !== "number" || !Number.isFinite(e.time)) fail(`evidence[${i}] needs a finite "time"`);
    return e as unknown as Event;
  });
}

function alertingOf(v: unknown): PageAlerting | undefined {
  if (v === undefined) return undefined;
  const a = obj(v, `"alerting"`);
  const groupBy = a.groupBy;
  if (groupBy !== undefined && groupBy !== "rule" && groupBy !== "none") fail(`"alerting.groupBy" must be "rule" or "none"`);
  return {
    forSeconds: optNum(a, "forSeconds"),
    resolveAfterSeconds: optNum(a, "resolveAfterSeconds"),
    renotifySeconds: optNum(a, "renotifySeconds"),
    groupBy,
    routing: optStr(a, "routing"),
  };
}

function intentOf(raw: unknown): ActionIntent {
  const o = obj(raw, `"intent"`);
  const kind = o.kind;
  switch (kind) {
    case "page": {
      const severity = o.severity;
      if (!SEVERITIES.includes(severity as Severity)) fail(`"severity" must be one of ${SEVERITIES.join(", ")}`);
      return {
        kind,
        rule: str(o, "rule"),
        key: str(o, "key"),
        severity: severity as Severity,
        summary: str(o, "summary", INTENT_LIMITS.maxSummary),
        time: num(o, "time"),
        host: optStr(o, "host"),
        service: optStr(o, "service"),
        evidence: evidenceOf(o.evidence),
        alerting: alertingOf(o.alerting),
      };
    }
    case "resolve":
      return { kind, rule: str(o, "rule"), key: str(o, "key"), time: num(o, "time"), summary: optStr(o, "summary", INTENT_LIMITS.maxSummary) };
    case "drain":
    case "blacklist":
    case "restore": {
      const ttl = optNum(o, "ttl", 0);
      if (kind === "blacklist" && ttl === undefined) fail(`a blacklist needs "ttl"`);
      return { kind, rule: str(o, "rule"), host: str(o, "host"), reason: str(o, "reason"), ttl, time: num(o, "time") };
    }
    default:
      return fail(`"intent.kind" must be page, resolve, drain, blacklist or restore, got ${JSON.stringify(kind)}`);
  }
}

/**
 * Decodes a message, or says why not.
 *
 * @example
 * const d = decodeIntentMessage(value);
 * if (d.ok) sink(d.message.intent); else log(`skipped: ${d.reason}`);
 */
export function decodeIntentMessage(value: Buffer | string): DecodedIntent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === "string" ? value : value.toString("utf8"));
  } catch (err) {
    return { ok: false, reason: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  try {
    const m = obj(parsed, "the message");
    if (m.v !== INTENT_FORMAT_VERSION) fail(`format version ${JSON.stringify(m.v)} is not ${INTENT_FORMAT_VERSION}`);
    return { ok: true, message: { v: INTENT_FORMAT_VERSION, engine: str(m, "engine"), intent: intentOf(m.intent) } };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.message };
    throw err;
  }
}
