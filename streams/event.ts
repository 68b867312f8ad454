/**
 * The event: Riemann's data model, typed. Every entry point (HTTP, Riemann
 * protocol, Kafka, rule tests) turns untrusted input into an `Event` through
 * `validateEvent`, which never throws: a bad event comes back as a rejection
 * with a reason, so one bad event never poisons a batch or the engine.
 */

import { InternTable } from "./intern.ts";

/** Hosts, services and states of validated events, interned (see streams/intern.ts). */
const names = new InternTable();

/** Reserved state marking an event whose TTL ran out (or that was expired on purpose). */
export const EXPIRED = "expired";

/** TTL in seconds used when an event carries none (Riemann's default). */
export const DEFAULT_TTL = 60;

/**
 * One observation about one service on one host. `time` and `ttl` are in
 * seconds (`time` is unix epoch seconds and may be fractional). Custom
 * attributes are string-valued, as on Riemann's wire.
 */
export interface Event {
  readonly host: string;
  readonly service: string;
  readonly time: number;
  readonly state?: string | undefined;
  readonly description?: string | undefined;
  readonly metric?: number | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly ttl?: number | undefined;
  readonly attributes?: Readonly<Record<string, string>> | undefined;
}

/** Event fields a caller may set by name; custom attributes live under `attributes`. */
export const EVENT_FIELDS = ["host", "service", "time", "state", "description", "metric", "tags", "ttl", "attributes"] as const;

const KNOWN_FIELDS: ReadonlySet<string> = new Set(EVENT_FIELDS);

/** Size limits enforced by `validateEvent`; every limit is documented in the README. */
export interface EventLimits {
  /** Longest host or service name, in characters. Default 255. */
  readonly maxNameLength: number;
  /** Longest state, in characters (Riemann: "any string less than 255 bytes"). Default 255. */
  readonly maxStateLength: number;
  /** Longest description, in characters. Default 8192. */
  readonly maxDescriptionLength: number;
  /** Most tags on one event. Default 64. */
  readonly maxTags: number;
  /** Longest tag, in characters. Default 255. */
  readonly maxTagLength: number;
  /** Most custom attributes on one event. Default 64. */
  readonly maxAttributes: number;
  /** Longest attribute key, in characters. Default 255. */
  readonly maxAttributeKeyLength: number;
  /** Longest attribute value, in characters. Default 8192. */
  readonly maxAttributeValueLength: number;
  /** How far ahead of the engine's clock an event's time may be, in seconds. Default 300. */
  readonly maxFutureSeconds: number;
  /** Longest TTL, in seconds. Default 31,536,000 (one year). */
  readonly maxTtl: number;
}

/** The defaults of `EventLimits`, in one place. */
export const DEFAULT_LIMITS: EventLimits = Object.freeze({
  maxNameLength: 255,
  maxStateLength: 255,
  maxDescriptionLength: 8192,
  maxTags: 64,
  maxTagLength: 255,
  maxAttributes: 64,
  maxAttributeKeyLength: 255,
  maxAttributeValueLength: 8192,
  maxFutureSeconds: 300,
  maxTtl: 31_536_000,
});

/** Why an event was rejected: a stable code (used as a metric label) and a human sentence. */
export interface Rejection {
  readonly code: string;
  readonly reason: string;
}

/** The outcome of validating one raw event. */
export type Validated = { readonly ok: true; readonly event: Event } | { readonly ok: false; readonly rejection: Rejection };

function reject(code: string, reason: string): Validated {
  return { ok: false, rejection: { code, reason } };
}

function checkString(value: unknown, field: string, max: number, required: boolean): Rejection | undefined {
  if (value === undefined || value === null) {
    return required ? { code: `missing_${field}`, reason: `${field} is required` } : undefined;
  }
  if (typeof value !== "string") return { code: `invalid_${field}`, reason: `${field} must be a string, got ${typeof value}` };
  if (required && value.length === 0) return { code: `missing_${field}`, reason: `${field} must not be empty` };
  if (value.length > max) return { code: `${field}_too_long`, reason: `${field} is ${value.length} characters, the limit is ${max}` };
  return undefined;
}

/**
 * Turns untrusted input into an `Event`, or says why not. Never throws.
 *
 * - `host` and `service` are required non-empty strings.
 * - `time` defaults to `now`; it must be finite and at most `maxFutureSeconds` ahead of `now`.
 * - `metric` and `ttl` must be finite numbers; `ttl` must be > 0.
 * - strings, tag lists and attribute maps are bounded by `limits`.
 * - unknown top-level fields are rejected (put custom data in `attributes`).
 *
 * @example
 * const v = validateEvent({ host: "a", service: "cpu", metric: 0.5 }, clock.now());
 * if (v.ok) engine.ingest(v.event); else counters.inc(v.rejection.code);
 */
