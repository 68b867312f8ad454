/**
 * PagerDuty Events API v2 bodies: turning a `Notification` into what is
 * stored in the outbox (a normalised message without the routing key) and
 * then into the JSON body sent to /v2/enqueue. Normalising enforces the
 * documented limits so that PagerDuty never answers 400 because of us:
 * severity one of four values, summary at most 1024 characters (cut with
 * "…"), dedup_key at most 255 characters (long keys are replaced by a stable
 * shortened form), body at most 512 KB (custom_details shrunk, with a note;
 * never a failure). Pure functions; no I/O.
 */
import { createHash } from "node:crypto";
import type { Notification, Severity } from "./notification.ts";

/** Longest `payload.summary` PagerDuty accepts. */
export const MAX_SUMMARY = 1024;
/** Longest `dedup_key` PagerDuty accepts. */
export const MAX_DEDUP_KEY = 255;
/** The four severities. */
export const SEVERITIES: readonly Severity[] = Object.freeze(["critical", "error", "warning", "info"]);
/** Bytes reserved in size checks for the routing key, which is added only at send time. */
const ROUTING_KEY_ALLOWANCE = 96;
/** Longest optional payload string (source, component, group, class) kept when a body must shrink. */
const MAX_FIELD = 1024;

/** The `payload` object of an Events v2 trigger. */
export interface EventPayload {
  summary: string;
  source: string;
  severity: Severity;
  timestamp?: string;
  component?: string;
  group?: string;
  class?: string;
  custom_details?: Record<string, unknown>;
}

/** What the outbox stores per notification: everything of the body except the routing key. */
export interface StoredMessage {
  readonly action: Notification["action"];
  readonly dedupKey: string;
  readonly payload?: EventPayload;
  readonly links?: readonly { href: string; text: string }[];
  /** What normalising changed (truncation, shrinking, defaults), for the log; empty when nothing. */
  readonly notes: readonly string[];
}

/** An Events API v2 alert event as sent. */
export interface EventV2Body {
  routing_key: string;
  event_action: Notification["action"];
  dedup_key: string;
  payload?: EventPayload;
  links?: { href: string; text: string }[];
  client?: string;
  client_url?: string;
}

/**
 * Cuts `s` to at most `max` UTF-16 code units, ending with "…" when cut,
 * never splitting a surrogate pair.
 *
 * @example
 * truncate("abcdef", 4); // "abc…"
 */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = max - 1;
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return `${s.slice(0, cut)}…`;
}

/**
 * The dedup key as sent: unchanged when at most 255 characters, else its
 * first 190 characters, "~" and the SHA-256 hex of the whole key (stable, so
 * a resolve still finds its trigger).
 *
 * @example
 * wireDedupKey("disk-full/web-1"); // "disk-full/web-1"
 * wireDedupKey("x".repeat(300)).length; // 255
 */
