/**
 * The bus message format (docs/bus.md): one Kafka message value is a UTF-8
 * JSON object `{"v":1,"events":[...]}` carrying many events, optionally with
 * the producer's id and a per-producer sequence number used to drop
 * duplicates. This file encodes it and decodes untrusted bytes without ever
 * throwing: a message that is not valid comes back with a stable reason code
 * (the dead-letter header) and a sentence. Events inside a valid message are
 * not checked here; that is the engine's per-event validation.
 */
import type { Event } from "../streams/event.ts";

/** The format version this code writes and the only one it reads. */
export const MESSAGE_VERSION = 1;

/** Limits a consumer applies to one message. */
export interface MessageLimits {
  /** Largest message value in bytes. Default 8 MiB. */
  readonly maxMessageBytes: number;
  /** Most events in one message. Default 100,000. */
  readonly maxEvents: number;
}

/** The defaults of `MessageLimits`. */
export const DEFAULT_MESSAGE_LIMITS: MessageLimits = Object.freeze({ maxMessageBytes: 8 * 1024 * 1024, maxEvents: 100_000 });

/** Longest producer id accepted, in characters. */
export const MAX_PRODUCER_LENGTH = 128;

/** A decoded message: its events (still untrusted) and its dedup identity, if it carries one. */
export interface BusMessage {
  readonly events: readonly unknown[];
  readonly producer: string | undefined;
  readonly seq: number | undefined;
}

/** Why a message is malformed: a stable code (dead-letter header, metric label) and a sentence. */
export interface Malformed {
  readonly code: MalformedCode;
  readonly reason: string;
}

/** Every reason a message can be malformed. */
export type MalformedCode =
  | "empty"
  | "too_large"
  | "bad_json"
  | "not_an_object"
  | "unsupported_version"
  | "bad_events"
  | "too_many_events"
  | "bad_producer"
  | "bad_seq";

/** The outcome of decoding one message value. */
export type Decoded = { readonly ok: true; readonly message: BusMessage } | { readonly ok: false; readonly malformed: Malformed };

function malformed(code: MalformedCode, reason: string): Decoded {
  return { ok: false, malformed: { code, reason } };
}

/**
 * Decodes one message value. Never throws.
 *
 * Valid: a JSON object with `"v": 1` and `"events"` an array of at most
 * `maxEvents` elements; `"producer"` (a non-empty string of at most 128
 * characters) and `"seq"` (a non-negative safe integer) come together or not
 * at all. Unknown top-level fields are ignored, so later minor additions stay
 * readable.
 *
 * @example
 * decodeMessage(Buffer.from('{"v":1,"events":[{"host":"a","service":"cpu"}]}')); // { ok: true, message: { events: [...], ... } }
 * decodeMessage(Buffer.from("{oops"));                                           // { ok: false, malformed: { code: "bad_json", ... } }
 */
export function decodeMessage(value: Buffer | null | undefined, limits: MessageLimits = DEFAULT_MESSAGE_LIMITS): Decoded {
  if (value === null || value === undefined || value.length === 0) return malformed("empty", "the message has no value");
  if (value.length > limits.maxMessageBytes) {
    return malformed("too_large", `the message is ${value.length} bytes, the limit is ${limits.maxMessageBytes}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString("utf8"));
  } catch (err) {
    return malformed("bad_json", `the message is not JSON: ${err instanceof Error ? err.message.slice(0, 200) : "parse error"}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return malformed("not_an_object", `the message must be a JSON object, got ${Array.isArray(parsed) ? "an array" : parsed === null ? "null" : typeof parsed}`);
  }
  const m = parsed as Record<string, unknown>;
  if (m.v !== MESSAGE_VERSION) {
    return malformed("unsupported_version", `"v" must be ${MESSAGE_VERSION}, got ${m.v === undefined ? "nothing" : JSON.stringify(m.v).slice(0, 40)}`);
  }
  const events = m.events;
  if (!Array.isArray(events)) return malformed("bad_events", `"events" must be an array of events`);
  if (events.length > limits.maxEvents) return malformed("too_many_events", `${events.length} events in one message, the limit is ${limits.maxEvents}`);
  const producer = m.producer;
  const seq = m.seq;
  if (producer === undefined && seq === undefined) return { ok: true, message: { events, producer: undefined, seq: undefined } };
  if (typeof producer !== "string" || producer.length === 0 || producer.length > MAX_PRODUCER_LENGTH) {
    return malformed("bad_producer", `"producer" must be a string of 1 to ${MAX_PRODUCER_LENGTH} characters when "seq" is given`);
  }
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0) {
    return malformed("bad_seq", `"seq" must be a non-negative integer when "producer" is given`);
  }
  return { ok: true, message: { events, producer, seq } };
}

/**
 * Encodes events as one message value. `producer` and `seq` are optional but
 * go together (see `decodeMessage`).
 *
 * @example
 * encodeMessage([event]);                                  // '{"v":1,"events":[{...}]}'
 * encodeMessage([event], { producer: "c0ffee", seq: 41 }); // '{"v":1,"producer":"c0ffee","seq":41,"events":[{...}]}'
 */
export function encodeMessage(events: readonly Event[], identity?: { readonly producer: string; readonly seq: number }): string {
  const parts = new Array<string>(events.length);
  for (let i = 0; i < events.length; i++) parts[i] = JSON.stringify(events[i]);
  return encodeParts(parts, identity);
}

/**
 * Encodes events already serialized one by one (`JSON.stringify(event)`
 * each), so a producer can measure a message's size as it fills it.
 *
 * @example
 * encodeParts([JSON.stringify(a), JSON.stringify(b)], { producer: "p1", seq: 0 });
 */
export function encodeParts(eventJson: readonly string[], identity?: { readonly producer: string; readonly seq: number }): string {
  const head = identity === undefined ? `{"v":${MESSAGE_VERSION},"events":[` : `{"v":${MESSAGE_VERSION},"producer":${JSON.stringify(identity.producer)},"seq":${identity.seq},"events":[`;
  return head + eventJson.join(",") + "]}";
}

/** Bytes `encodeParts` adds around the events (an upper bound, for size budgeting). */
export const ENVELOPE_BYTES = 64 + MAX_PRODUCER_LENGTH;