export function validateEvent(raw: unknown, now: number, limits: EventLimits = DEFAULT_LIMITS): Validated {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return reject("not_an_object", "an event must be a JSON object");
  const r = raw as Record<string, unknown>;
  for (const key in r) {
    if (!KNOWN_FIELDS.has(key)) {
      return reject("unknown_field", `unknown field "${key}" (custom data goes in "attributes")`);
    }
  }
  const bad =
    checkString(r.host, "host", limits.maxNameLength, true) ??
    checkString(r.service, "service", limits.maxNameLength, true) ??
    checkString(r.state, "state", limits.maxStateLength, false) ??
    checkString(r.description, "description", limits.maxDescriptionLength, false);
  if (bad) return { ok: false, rejection: bad };

  let time = now;
  if (r.time !== undefined && r.time !== null) {
    if (typeof r.time !== "number" || !Number.isFinite(r.time)) return reject("invalid_time", "time must be a finite number of unix seconds");
    if (r.time > now + limits.maxFutureSeconds) {
      return reject("time_in_future", `time is ${(r.time - now).toFixed(0)} s ahead of the engine clock, the limit is ${limits.maxFutureSeconds} s`);
    }
    time = r.time;
  }
  if (r.metric !== undefined && r.metric !== null && (typeof r.metric !== "number" || !Number.isFinite(r.metric))) {
    return reject("invalid_metric", "metric must be a finite number");
  }
  if (r.ttl !== undefined && r.ttl !== null) {
    if (typeof r.ttl !== "number" || !Number.isFinite(r.ttl) || r.ttl <= 0) return reject("invalid_ttl", "ttl must be a finite number of seconds > 0");
    if (r.ttl > limits.maxTtl) return reject("ttl_too_long", `ttl is ${r.ttl} s, the limit is ${limits.maxTtl} s`);
  }
  let tags: readonly string[] | undefined;
  if (r.tags !== undefined && r.tags !== null) {
    if (!Array.isArray(r.tags)) return reject("invalid_tags", "tags must be an array of strings");
    if (r.tags.length > limits.maxTags) return reject("too_many_tags", `${r.tags.length} tags, the limit is ${limits.maxTags}`);
    for (const tag of r.tags as unknown[]) {
      const t = checkString(tag, "tag", limits.maxTagLength, true);
      if (t) return { ok: false, rejection: t };
    }
    tags = r.tags as string[];
  }
  let attributes: Record<string, string> | undefined;
  if (r.attributes !== undefined && r.attributes !== null) {
    if (typeof r.attributes !== "object" || Array.isArray(r.attributes)) return reject("invalid_attributes", "attributes must be an object of strings");
    const entries = Object.entries(r.attributes as Record<string, unknown>);
    if (entries.length > limits.maxAttributes) return reject("too_many_attributes", `${entries.length} attributes, the limit is ${limits.maxAttributes}`);
    for (const [key, value] of entries) {
      if (key.length > limits.maxAttributeKeyLength) return reject("attribute_key_too_long", `attribute key is ${key.length} characters, the limit is ${limits.maxAttributeKeyLength}`);
      const v = checkString(value, `attribute "${key}"`, limits.maxAttributeValueLength, true);
      if (v && !(typeof value === "string" && value.length === 0)) return { ok: false, rejection: { code: "invalid_attribute", reason: v.reason } };
    }
    attributes = r.attributes as Record<string, string>;
  }
  return {
    ok: true,
    event: makeEvent({
      host: names.intern(r.host as string),
      service: names.intern(r.service as string),
      time,
      state: typeof r.state === "string" ? names.intern(r.state) : undefined,
      description: r.description as string | undefined,
      metric: r.metric as number | undefined,
      tags,
      ttl: r.ttl as number | undefined,
      attributes,
    }),
  };
}

/**
 * Builds an event with every field present (undefined when unset), so all
 * events share one object shape and the engine's hot paths stay monomorphic.
 * Use it (or `{ ...e, field }` on an existing event) when a stream makes events.
 */
export function makeEvent(fields: Event): Event {
  return {
    host: fields.host,
    service: fields.service,
    time: fields.time,
    state: fields.state ?? undefined,
    description: fields.description ?? undefined,
    metric: fields.metric ?? undefined,
    tags: fields.tags ?? undefined,
    ttl: fields.ttl ?? undefined,
    attributes: fields.attributes ?? undefined,
  };
}

/**
 * True when `event` is expired at `now`: its state is "expired", or
 * `now - time > ttl` (ttl defaulting to 60 s). Riemann's `expired?`.
 */
export function isExpired(event: Event, now: number): boolean {
  return event.state === EXPIRED || now - event.time > (event.ttl ?? DEFAULT_TTL);
}

/** The moment `event`'s TTL runs out, in unix seconds. */
export function expiresAt(event: Event): number {
  return event.time + (event.ttl ?? DEFAULT_TTL);
}

/**
 * The expired version of `event` at time `at`: host, service, tags and
 * attributes are kept (Riemann keeps only host and service unless told
 * otherwise; keeping tags and attributes lets rules route expiries the same
 * way as live events), state becomes "expired", metric and description go.
 */
export function expire(event: Event, at: number): Event {
  return makeEvent({ host: event.host, service: event.service, time: at, state: EXPIRED, tags: event.tags, ttl: event.ttl, attributes: event.attributes });
}

/** Reads a field or custom attribute by name (`host`, `metric`, or any attribute key); undefined when absent. */
export function fieldOf(event: Event, name: string): unknown {
  switch (name) {
    case "host": return event.host;
    case "service": return event.service;
    case "state": return event.state;
    case "time": return event.time;
    case "description": return event.description;
    case "metric":
    case "metric_f":
    case "metric_d":
    case "metric_sint64": return event.metric;
    case "ttl": return event.ttl;
    case "tags": return event.tags;
    default: return event.attributes?.[name];
  }
}
