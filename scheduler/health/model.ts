/**
 * The whitelist model of one host, as plain data and pure functions over it:
 * Satellite's managed side (here: one objection per rule — drain or
 * blacklist — applied, overridden by an operator, or held by a guard) and
 * manual side (operator events with a TTL, the latest one deciding), the
 * return damping, and what follows from them: the manual and managed flags,
 * the host's `HostStatus`, the short state label of the audit log, and the
 * JSON body of Satellite's `/whitelist` endpoints.
 */
import type { HostStatus } from "../host-health.ts";

/** What a rule asked for: drain (no new tasks, running ones get a deadline) or blacklist (no new tasks, until the TTL runs out). */
export type ObjectionKind = "drain" | "blacklist";

/**
 * Where a rule's objection stands: `applied` (the host is out because of
 * it), `overridden` (an operator's "ok" keeps the host in; it takes effect
 * when the override ends), or `held` (a guard, or an unregistered host,
 * kept it from being applied; retried when room frees).
 */
export type ObjectionStatus = "applied" | "overridden" | "held";

/** Why an objection is held: a guard refused it (this pages), or the host is not registered (this does not). */
export type HeldKind = "guard" | "unregistered";

/** One rule's objection to one host. Values are replaced, never mutated. */
export interface Objection {
  readonly host: string;
  /** The rule file's name; one objection per rule and host. */
  readonly rule: string;
  readonly kind: ObjectionKind;
  readonly reason: string;
  /** When the rule first objected (unix seconds). */
  readonly since: number;
  /** When the rule last sent this objection. */
  readonly updated: number;
  /** Seconds the rule asked for; null: until restored. */
  readonly ttl: number | null;
  /** When it runs out (the intent's arrival + ttl; a held action keeps its original end), or null. */
  readonly expiresAt: number | null;
  /** Drains while applied: when running tasks are killed and requeued. */
  readonly deadline: number | null;
  readonly status: ObjectionStatus;
  readonly heldKind: HeldKind | null;
  readonly heldBecause: string | null;
  /** Order of arrival; held objections are retried in this order. */
  readonly seq: number;
}

/** An operator's manual event (Satellite's manual-events): "ok" keeps the host in, "critical" keeps it out, until `expiresAt`. */
export interface ManualEvent {
  readonly host: string;
  /** The event id of `POST /whitelist/host/{host}/event/{id}`. */
  readonly id: string;
  readonly state: "ok" | "critical";
  /** When it was posted (unix seconds); the latest event decides the manual flag. */
  readonly time: number;
  readonly ttl: number;
  readonly expiresAt: number;
  readonly description: string;
  /** Who posted it ("operator:<name>"). */
  readonly who: string;
  readonly seq: number;
}

/** Everything known about one host beyond its registration. */
export interface HostRecord {
  readonly host: string;
  /** By rule name. */
  readonly objections: Map<string, Objection>;
  /** By event id. */
  readonly manual: Map<string, ManualEvent>;
  /** Flap damping: when a host that automation took out comes back (null: not returning). */
  returningAt: number | null;
}

const MAX_NAME = 255;

/**
 * Why `name` is not an acceptable host name (1 to 255 characters, no
 * control characters, no "/", not the cluster host "*"), or undefined when it is.
 *
 * @example
 * hostNameProblem("web1"); // undefined
 * hostNameProblem("*"); // "host must not be \"*\" (the cluster)"
 */
export function hostNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string" || name.length === 0) return "host must be a non-empty string";
  if (name.length > MAX_NAME) return `host must be at most ${MAX_NAME} characters`;
  if (name === "*") return 'host must not be "*" (the cluster)';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f/\s]/.test(name)) return "host must not contain whitespace, control characters or /";
  return undefined;
}

/** Satellite's whitelist flags. */
export type Flag = "on" | "off";

/**
 * A new, empty record.
 *
 * @example
 * const rec = emptyRecord("web1");
 */
export function emptyRecord(host: string): HostRecord {
  return { host, objections: new Map(), manual: new Map(), returningAt: null };
}

/**
 * True when the record holds nothing (it can be forgotten).
 *
 * @example
 * isEmptyRecord(emptyRecord("web1")); // true
 */
export function isEmptyRecord(rec: HostRecord): boolean {
  return rec.objections.size === 0 && rec.manual.size === 0 && rec.returningAt === null;
}

/**
 * The manual event that decides the manual flag: the one with the latest
 * `time`, the later posted one on a tie (Satellite's `recompute-manual-flag`).
 *
 * @example
 * latestManual(rec)?.state; // "critical"
 */
export function latestManual(rec: HostRecord | undefined): ManualEvent | undefined {
  let best: ManualEvent | undefined;
  if (rec === undefined) return undefined;
  for (const m of rec.manual.values()) if (best === undefined || m.time > best.time || (m.time === best.time && m.seq > best.seq)) best = m;
  return best;
}

