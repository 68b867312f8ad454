/**
 * Helpers for the alerting tests: an `Alerting` on a virtual clock and an
 * in-memory (or file) store, a fake notifier that records what it is given,
 * and builders of page/resolve intents shaped like the ones `page()` and
 * `resolve()` emit. Test-only; nothing in the product imports this file.
 */
import type { PageAlerting, PageIntent, ResolveIntent, Severity } from "../rules/intents.ts";
import { openDatabase, type Db } from "../store/database.ts";
import { VirtualClock } from "../streams/clock.ts";
import { makeEvent } from "../streams/event.ts";
import { Alerting } from "./alerting.ts";
import type { Notification, Notifier } from "./notifier.ts";

/** The start of every test clock: 2023-11-14T22:13:20Z. */
export const T0 = 1_700_000_000;

/** A notifier that keeps every notification, with shortcuts to count them. */
export class RecordingNotifier implements Notifier {
  readonly sent: Notification[] = [];
  enqueue(n: Notification): void {
    this.sent.push(n);
  }
  /** The notifications with this action. */
  of(action: Notification["action"]): Notification[] {
    return this.sent.filter((n) => n.action === action);
  }
  get triggers(): number {
    return this.of("trigger").length;
  }
  get resolves(): number {
    return this.of("resolve").length;
  }
}

/** A test rig: the alerting, its clock, its notifier and its database. */
export interface Rig {
  readonly alerting: Alerting;
  readonly clock: VirtualClock;
  readonly notifier: RecordingNotifier;
  readonly db: Db;
  readonly errors: unknown[];
}

/** Builds an `Alerting` on `:memory:` (or `db`) with a virtual clock at `T0` (or `clock`). */
export function rig(options: unknown = undefined, existing: { db?: Db; clock?: VirtualClock; notifier?: RecordingNotifier; webUrl?: string } = {}): Rig {
  const clock = existing.clock ?? new VirtualClock(T0);
  const db = existing.db ?? openDatabase(":memory:");
  const notifier = existing.notifier ?? new RecordingNotifier();
  const errors: unknown[] = [];
  const alerting = new Alerting({ db, clock, notifier, options, webUrl: existing.webUrl, onError: (e) => errors.push(e) });
  return { alerting, clock, notifier, db, errors };
}

/** A page intent of rule `rule` about `host` (subject = host), at the clock's time. */
export function page(clock: VirtualClock, host: string | undefined, fields: { rule?: string; severity?: Severity; summary?: string; alerting?: PageAlerting; service?: string; attributes?: Record<string, string> } = {}): PageIntent {
  const rule = fields.rule ?? "disk/full";
  const subject = host ?? "*";
  const event = makeEvent({ host: host ?? "*", service: fields.service ?? "disk /", time: clock.now(), state: "critical", metric: 0.97, attributes: fields.attributes });
  const intent: PageIntent = {
    kind: "page",
    rule,
    key: `${rule}:${subject}`,
    severity: fields.severity ?? "error",
    summary: fields.summary ?? `${subject}: disk full`,
    time: clock.now(),
    host,
    service: fields.service ?? "disk /",
    evidence: [event],
  };
  return fields.alerting === undefined ? intent : { ...intent, alerting: fields.alerting };
}

/** The resolve matching `page(clock, host, {rule})`. */
export function resolve(clock: VirtualClock, host: string | undefined, rule = "disk/full"): ResolveIntent {
  return { kind: "resolve", rule, key: `${rule}:${host ?? "*"}`, time: clock.now() };
}
