/**
 * What engines tell each other on the `satellite.aggregates` topic: one JSON
 * message per engine per publish, a full snapshot of that engine's partial
 * counts for the slots (partitions) it owns, plus the alert state the
 * cluster's leader last announced. This file holds the message type, its
 * encoder and a decoder that treats the bytes as untrusted (another engine's
 * version, a stray producer) and says why it refuses a message.
 * docs/scale-out.md documents the format.
 */
import type { ClusterPartial } from "../streams/eventindex/cluster-link.ts";

/** The format version written into every message; a message with another version is refused. */
export const PROTOCOL_VERSION = 1;

/** One slot an engine owns, with its partials. */
export interface SlotReport {
  /** The slot: `<topic>/<partition>` ("events/3"), or `local/<engine>` for hosts seen off the bus. */
  readonly slot: string;
  /** When this engine started owning the slot (its clock, unix seconds): a newer owner's claim wins. */
  readonly since: number;
  /** Counts by aggregate id (`<rules dir>/<rules file>/<aggregate name>`); an aggregate with no host in the slot is absent. */
  readonly aggregates: ReadonlyMap<string, ClusterPartial>;
}

/** The alert state of the cluster's cluster-wide pages as the leader announced it. */
export interface AlertView {
  /** Engine that announced it. */
  readonly from: string;
  /** When it was announced (the announcer's clock): the newest view wins. */
  readonly at: number;
  /** Dedup key → last intent sent for it: "page:<severity>" or "resolve". */
  readonly keys: ReadonlyMap<string, string>;
}

/** One engine's snapshot. */
export interface ClusterMessage {
  readonly v: typeof PROTOCOL_VERSION;
  /** The sending engine's id (unique in the cluster). */
  readonly engine: string;
  /** Send time, the sender's clock, unix seconds. */
  readonly time: number;
  /** Increases with every message of one engine process (with `time`, orders them). */
  readonly seq: number;
  /** Seconds after `time` until the claims in this message stop counting unless renewed. */
  readonly ttl: number;
  /** Whether the sender is the leader (owns partition 0 of the events topic) and has taken over. */
  readonly leader: boolean;
  /** Every slot the sender owns now; a slot it owned before and no longer lists is released. */
  readonly slots: readonly SlotReport[];
  /** The newest alert view the sender knows (its own when leading); absent when it knows none. */
  readonly alerts?: AlertView | undefined;
}

/** Limits the decoder enforces. */
export const PROTOCOL_LIMITS = Object.freeze({
  /** Longest engine id, slot name, aggregate id, host name or alert key. */
  maxString: 1024,
  /** Most slots per message. */
  maxSlots: 100_000,
  /** Most aggregates per slot. */
  maxAggregates: 10_000,
  /** Most host names per partial. */
  maxHosts: 1_000,
  /** Most alert keys per view. */
  maxAlerts: 100_000,
});

/**
 * Encodes a message as JSON (maps as objects).
 *
 * @example
 * const bytes = encodeMessage({ v: 1, engine: "e1", time: 1700000000, seq: 1, ttl: 60, leader: false, slots: [] });
 */
export function encodeMessage(message: ClusterMessage): Buffer {
  const json = {
    v: message.v,
    engine: message.engine,
    time: message.time,
    seq: message.seq,
    ttl: message.ttl,
    leader: message.leader,
    slots: message.slots.map((s) => ({ slot: s.slot, since: s.since, aggregates: Object.fromEntries(s.aggregates) })),
    alerts: message.alerts === undefined ? undefined : { from: message.alerts.from, at: message.alerts.at, keys: Object.fromEntries(message.alerts.keys) },
  };
  return Buffer.from(JSON.stringify(json));
}

/** The outcome of `decodeMessage`. */
export type Decoded = { readonly ok: true; readonly message: ClusterMessage } | { readonly ok: false; readonly reason: string };

class Refused extends Error {}