/**
 * Satellite's manual flag: "on" when the latest manual event is "ok", "off" when it is "critical", null without manual events.
 *
 * @example
 * manualFlag(emptyRecord("web1")); // null
 */
export function manualFlag(rec: HostRecord | undefined): Flag | null {
  const m = latestManual(rec);
  return m === undefined ? null : m.state === "ok" ? "on" : "off";
}

/**
 * True when some rule's objection is in force on the managed side (applied,
 * or overridden by an operator) or the host is returning: Satellite's
 * managed flag "off".
 *
 * @example
 * managedOff(emptyRecord("web1")); // false
 */
export function managedOff(rec: HostRecord | undefined): boolean {
  if (rec === undefined) return false;
  if (rec.returningAt !== null) return true;
  for (const o of rec.objections.values()) if (o.status !== "held") return true;
  return false;
}

/**
 * True when the host is out and automation is (one of) the reasons: an
 * applied objection or the return damping, and no operator "ok" overriding
 * them (objections an "ok" set aside do not count: they pass the guards
 * again when the "ok" ends). Registration is the caller's to check. These
 * hosts count against the fraction guard.
 *
 * @example
 * outByAutomation(rec); // true for a drained host
 */
export function outByAutomation(rec: HostRecord | undefined): boolean {
  if (rec === undefined || manualFlag(rec) === "on") return false;
  if (rec.returningAt !== null) return true;
  for (const o of rec.objections.values()) if (o.status === "applied") return true;
  return false;
}

/**
 * True when the host's whitelist flag is on: the manual flag when set, else the managed one.
 *
 * @example
 * whitelistOn(undefined); // true: a host nobody objects to is in
 */
export function whitelistOn(rec: HostRecord | undefined): boolean {
  const manual = manualFlag(rec);
  return manual === null ? !managedOff(rec) : manual === "on";
}

function applied(rec: HostRecord, kind: ObjectionKind): Objection[] {
  const out: Objection[] = [];
  for (const o of rec.objections.values()) if (o.status === "applied" && o.kind === kind) out.push(o);
  return out;
}

/**
 * The earliest drain deadline of the applied drains, or undefined.
 *
 * @example
 * drainDeadline(rec); // 1700000600
 */
export function drainDeadline(rec: HostRecord | undefined): number | undefined {
  if (rec === undefined) return undefined;
  let deadline: number | undefined;
  for (const o of applied(rec, "drain")) if (o.deadline !== null && (deadline === undefined || o.deadline < deadline)) deadline = o.deadline;
  return deadline;
}

/**
 * A short label of the host's state for the audit log's old → new columns:
 * "in (operator)", "out (operator)", "draining", "blacklisted",
 * "returning", "in".
 *
 * @example
 * stateLabel(undefined); // "in"
 */
export function stateLabel(rec: HostRecord | undefined): string {
  const manual = manualFlag(rec);
  if (manual === "on") return "in (operator)";
  if (manual === "off") return "out (operator)";
  if (rec === undefined) return "in";
  if (applied(rec, "drain").length > 0) return "draining";
  if (applied(rec, "blacklist").length > 0) return "blacklisted";
  if (rec.returningAt !== null) return "returning";
  return "in";
}

/**
 * An ISO-8601 rendering of unix seconds, for people.
 *
 * @example
 * iso(0); // "1970-01-01T00:00:00.000Z"
 */
export function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function describeObjection(o: Objection): string {
  const until = o.expiresAt === null ? "" : `, until ${iso(o.expiresAt)}`;
  return `${o.kind} by rule "${o.rule}": ${o.reason}${until}`;
}

function describeManual(m: ManualEvent): string {
  const what = m.description === "" ? "" : `: ${m.description}`;
  return `operator ${m.state === "ok" ? "ok" : "critical"} (event "${m.id}" by ${m.who}${what}, until ${iso(m.expiresAt)})`;
}

/**
 * Human notes on the host: the deciding manual event, each objection
 * (applied, overridden or held) and the return damping. Shown by the
 * whitelist endpoints; `hostStatus` uses the ones that keep a host out.
 *
 * @example
 * notes(rec); // ['drain by rule "all-checks-pass": failing checks: df']
 */
export function notes(rec: HostRecord | undefined): string[] {
  if (rec === undefined) return [];
  const out: string[] = [];
  const manual = latestManual(rec);
  if (manual !== undefined) out.push(describeManual(manual));
  for (const o of rec.objections.values()) {
    if (o.status === "applied") out.push(describeObjection(o));
    else if (o.status === "overridden") out.push(`ignored (operator decision): ${describeObjection(o)}`);
    else out.push(`held (${o.heldBecause ?? "guard"}): ${describeObjection(o)}`);
  }
  if (rec.returningAt !== null) out.push(`returning: no objection since damping started, back at ${iso(rec.returningAt)}`);
  return out;
}

