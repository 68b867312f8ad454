/**
 * `withFields` and `defaults`: set fields of events on their way through
 * (Riemann's `with` and `default`). Field sets are checked once when the
 * stream is built; per event they cost one object allocation, and
 * `defaults` none at all when the event already has every field.
 */
import { EVENT_FIELDS, type Event } from "../event.ts";
import { fanout, type Events, type Stream, type StreamContext } from "../stream.ts";

/**
 * Fields to set: any event field; `attributes` is merged key by key, and an
 * attribute whose value is `undefined` is removed.
 */
export type EventFields = Omit<Partial<Event>, "attributes"> & {
  readonly attributes?: Readonly<Record<string, string | undefined>> | undefined;
};

type Field = (typeof EVENT_FIELDS)[number];
type ScalarField = Exclude<Field, "attributes">;
const SCALAR_FIELDS = EVENT_FIELDS.filter((f): f is ScalarField => f !== "attributes");
const REQUIRED: readonly Field[] = ["host", "service", "time"];

function checkFields(where: string, fields: EventFields): void {
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) throw new TypeError(`${where}: fields must be an object of event fields`);
  for (const name of Object.keys(fields)) {
    if (!(EVENT_FIELDS as readonly string[]).includes(name)) {
      throw new TypeError(`${where}: unknown event field "${name}" (custom data goes in "attributes")`);
    }
  }
  const attrs = fields.attributes;
  if (attrs !== undefined && (typeof attrs !== "object" || attrs === null || Array.isArray(attrs))) {
    throw new TypeError(`${where}: attributes must be an object of strings`);
  }
}

function mergeAttributes(
  base: Readonly<Record<string, string>> | undefined,
  patch: Readonly<Record<string, string | undefined>>,
): Readonly<Record<string, string>> | undefined {
  const merged: Record<string, string> = { ...base };
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  for (const _ in merged) return merged;
  return undefined;
}

/**
 * Sets `fields` on every event and passes the result on. A field given as
 * `undefined` is removed (set to `undefined`), as a nil value in Riemann's
 * `with` dissocs the key; `host`, `service` and `time` cannot be removed.
 * `attributes` is merged into the event's attributes key by key (an
 * attribute given as `undefined` is removed; `attributes: undefined` removes
 * them all).
 *
 * Works on single events and on windows alike: given an array of events, it
 * emits a new array with every event changed (Riemann's `with` does the same
 * for vectors). Expired events are changed like any other, so setting
 * `state` on an expired event hides its expiry; put `withFields` after an
 * `expired` / `notExpired` split when that matters.
 *
 * @example
 * withFields(ctx, { service: "cpu mean", ttl: 120 }, index);
 * withFields(ctx, { description: undefined, attributes: { team: "storage" } }, index);
 */
export function withFields<T extends Event | Events = Event>(ctx: StreamContext, fields: EventFields, ...children: Stream<T>[]): Stream<T> {
  checkFields("withFields", fields);
  for (const name of REQUIRED) {
    if (name in fields && fields[name] === undefined) throw new TypeError(`withFields: ${name} cannot be removed`);
  }
  const has = (f: Field): boolean => Object.prototype.hasOwnProperty.call(fields, f);
  const sHost = has("host"), sService = has("service"), sTime = has("time"), sState = has("state"), sDescription = has("description");
  const sMetric = has("metric"), sTags = has("tags"), sTtl = has("ttl"), hasAttributes = has("attributes");
  const { host, service, time, state, description, metric, tags, ttl } = fields;
  const attributes = fields.attributes;
  const apply = (e: Event): Event => ({
    host: sHost ? host! : e.host,
    service: sService ? service! : e.service,
    time: sTime ? time! : e.time,
    state: sState ? state : e.state,
    description: sDescription ? description : e.description,
    metric: sMetric ? metric : e.metric,
    tags: sTags ? tags : e.tags,
    ttl: sTtl ? ttl : e.ttl,
    attributes: !hasAttributes ? e.attributes : attributes === undefined ? undefined : mergeAttributes(e.attributes, attributes),
  });
  const out = fanout(ctx, "withFields", children) as Stream<Event | Events>;
  return function withFieldsStream(input: T): void {
    if (Array.isArray(input)) out((input as Events).map(apply));
    else out(apply(input as Event));
  };
}

/**
 * Fills in the fields of `fields` that are unset (`undefined`) on the event,
 * leaving set ones alone, and passes the result on (Riemann's `default`).
 * `attributes` are filled key by key. A default given as `undefined` does
 * nothing. `host`, `service` and `time` are always set, so defaults for them
 * never apply. An event that already has every field passes unchanged (the
 * same object). Expired events are filled like any other (they have no
 * metric or description, so defaults for those do apply).
 *
 * @example
 * defaults(ctx, { ttl: 60, state: "ok" }, index);
 */
export function defaults(ctx: StreamContext, fields: EventFields, ...children: Stream<Event>[]): Stream<Event> {
  checkFields("defaults", fields);
  const pairs: [ScalarField, unknown][] = [];
  for (const f of SCALAR_FIELDS) {
    if (fields[f] !== undefined && f !== "host" && f !== "service" && f !== "time") pairs.push([f, fields[f]]);
  }
  const attrPairs = Object.entries(fields.attributes ?? {}).filter((p): p is [string, string] => p[1] !== undefined);
  const n = pairs.length;
  const m = attrPairs.length;
  const out = fanout(ctx, "defaults", children);
  return function defaultsStream(e: Event): void {
    let missing = false;
    for (let i = 0; i < n && !missing; i++) missing = e[pairs[i]![0]] === undefined;
    for (let i = 0; i < m && !missing; i++) missing = e.attributes?.[attrPairs[i]![0]] === undefined;
    if (!missing) {
      out(e);
      return;
    }
    const filled: Record<string, unknown> = { ...e };
    for (let i = 0; i < n; i++) {
      const [f, v] = pairs[i]!;
      if (filled[f] === undefined) filled[f] = v;
    }
    if (m > 0) {
      const attrs: Record<string, string> = { ...e.attributes };
      for (let i = 0; i < m; i++) {
        const [k, v] = attrPairs[i]!;
        if (attrs[k] === undefined) attrs[k] = v;
      }
      filled.attributes = attrs;
    }
    out(filled as unknown as Event);
  };
}
