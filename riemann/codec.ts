/**
 * The codec between Riemann's wire events and Satellite's `Event`. Decoding
 * does not validate: it turns a protobuf event into the raw object
 * `validateEvent` takes (through `Engine.submitAll`), so events arriving
 * over the Riemann protocol meet exactly the same limits as HTTP or Kafka
 * input. Encoding writes what Riemann's own encoder writes, so every
 * Riemann client reads our query answers.
 */
import type { Event } from "../streams/event.ts";
import { int64ToNumber, type PbAttribute, type PbEvent } from "./schema.ts";

/**
 * The raw (unvalidated) event `riemannToRaw` makes: always the same nine
 * keys, so `validateEvent` sees one object shape; absent fields are undefined.
 */
export interface RawRiemannEvent {
  host: string | undefined;
  service: string | undefined;
  time: number | undefined;
  state: string | undefined;
  description: string | undefined;
  metric: number | undefined;
  tags: string[] | undefined;
  ttl: number | undefined;
  attributes: Record<string, string> | undefined;
}

/**
 * Converts one decoded protobuf event to a raw event for `validateEvent`.
 * Never throws (every value has the type protobufjs decoded it as).
 *
 * - `time`: `time_micros / 1e6` when present, else `time` (seconds), else
 *   undefined (validation then uses the engine clock's now).
 * - `metric`: `metric_sint64` > `metric_d` > `metric_f`, the first present.
 *   A float (`metric_f`, and `ttl`) becomes the shortest decimal that reads
 *   back as the same float, so 252.2 sent as a float is 252.2, not
 *   252.1999969482422.
 * - `tags`: undefined when empty.
 * - `attributes`: a string map; a missing value is ""; a repeated key keeps
 *   the last value.
 *
 * Differs from Riemann: attributes stay under `attributes` and never
 * overwrite event fields, and none are dropped (Riemann drops attributes
 * named tags, time, ttl and metric, and lets one named host replace the
 * host). A missing host or service is a validation error here (Riemann
 * allows nil).
 *
 * @example
 * const raw = riemannToRaw(decodeMsg(frame).events![0]!);
 * const result = engine.submitAll([raw]);
 */
export function riemannToRaw(pb: PbEvent): RawRiemannEvent {
  let time: number | undefined;
  if (Object.hasOwn(pb, "time_micros") && pb.time_micros != null) time = int64ToNumber(pb.time_micros) / 1e6;
  else if (Object.hasOwn(pb, "time") && pb.time != null) time = int64ToNumber(pb.time);

  let metric: number | undefined;
  if (Object.hasOwn(pb, "metric_sint64") && pb.metric_sint64 != null) metric = int64ToNumber(pb.metric_sint64);
  else if (Object.hasOwn(pb, "metric_d") && pb.metric_d != null) metric = pb.metric_d;
  else if (Object.hasOwn(pb, "metric_f") && pb.metric_f != null) metric = shortestFloat32(pb.metric_f);

  const tags = pb.tags;
  const attributes = pb.attributes;
  return {
    host: Object.hasOwn(pb, "host") ? (pb.host ?? undefined) : undefined,
    service: Object.hasOwn(pb, "service") ? (pb.service ?? undefined) : undefined,
    time,
    state: Object.hasOwn(pb, "state") ? (pb.state ?? undefined) : undefined,
    description: Object.hasOwn(pb, "description") ? (pb.description ?? undefined) : undefined,
    metric,
    tags: tags != null && tags.length > 0 ? tags : undefined,
    ttl: Object.hasOwn(pb, "ttl") && pb.ttl != null ? shortestFloat32(pb.ttl) : undefined,
    attributes: attributes != null && attributes.length > 0 ? attributeMap(attributes) : undefined,
  };
}

function attributeMap(list: readonly PbAttribute[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    const value = a.value ?? "";
    // A key named __proto__ must become an own property, not a prototype change.
    if (a.key === "__proto__") Object.defineProperty(out, a.key, { value, enumerable: true, writable: true, configurable: true });
    else out[a.key] = value;
  }
  return out;
}

/**
 * The shortest decimal number that is the same 32-bit float as `x` (which
 * came off the wire as a float, widened to a double). NaN and infinities
 * pass through (validation rejects them).
 *
 * @example
 * shortestFloat32(Math.fround(252.2)); // 252.2
 * shortestFloat32(Math.fround(0.1));   // 0.1
 */
export function shortestFloat32(x: number): number {
  if (!Number.isFinite(x) || Number.isInteger(x)) return x;
  // A float has 6 to 9 significant decimal digits; at 6 digits at most one
  // decimal lies in a float's rounding interval, so the first precision that
  // reads back as the same float is the shortest representation.
  for (let digits = 6; digits <= 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return candidate;
  }
  return x;
}

/**
 * Encodes an event as Riemann does (`codec.clj`): `time` as whole seconds
 * and `time_micros`; `metric_f` always, plus `metric_sint64` for a safe
 * integer or `metric_d` otherwise; attributes as key/value pairs.
 *
 * @example
 * encodeMsg({ ok: true, events: index.search("true").map(eventToRiemann) });
 */
export function eventToRiemann(e: Event): PbEvent {
  const metric = e.metric;
  const isInt = metric !== undefined && Number.isSafeInteger(metric);
  return {
    time: Math.floor(e.time),
    time_micros: Math.round(e.time * 1e6),
    state: e.state,
    service: e.service,
    host: e.host,
    description: e.description,
    tags: e.tags === undefined ? undefined : (e.tags as string[]),
    ttl: e.ttl,
    attributes: e.attributes === undefined ? undefined : attributeList(e.attributes),
    metric_sint64: isInt ? metric : undefined,
    metric_d: metric !== undefined && !isInt ? metric : undefined,
    metric_f: metric,
  };
}

function attributeList(attributes: Readonly<Record<string, string>>): PbAttribute[] {
  const out: PbAttribute[] = [];
  for (const key of Object.keys(attributes)) out.push({ key, value: attributes[key] });
  return out;
}