const NO_REASONS: readonly string[] = Object.freeze([]);
const NOT_REGISTERED_REASONS: readonly string[] = Object.freeze(["not registered"]);

/** The status of a host that is not registered: never schedulable. */
export const NOT_REGISTERED: HostStatus = Object.freeze({ schedulable: false, reasons: NOT_REGISTERED_REASONS });

/** The status of a registered host nobody keeps out. */
export const HEALTHY: HostStatus = Object.freeze({ schedulable: true, reasons: NO_REASONS });

/**
 * The scheduler's view of a host: schedulable when registered and its
 * whitelist flag is on; `draining` while an applied drain keeps it out;
 * `reasons` say why it is out (empty when schedulable).
 *
 * @example
 * hostStatus(undefined, true); // { schedulable: true, reasons: [] }
 * hostStatus(undefined, false); // { schedulable: false, reasons: ["not registered"] }
 */
export function hostStatus(rec: HostRecord | undefined, registered: boolean): HostStatus {
  if (!registered) return NOT_REGISTERED;
  if (rec === undefined || whitelistOn(rec)) return HEALTHY;
  const reasons: string[] = [];
  const manual = latestManual(rec);
  if (manual !== undefined && manual.state === "critical") reasons.push(describeManual(manual));
  for (const o of rec.objections.values()) if (o.status === "applied") reasons.push(describeObjection(o));
  if (rec.returningAt !== null) reasons.push(`returning: no objection since damping started, back at ${iso(rec.returningAt)}`);
  const deadline = drainDeadline(rec);
  return deadline === undefined ? { schedulable: false, reasons } : { schedulable: false, draining: { deadline }, reasons };
}

/** One managed event in the whitelist body: a rule's objection as a Riemann-style event (service = rule). */
export interface ManagedEventView {
  readonly host: string;
  readonly service: string;
  readonly state: "critical";
  readonly description: string;
  readonly time: number;
  readonly ttl: number | null;
  readonly action: ObjectionKind;
  readonly status: ObjectionStatus;
  readonly since: number;
  readonly "expires-at": number | null;
  readonly deadline: number | null;
  readonly "held-because": string | null;
}

/** One manual event in the whitelist body (service = event id). */
export interface ManualEventView {
  readonly host: string;
  readonly service: string;
  readonly state: "ok" | "critical";
  readonly description: string;
  readonly time: number;
  readonly ttl: number;
  readonly "expires-at": number;
  readonly by: string;
}

/**
 * The body Satellite's whitelist endpoints return per host (its
 * `whitelist-data`: managed-events, manual-events, managed-flag,
 * manual-flag), plus what Satellite left implicit: the effective flag, the
 * registration, schedulability, the drain deadline, the return damping and
 * human notes.
 */
export interface WhitelistData {
  readonly "managed-events": Record<string, ManagedEventView>;
  readonly "manual-events": Record<string, ManualEventView>;
  readonly "managed-flag": Flag;
  readonly "manual-flag": Flag | null;
  readonly flag: Flag;
  readonly registered: boolean;
  readonly schedulable: boolean;
  readonly draining: { readonly deadline: number } | null;
  readonly "returning-at": number | null;
  readonly notes: readonly string[];
}

/**
 * The whitelist body of a host.
 *
 * @example
 * whitelistData(undefined, true)["managed-flag"]; // "on"
 */
export function whitelistData(rec: HostRecord | undefined, registered: boolean): WhitelistData {
  const managed: Record<string, ManagedEventView> = {};
  const manual: Record<string, ManualEventView> = {};
  if (rec !== undefined) {
    for (const o of rec.objections.values()) {
      managed[o.rule] = {
        host: o.host,
        service: o.rule,
        state: "critical",
        description: o.reason,
        time: o.updated,
        ttl: o.ttl,
        action: o.kind,
        status: o.status,
        since: o.since,
        "expires-at": o.expiresAt,
        deadline: o.deadline,
        "held-because": o.heldBecause,
      };
    }
    for (const m of rec.manual.values()) {
      manual[m.id] = { host: m.host, service: m.id, state: m.state, description: m.description, time: m.time, ttl: m.ttl, "expires-at": m.expiresAt, by: m.who };
    }
  }
  const status = hostStatus(rec, registered);
  return {
    "managed-events": managed,
    "manual-events": manual,
    "managed-flag": managedOff(rec) ? "off" : "on",
    "manual-flag": manualFlag(rec),
    flag: whitelistOn(rec) ? "on" : "off",
    registered,
    schedulable: status.schedulable,
    draining: status.draining ?? null,
    "returning-at": rec?.returningAt ?? null,
    notes: notes(rec),
  };
}