export function wireDedupKey(key: string): string {
  if (key.length <= MAX_DEDUP_KEY) return key;
  return `${truncate(key, 191).slice(0, -1)}~${createHash("sha256").update(key).digest("hex")}`;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = canonical((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/**
 * A stable hash of what a notification says (action, routing name, dedup key,
 * payload, links; object keys in any order), used to recognise a replay.
 * Never throws: unserialisable content hashes to a per-call unique value.
 *
 * @example
 * fingerprint({ action: "resolve", dedupKey: "k", routing: "default" }) === fingerprint({ routing: "default", dedupKey: "k", action: "resolve" }); // true
 */
export function fingerprint(n: Notification): string {
  let text: string;
  try {
    text = JSON.stringify(canonical({ a: n.action, k: n.dedupKey, r: n.routing, p: n.payload ?? null, l: n.links ?? null }));
  } catch {
    text = `unserialisable:${Math.random()}:${n.dedupKey}`;
  }
  return createHash("sha256").update(text).digest("hex");
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), "utf8");
}

function cleanString(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * Normalises a notification for the outbox at enqueue time `now` (unix
 * seconds): severity coerced to "error" when not one of the four, missing
 * summary/source on a trigger filled in (summary = dedup key, source =
 * `client`), summary truncated to 1024 characters, timestamp set to `now`
 * when absent, non-serialisable custom_details replaced by a note, and the
 * body shrunk to `maxBytes`. Acknowledge and resolve carry no payload or
 * links (PagerDuty ignores them). Never throws.
 *
 * @example
 * normalise({ action: "trigger", dedupKey: "k", routing: "default", payload: { summary: "s".repeat(2000), source: "h", severity: "critical" } }, 0, "Satellite", 512_000).payload!.summary.length; // 1024
 */
export function normalise(n: Notification, now: number, client: string, maxBytes: number): StoredMessage {
  const notes: string[] = [];
  const dedupKey = wireDedupKey(n.dedupKey);
  if (dedupKey !== n.dedupKey) notes.push(`dedup_key longer than ${MAX_DEDUP_KEY} characters, sent shortened as ${dedupKey}`);
  if (n.action !== "trigger") return { action: n.action, dedupKey, notes };
  const p = (n.payload ?? {}) as Partial<EventPayload>;
  let summary = cleanString(p.summary);
  if (summary === undefined) {
    summary = n.dedupKey;
    notes.push("trigger without payload.summary: the dedup key is used as summary");
  }
  if (summary.length > MAX_SUMMARY) {
    notes.push(`summary of ${summary.length} characters truncated to ${MAX_SUMMARY}`);
    summary = truncate(summary, MAX_SUMMARY);
  }
  let source = cleanString(p.source);
  if (source === undefined) {
    source = client;
    notes.push(`trigger without payload.source: "${client}" is used`);
  }
  let severity: Severity = p.severity as Severity;
  if (!SEVERITIES.includes(severity)) {
    notes.push(`severity ${JSON.stringify(p.severity)} is not one of ${SEVERITIES.join(", ")}: sent as "error"`);
    severity = "error";
  }
  let timestamp = cleanString(p.timestamp);
  if (timestamp === undefined || Number.isNaN(Date.parse(timestamp))) timestamp = new Date(now * 1000).toISOString();
  const payload: EventPayload = { summary, source, severity, timestamp };
  for (const f of ["component", "group", "class"] as const) {
    const v = cleanString(p[f]);
    if (v !== undefined) payload[f] = v;
  }
  if (p.custom_details !== undefined && p.custom_details !== null) {
    try {
      JSON.stringify(p.custom_details);
      payload.custom_details = p.custom_details;
    } catch (err) {
      payload.custom_details = { satellite_note: `custom_details could not be serialised: ${err instanceof Error ? err.message : String(err)}` };
      notes.push("custom_details could not be serialised and were replaced by a note");
    }
  }
  let links: { href: string; text: string }[] | undefined;
  if (n.links !== undefined && n.links.length > 0) {
    links = n.links.filter((l) => typeof l?.href === "string" && l.href !== "").map((l) => ({ href: l.href, text: typeof l.text === "string" ? l.text : l.href }));
    if (links.length === 0) links = undefined;
  }
  const message = { action: n.action, dedupKey, payload, ...(links ? { links } : {}), notes };
  return shrink(message, client, maxBytes);
}

/** Size in bytes of the body that `message` becomes, with room for the routing key. */
function bodySize(message: StoredMessage, client: string): number {
  return byteLength(toBody(message, "", client, null)) + ROUTING_KEY_ALLOWANCE;
}

/**
 * Brings a trigger's body under `maxBytes`: first keeps the custom_details
 * fields that fit (in their order) and replaces the rest by a
 * `satellite_note`; then keeps only the note; then drops links and cuts the
 * optional payload strings. Returns `message` itself when it already fits.
 */
function shrink(message: StoredMessage, client: string, maxBytes: number): StoredMessage {
  const size = bodySize(message, client);
  if (size <= maxBytes || message.payload === undefined) return message;
  const payload = message.payload;
  const details = payload.custom_details ?? {};
  const noteOnly = (text: string): StoredMessage => ({ ...message, payload: { ...payload, custom_details: { satellite_note: text } } });
  const base = bodySize(noteOnly(`custom_details shrunk to fit PagerDuty's ${maxBytes}-byte limit (event was ${size} bytes); dropped fields: ${"x".repeat(2200)}`), client);
  let budget = maxBytes - base;
  const kept: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(details)) {
    const cost = byteLength(k) + byteLength(v) + 2;
    if (cost <= budget) {
      kept[k] = v;
      budget -= cost;
    } else {
      dropped.push(k);
    }
  }
  const listed = dropped.slice(0, 20).map((k) => truncate(k, 100)).join(", ") + (dropped.length > 20 ? `, and ${dropped.length - 20} more` : "");
  const note = `custom_details shrunk to fit PagerDuty's ${maxBytes}-byte limit (event was ${size} bytes); dropped fields: ${listed}`;
  const notes = [...message.notes, `event of ${size} bytes over the ${maxBytes}-byte limit: ${dropped.length} custom_details field(s) dropped`];
  let out: StoredMessage = { ...message, payload: { ...payload, custom_details: { ...kept, satellite_note: note } }, notes };
  if (bodySize(out, client) <= maxBytes) return out;
  out = { ...noteOnly(note), notes };
  if (bodySize(out, client) <= maxBytes) return out;
  const p: EventPayload = { ...out.payload!, source: truncate(payload.source, MAX_FIELD) };
  for (const f of ["component", "group", "class"] as const) if (p[f] !== undefined) p[f] = truncate(p[f], MAX_FIELD);
  return { action: message.action, dedupKey: message.dedupKey, payload: p, notes: [...notes, "links dropped and payload fields cut to fit the size limit"] };
}

/**
 * The Events v2 body for a stored message and a routing key; `client` and
 * `client_url` go on triggers only, as PagerDuty uses them for triggers only.
 *
 * @example
 * toBody({ action: "resolve", dedupKey: "k", notes: [] }, "0123456789abcdef0123456789abcdef", "Satellite", null);
 * // { routing_key: "0123…", event_action: "resolve", dedup_key: "k" }
 */
export function toBody(message: StoredMessage, routingKey: string, client: string, clientUrl: string | null): EventV2Body {
  const body: EventV2Body = { routing_key: routingKey, event_action: message.action, dedup_key: message.dedupKey };
  if (message.action === "trigger") {
    if (message.payload !== undefined) body.payload = message.payload;
    if (message.links !== undefined) body.links = [...message.links];
    body.client = client;
    if (clientUrl !== null) body.client_url = clientUrl;
  }
  return body;
}