function refuse(reason: string): never {
  throw new Refused(reason);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > PROTOCOL_LIMITS.maxString) refuse(`${field} must be a string of 1 to ${PROTOCOL_LIMITS.maxString} characters`);
  return value;
}

function num(value: unknown, field: string, min: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) refuse(`${field} must be a finite number >= ${min}`);
  return value;
}

function count(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) refuse(`${field} must be an integer >= 0`);
  return value;
}

function entries(value: unknown, field: string, max: number): [string, unknown][] {
  if (!isRecord(value)) refuse(`${field} must be an object`);
  const list = Object.entries(value);
  if (list.length > max) refuse(`${field} has more than ${max} entries`);
  return list;
}

function partial(value: unknown, field: string): ClusterPartial {
  if (!isRecord(value)) refuse(`${field} must be an object`);
  const live = count(value.live, `${field}.live`);
  const matching = count(value.matching, `${field}.matching`);
  if (matching > live) refuse(`${field}.matching must not exceed live`);
  const hosts = value.hosts;
  if (!Array.isArray(hosts) || hosts.length > PROTOCOL_LIMITS.maxHosts) refuse(`${field}.hosts must be an array of at most ${PROTOCOL_LIMITS.maxHosts} names`);
  return { live, matching, hosts: hosts.map((h, i) => str(h, `${field}.hosts[${i}]`)) };
}

/**
 * Decodes and validates a message; never throws. Unknown fields are
 * ignored (a newer engine may add some); a wrong version, a missing field or
 * a value out of range refuses the whole message with the reason.
 *
 * @example
 * const d = decodeMessage(Buffer.from("{}"));
 * d.ok; // false
 * d.ok || d.reason; // "v must be 1"
 */
export function decodeMessage(bytes: Buffer | string): Decoded {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof bytes === "string" ? bytes : bytes.toString("utf8"));
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  try {
    if (!isRecord(raw)) refuse("message must be a JSON object");
    if (raw.v !== PROTOCOL_VERSION) refuse(`v must be ${PROTOCOL_VERSION}`);
    const engine = str(raw.engine, "engine");
    const time = num(raw.time, "time", 0);
    const seq = count(raw.seq, "seq");
    const ttl = num(raw.ttl, "ttl", 0);
    if (typeof raw.leader !== "boolean") refuse("leader must be a boolean");
    if (!Array.isArray(raw.slots) || raw.slots.length > PROTOCOL_LIMITS.maxSlots) refuse(`slots must be an array of at most ${PROTOCOL_LIMITS.maxSlots}`);
    const slots = raw.slots.map((s: unknown, i: number): SlotReport => {
      if (!isRecord(s)) refuse(`slots[${i}] must be an object`);
      const aggregates = new Map<string, ClusterPartial>();
      for (const [id, p] of entries(s.aggregates, `slots[${i}].aggregates`, PROTOCOL_LIMITS.maxAggregates)) {
        aggregates.set(str(id, `slots[${i}] aggregate id`), partial(p, `slots[${i}].aggregates[${JSON.stringify(id)}]`));
      }
      return { slot: str(s.slot, `slots[${i}].slot`), since: num(s.since, `slots[${i}].since`, 0), aggregates };
    });
    let alerts: AlertView | undefined;
    if (raw.alerts !== undefined && raw.alerts !== null) {
      const a = raw.alerts;
      if (!isRecord(a)) refuse("alerts must be an object");
      const keys = new Map<string, string>();
      for (const [key, sig] of entries(a.keys, "alerts.keys", PROTOCOL_LIMITS.maxAlerts)) keys.set(str(key, "alerts key"), str(sig, `alerts.keys[${JSON.stringify(key)}]`));
      alerts = { from: str(a.from, "alerts.from"), at: num(a.at, "alerts.at", 0), keys };
    }
    return { ok: true, message: { v: PROTOCOL_VERSION, engine, time, seq, ttl, leader: raw.leader, slots, alerts } };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.message };
    throw err;
  }
}
