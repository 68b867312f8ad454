/**
 * Host health: Satellite's whitelist model behind the scheduler's
 * `HostHealthView`. Rules' host intents (drain, blacklist, restore) set the
 * managed side, one objection per rule and host; operators' manual events
 * (with a TTL) set the manual side, which wins in both directions. Every
 * automated removal passes the guards (inventory minimum, fraction cap,
 * sliding rate window); what they refuse is held, retried when room frees,
 * and pages "remediation guard engaged" instead. A host that automation
 * took out returns only after a damping time without objection. Every
 * change is written through to SQLite in one transaction together with its
 * audit entry, and timers (TTLs, damping, drain deadlines) are recomputed
 * from the stored state on load.
 */
import type { Db } from "../../store/database.ts";
import type { Clock, Timer } from "../../streams/clock.ts";
import type { Event } from "../../streams/event.ts";
import type { HostIntent, IntentSink } from "../../rules/intents.ts";
import type { HostHealthView, HostInventory, HostStatus } from "../host-health.ts";
import { checkRemoval, guardPageSummary, outCap, type GuardVerdict } from "./guard.ts";
import {
  emptyRecord,
  HEALTHY,
  hostNameProblem,
  hostStatus,
  isEmptyRecord,
  iso,
  manualFlag,
  NOT_REGISTERED,
  outByAutomation,
  stateLabel,
  whitelistData,
  type HeldKind,
  type HostRecord,
  type ManualEvent,
  type Objection,
  type ObjectionKind,
  type WhitelistData,
} from "./model.ts";
import { resolveHostHealthOptions, type HostHealthOptions } from "./options.ts";
import { HealthStore, type AuditEntry, type NewAuditEntry } from "./store.ts";

/** Rule name of the guard's page. */
export const GUARD_RULE = "scheduler/remediation guard";

/** Stable dedup key of the guard's page (`${rule}:${subject}`, subject "*": the whole fleet). */
export const GUARD_KEY = `${GUARD_RULE}:*`;

/** Severity of a host health log line. */
export type HealthLogLevel = "info" | "warn" | "error";

/** Receives host health's log lines. */
export type HealthLog = (level: HealthLogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => void;

/** What `HostHealth` is built from. */
export interface HostHealthDeps {
  /** The store; host health migrates and owns the scheduler_health_* tables. */
  readonly db: Db;
  readonly clock: Clock;
  /** The scheduler's registered hosts: the fleet the guards count against. */
  readonly inventory: HostInventory;
  /** Where the guard's page and resolve go (alerting). Default: logged only. */
  readonly sink?: IntentSink | undefined;
  /** Raw settings, validated by `resolveHostHealthOptions`. */
  readonly options?: unknown;
  /** Default: warnings and errors as JSON lines on stderr. */
  readonly log?: HealthLog | undefined;
  /**
   * Called with each audit entry after the transaction that wrote it
   * committed (entries of a rolled-back transaction are never passed), in
   * the order they were written. For mirrors such as Elasticsearch; must
   * not call back into host health. What it throws is logged.
   */
  readonly onAudit?: ((entry: AuditEntry) => void) | undefined;
}

/** What an operator asks with a manual event. */
export interface ManualInput {
  readonly state: "ok" | "critical";
  /** Seconds; default `manualDefaultTtlSeconds`. */
  readonly ttlSeconds?: number | undefined;
  readonly description?: string | undefined;
}

/** One held action, for people. */
export interface HeldAction {
  readonly host: string;
  readonly rule: string;
  readonly kind: ObjectionKind;
  readonly reason: string;
  readonly because: string;
  readonly heldKind: HeldKind;
  readonly since: number;
}

/** The guards' state, for the UI and the CLI. */
export interface GuardState {
  /** True while a guard holds back some rule's action (the page is open). */
  readonly engaged: boolean;
  readonly registered: number;
  /** Most hosts automation may have out now. */
  readonly cap: number;
  readonly outByAutomation: number;
  readonly removalsInWindow: number;
  readonly held: readonly HeldAction[];
}

/** Which hosts `whitelist` lists: Satellite's `on`, `off`, `all`. */
export type WhitelistFilter = "on" | "off" | "all";

const MAX_TEXT = 8192;
const PAGE_OPEN = "guardPageOpen";
/** The audit log's host for notes about the whole fleet. */
const FLEET = "*";
const DAY = 86_400;
/** After a failed transaction, timers wait this long before trying again. */
const FAILURE_BACKOFF_SECONDS = 5;

const stderrLog: HealthLog = (level, message, fields) => {
  if (level === "info") return;
  process.stderr.write(`${JSON.stringify({ level, component: "host-health", message, ...fields })}\n`);
};

/**
 * The whitelist, its actions and guards. Implements the scheduler's
 * `HostHealthView`; `handle` is the entry point of rules' host intents, the
 * whitelist router calls the operator methods.
 *
 * Differs from Satellite: one managed objection per rule (a rule's restore
 * lifts only its own drain), a registered host nobody objects to is in (in
 * Satellite a host with no flags was off), automation passes guards, and
 * returns are damped.
 *
 * @example
 * const health = new HostHealth({ db: openStore("data"), clock: new RealClock(), inventory: scheduler, sink: alerting.sink });
 * health.handle({ kind: "drain", rule: "all-checks-pass", host: "web1", reason: "failing checks: df", time: clock.now() });
 * health.status("web1"); // { schedulable: false, draining: { deadline: now + 600 }, reasons: [...] }
 */
export class HostHealth implements HostHealthView {
  /** The resolved settings. */
  readonly options: HostHealthOptions;
  private readonly store: HealthStore;
  private readonly clock: Clock;
  private readonly inventory: HostInventory;
  private readonly sink: IntentSink | undefined;
  private readonly log: HealthLog;
  private readonly onAudit: ((entry: AuditEntry) => void) | undefined;
  /** Audit entries written inside a transaction still open, for `onAudit`. */
  private readonly uncommitted: AuditEntry[] = [];
  private readonly records = new Map<string, HostRecord>();
  private readonly statusCache = new Map<string, HostStatus>();
  private readonly hostTimers = new Map<string, Timer>();
  /** Held objections by `${host}\u0000${rule}`. */
  private readonly held = new Map<string, Objection>();
  /** Hosts out because of automation (registration not considered). */
  private readonly autoOut = new Set<string>();
  private removals: { time: number; host: string }[] = [];
  private readonly listeners = new Set<(host: string) => void>();
  private readonly touched = new Set<string>();
  private seq = 1;
  private pageOpen = false;
  private inMutation = false;
  private roomFreed = false;
  private guardTimer: Timer | undefined;
  private retryTimer: Timer | undefined;
  private lastAuditPrune = -Infinity;
  /** When a transaction last failed (store full, disk error). */
  private failedAt = -Infinity;
  private closed = false;

  /** Opens host health on `deps.db`: migrates, loads the stored state and arms its timers. Throws on invalid options, naming the field. */
  constructor(deps: HostHealthDeps) {
    this.options = resolveHostHealthOptions(deps.options);
    this.store = new HealthStore(deps.db);
    this.clock = deps.clock;
    this.inventory = deps.inventory;
    this.sink = deps.sink;
    this.log = deps.log ?? stderrLog;
    this.onAudit = deps.onAudit;
    this.load();
  }

  // ---- HostHealthView -------------------------------------------------------

  /** The scheduler's view of `host` (a map lookup once computed). Unregistered hosts are not schedulable. */
  status(host: string): HostStatus {
    if (!this.inventory.isRegistered(host)) return NOT_REGISTERED;
    const cached = this.statusCache.get(host);
    if (cached !== undefined) return cached;
    const rec = this.records.get(host);
    if (rec === undefined) return HEALTHY;
    const status = hostStatus(rec, true);
    this.statusCache.set(host, status);
    return status;
  }

  /** Calls `listener(host)` after every committed change that may affect `host`'s status (and at its drain deadline). */
  onChange(listener: (host: string) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  // ---- rules ---------------------------------------------------------------

  /**
   * The sink of rules' host intents. `drain` and `blacklist` record the
   * rule's objection to the host — applied, held by a guard, held until the
   * host registers, or ignored while an operator's "ok" is in force — and
   * `restore` lifts it (the host returns after the damping time when no
   * other objection remains). Throws on a malformed intent.
   *
   * @example
   * health.handle({ kind: "blacklist", rule: "task-black-hole", host: "web1", reason: "tasks fail", ttl: 3600, time: clock.now() });
   */
  handle(intent: HostIntent): void {
    const problem = hostNameProblem(intent.host);
    if (problem !== undefined) throw new Error(`host health: ${intent.kind} intent of rule ${JSON.stringify(intent.rule)}: ${problem}, got ${JSON.stringify(intent.host)}`);
    if (typeof intent.rule !== "string" || intent.rule.length === 0) throw new Error(`host health: ${intent.kind} intent for ${intent.host}: rule must be a non-empty string`);
    if (intent.kind !== "drain" && intent.kind !== "blacklist" && intent.kind !== "restore") throw new Error(`host health: unknown host intent kind ${JSON.stringify(intent.kind)}`);
    const ttl = intent.ttl;
    if (ttl !== undefined && (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl <= 0)) throw new Error(`host health: ${intent.kind} intent of rule "${intent.rule}": ttl must be a positive number of seconds, got ${String(ttl)}`);
    if (intent.kind === "blacklist" && ttl === undefined) throw new Error(`host health: blacklist intent of rule "${intent.rule}" for ${intent.host} needs a ttl`);
    const reason = String(intent.reason ?? "").slice(0, MAX_TEXT);
    const now = this.clock.now();
    if (intent.kind === "restore") {
      // Rules send a restore as their first verdict on every host: most are no-ops and write nothing.
      const rec = this.records.get(intent.host);
      if (rec === undefined || !rec.objections.has(intent.rule)) return;
      this.mutate(() => this.lift(rec, intent.rule, now, `rule:${intent.rule}`, "restore", reason));
      return;
    }
    const kind = intent.kind;
    this.mutate(() => {
      const rec = this.recordOf(intent.host);
      const alreadyOut = this.autoOut.has(rec.host);
      this.object(rec, { rule: intent.rule, kind, reason, ttl: ttl ?? null, expiresAt: ttl === undefined ? null : now + ttl }, now, alreadyOut, kind, "");
    });
  }

  // ---- operators -------------------------------------------------------------

  /**
   * Adds or replaces the operator's manual event `id` on `host` (Satellite's
   * `POST /whitelist/host/{host}/event/{id}`): "ok" keeps the host in and
   * "critical" keeps it out until the TTL runs out, whatever rules say; the
   * latest manual event decides. Never guarded. Returns the host's data.
   *
   * @example
   * health.setManual("web1", "maintenance", { state: "critical", ttlSeconds: 7200, description: "disk swap" }, "operator:ann");
   */
  setManual(host: string, id: string, input: ManualInput, who: string): WhitelistData {
    const ttl = input.ttlSeconds ?? this.options.manualDefaultTtlSeconds;
    if (!(ttl > 0) || !Number.isFinite(ttl)) throw new RangeError(`ttl must be a positive number of seconds, got ${ttl}`);
    const now = this.clock.now();
    this.mutate(() => {
      const rec = this.recordOf(host);
      const from = stateLabel(rec);
      const wasFlag = manualFlag(rec);
      const wasOut = this.autoOut.has(host);
      const event: ManualEvent = { host, id, state: input.state, time: now, ttl, expiresAt: now + ttl, description: (input.description ?? "").slice(0, MAX_TEXT), who, seq: this.seq++ };
      rec.manual.set(id, event);
      this.store.putManual(event);
      const effects = this.setAsideForOperator(rec, wasFlag);
      this.touch(rec);
      this.audit(rec, who, `manual-${input.state}`, ["applied", ...effects].join("; "), event.description, from, { event: id, ttl, expiresAt: event.expiresAt });
      this.reapplyAfterOperator(rec, wasFlag, wasOut, now);
    });
    return this.hostData(host)!;
  }

  /**
   * Deletes the manual event `id` of `host`; the latest remaining one (or,
   * with none, the rules) decides again. False when there was no such event.
   *
   * @example
   * health.deleteManual("web1", "maintenance", "operator:ann"); // true
   */
  deleteManual(host: string, id: string, who: string): boolean {
    const rec = this.records.get(host);
    if (rec === undefined || !rec.manual.has(id)) return false;
    const now = this.clock.now();
    this.mutate(() => this.dropManual(rec, id, now, who, "manual-delete", `operator deleted manual event "${id}"`));
    return true;
  }

  /**
   * Forgets everything about `host` — manual events, rules' objections
   * (held ones too), the return damping — like Satellite's
   * `DELETE /whitelist/host/{host}`. Its history stays. False when nothing
   * was known about it.
   *
   * @example
   * health.deleteHost("web1", "operator:ann"); // true
   */
  deleteHost(host: string, who: string): boolean {
    const rec = this.records.get(host);
    if (rec === undefined || isEmptyRecord(rec)) return false;
    this.mutate(() => {
      const from = stateLabel(rec);
      const detail = { objections: [...rec.objections.values()].map((o) => `${o.kind} by rule "${o.rule}" (${o.status})`), manualEvents: [...rec.manual.keys()], returningAt: rec.returningAt };
      for (const o of rec.objections.values()) this.held.delete(heldKey(o.host, o.rule));
      rec.objections.clear();
      rec.manual.clear();
      rec.returningAt = null;
      this.store.deleteHost(host);
      this.touch(rec);
      this.audit(rec, who, "host-delete", "applied", "operator deleted the host's whitelist record", from, detail);
    });
    return true;
  }

  // ---- reads -------------------------------------------------------------------

  /** True when `host` is registered or has whitelist state. */
  knows(host: string): boolean {
    return this.inventory.isRegistered(host) || this.records.has(host);
  }

  /**
   * The host's whitelist body (Satellite's whitelist-data and more), or
   * undefined for a host neither registered nor known.
   *
   * @example
   * health.hostData("web1")?.["manual-flag"]; // "off"
   */
  hostData(host: string): WhitelistData | undefined {
    if (!this.knows(host)) return undefined;
    return whitelistData(this.records.get(host), this.inventory.isRegistered(host));
  }

  /**
   * Host → whitelist body for the registered and known hosts, sorted by
   * name, keeping those whose flag is on (`on`), off (`off`), or all.
   *
   * @example
   * Object.keys(health.whitelist("off")); // ["web3"]
   */
  whitelist(filter: WhitelistFilter): Record<string, WhitelistData> {
    const hosts = new Set(this.inventory.registeredHosts());
    for (const h of this.records.keys()) hosts.add(h);
    const out: Record<string, WhitelistData> = {};
    for (const host of [...hosts].sort()) {
      const data = whitelistData(this.records.get(host), this.inventory.isRegistered(host));
      if (filter === "all" || data.flag === filter) out[host] = data;
    }
    return out;
  }

  /**
   * The newest audit entries of `host` (of every host when undefined), newest
   * first, `limit` at most, below id `before` for paging.
   *
   * @example
   * health.history("web1", { limit: 20 })[0]?.outcome; // "applied"
   */
  history(host: string | undefined, page: { readonly limit?: number; readonly before?: number } = {}): AuditEntry[] {
    return this.store.history(host, page.limit ?? 100, page.before);
  }

  /**
   * The guards' numbers and the held actions.
   *
   * @example
   * health.guardState().held.length; // 5
   */
  guardState(): GuardState {
    const now = this.clock.now();
    const registered = this.inventory.registeredHosts().length;
    const held: HeldAction[] = [];
    for (const o of [...this.held.values()].sort((a, b) => a.seq - b.seq)) {
      held.push({ host: o.host, rule: o.rule, kind: o.kind, reason: o.reason, because: o.heldBecause ?? "", heldKind: o.heldKind ?? "guard", since: o.updated });
    }
    return {
      engaged: this.guardHeldCount() > 0,
      registered,
      cap: outCap(registered, this.options.maxOutFraction),
      outByAutomation: this.countOut(undefined),
      removalsInWindow: this.removalsInWindow(now),
      held,
    };
  }

  /**
   * Appends a note about the whole fleet (host "*") to the audit log, e.g.
   * why the Mesos whitelist file was kept as it was.
   *
   * @example
   * new MesosWhitelistExport({ ..., onSkip: (reason) => health.recordNote("mesos-export-kept", reason) });
   */
  recordNote(action: string, reason: string, who = "system"): void {
    this.appendAudit({ time: this.clock.now(), host: FLEET, who, action, outcome: "noted", reason, from: "", to: "", detail: null });
  }

  // ---- wiring ------------------------------------------------------------------

  /** Tells host health the inventory changed (hosts registered or left): held actions are retried now. */
  reconcile(): void {
    if (this.closed) return;
    this.roomFreed = true;
    this.housekeeping(this.clock.now());
  }

  /** Cancels every timer and drops the listeners; the database stays open (it is the caller's). */
  close(): void {
    this.closed = true;
    for (const t of this.hostTimers.values()) t.cancel();
    this.hostTimers.clear();
    this.guardTimer?.cancel();
    this.retryTimer?.cancel();
    this.guardTimer = undefined;
    this.retryTimer = undefined;
    this.listeners.clear();
  }

  // ---- the model's transitions (run inside `mutate`) -----------------------------

  /**
   * Records a rule's objection, deciding its status: ignored while an
   * operator's "ok" is in force, held for an unregistered host, applied
   * without a guard on a host already out by automation, else applied when
   * the guards allow and held when they refuse.
   */
  private object(rec: HostRecord, req: { rule: string; kind: ObjectionKind; reason: string; ttl: number | null; expiresAt: number | null }, now: number, alreadyOut: boolean, action: string, note: string): void {
    const from = stateLabel(rec);
    const existing = rec.objections.get(req.rule);
    const decision = this.decide(rec, alreadyOut);
    let deadline: number | null = null;
    if (decision.status === "applied" && req.kind === "drain") {
      deadline = existing?.status === "applied" && existing.kind === "drain" && existing.deadline !== null ? existing.deadline : now + this.options.drainDeadlineSeconds;
    }
    const o: Objection = {
      host: rec.host,
      rule: req.rule,
      kind: req.kind,
      reason: req.reason,
      since: existing?.since ?? now,
      updated: now,
      ttl: req.ttl,
      expiresAt: req.expiresAt,
      deadline,
      status: decision.status,
      heldKind: decision.status === "held" ? decision.heldKind : null,
      heldBecause: decision.status === "held" ? decision.why : null,
      seq: existing?.seq ?? this.seq++,
    };
    this.putObjection(rec, o);
    const outcomes: string[] = [];
    if (decision.status === "overridden") outcomes.push("ignored: operator decision");
    else if (decision.status === "held") outcomes.push(decision.heldKind === "guard" ? `held by guard: ${decision.why}` : `held: ${decision.why}`);
    else {
      outcomes.push(existing?.status === "applied" ? "updated" : "applied");
      if (decision.newRemoval) this.addRemoval(now, rec.host, req.rule);
      if (rec.returningAt !== null) {
        this.setReturning(rec, null);
        outcomes.push("return damping restarts when the host is restored again");
      }
    }
    if (note !== "") outcomes.push(note);
    this.touch(rec);
    this.audit(rec, `rule:${req.rule}`, action, outcomes.join("; "), req.reason, from, {
      ttl: req.ttl,
      expiresAt: req.expiresAt,
      deadline,
      ...(decision.status === "held" ? { guard: decision.guard } : {}),
    });
  }

  private decide(rec: HostRecord, alreadyOut: boolean): { status: "applied"; newRemoval: boolean } | { status: "overridden" } | { status: "held"; heldKind: HeldKind; why: string; guard?: string } {
    if (manualFlag(rec) === "on") return { status: "overridden" };
    // A host already out by automation takes further objections without a guard: no host is added to the ones out.
    if (alreadyOut) return { status: "applied", newRemoval: false };
    if (!this.inventory.isRegistered(rec.host)) return { status: "held", heldKind: "unregistered", why: "host not registered" };
    const verdict: GuardVerdict = checkRemoval(
      { registered: this.inventory.registeredHosts().length, outByAutomation: this.countOut(rec.host), removalsInWindow: this.removalsInWindow(this.clock.now()) },
      this.options,
    );
    return verdict.allowed ? { status: "applied", newRemoval: true } : { status: "held", heldKind: "guard", why: verdict.why, guard: verdict.guard };
  }

  /** Lifts `rule`'s objection to the host (restore, TTL expiry); starts the return damping when it was the last one keeping the host out. */
  private lift(rec: HostRecord, rule: string, now: number, who: string, action: string, reason: string): void {
    const o = rec.objections.get(rule);
    if (o === undefined) return;
    const from = stateLabel(rec);
    const wasOut = this.autoOut.has(rec.host);
    this.removeObjection(rec, rule);
    const outcomes: string[] = [];
    if (o.status === "held") outcomes.push(`dropped the held ${o.kind}`);
    else if (o.status === "overridden") outcomes.push(`withdrew the ${o.kind} (it was ignored: operator decision)`);
    else {
      outcomes.push(`lifted the ${o.kind}`);
      const others = [...rec.objections.values()].filter((x) => x.status === "applied").map((x) => `rule "${x.rule}"`);
      if (others.length > 0) outcomes.push(`still out: ${others.join(", ")}`);
      else if (wasOut && this.options.returnDampingSeconds > 0) {
        this.setReturning(rec, now + this.options.returnDampingSeconds);
        outcomes.push(`returning at ${iso(now + this.options.returnDampingSeconds)} unless a rule objects again`);
      } else if (wasOut) outcomes.push("returned");
      if (manualFlag(rec) === "off") outcomes.push("host stays out: operator decision");
    }
    this.touch(rec);
    this.audit(rec, who, action, outcomes.join("; "), reason, from, { rule, kind: o.kind, status: o.status });
  }

  private dropManual(rec: HostRecord, id: string, now: number, who: string, action: string, reason: string): void {
    const m = rec.manual.get(id);
    if (m === undefined) return;
    const from = stateLabel(rec);
    const wasFlag = manualFlag(rec);
    const wasOut = this.autoOut.has(rec.host);
    rec.manual.delete(id);
    this.store.deleteManual(rec.host, id);
    const effects = this.setAsideForOperator(rec, wasFlag);
    this.touch(rec);
    this.audit(rec, who, action, ["applied", ...effects].join("; "), reason, from, { event: id, state: m.state });
    this.reapplyAfterOperator(rec, wasFlag, wasOut, now);
  }

  /**
   * When an operator's "ok" starts deciding: the rules' objections are set
   * aside (ignored: operator decision; they take effect again when the "ok"
   * ends) and a return damping ends. Returns what happened, for the audit.
   */
  private setAsideForOperator(rec: HostRecord, wasFlag: "on" | "off" | null): string[] {
    if (manualFlag(rec) !== "on" || wasFlag === "on") return [];
    const effects: string[] = [];
    for (const o of [...rec.objections.values()]) {
      if (o.status === "overridden") continue;
      this.putObjection(rec, { ...o, status: "overridden", deadline: null, heldKind: null, heldBecause: null });
      effects.push(`${o.kind} by rule "${o.rule}" ignored: operator decision`);
    }
    if (rec.returningAt !== null) {
      this.setReturning(rec, null);
      effects.push("return damping ended: operator decision");
    }
    return effects;
  }

  /**
   * When an operator's "ok" stops deciding (deleted, expired, or a later
   * "critical"): the objections set aside take effect again, each recorded
   * as its rule's action, through the guards like any automated removal.
   */
  private reapplyAfterOperator(rec: HostRecord, wasFlag: "on" | "off" | null, wasOut: boolean, now: number): void {
    if (wasFlag !== "on" || manualFlag(rec) === "on") return;
    let out = wasOut;
    for (const o of [...rec.objections.values()].sort((a, b) => a.seq - b.seq)) {
      if (o.status !== "overridden") continue;
      this.object(rec, { rule: o.rule, kind: o.kind, reason: o.reason, ttl: o.ttl, expiresAt: o.expiresAt }, now, out, o.kind, "the operator's ok ended");
      out = this.autoOut.has(rec.host);
    }
  }

  /** Tries every held action again, oldest first; only the ones whose status changes are recorded. */
  private retryHeld(now: number): void {
    for (const o of [...this.held.values()].sort((a, b) => a.seq - b.seq)) {
      const rec = this.records.get(o.host);
      if (rec === undefined || rec.objections.get(o.rule) !== o) continue;
      const alreadyOut = this.autoOut.has(rec.host);
      const d = this.decide(rec, alreadyOut);
      if (d.status === "held" && d.heldKind === o.heldKind) continue;
      this.object(rec, { rule: o.rule, kind: o.kind, reason: o.reason, ttl: o.ttl, expiresAt: o.expiresAt }, now, alreadyOut, o.kind, `retried (held since ${iso(o.updated)})`);
    }
  }

  /** Everything due on `host` at `now`: manual events and objections whose TTL ran out, the end of the return damping, a drain deadline. */
  private hostDue(host: string, now: number): void {
    const rec = this.records.get(host);
    if (rec === undefined) return;
    for (const m of [...rec.manual.values()]) {
      if (m.expiresAt <= now) this.dropManual(rec, m.id, now, "system", "manual-expire", `manual event "${m.id}" (${m.state}) ran out after ${m.ttl} s`);
    }
    for (const o of [...rec.objections.values()]) {
      if (o.expiresAt !== null && o.expiresAt <= now) this.lift(rec, o.rule, now, "system", "expire", `${o.kind} by rule "${o.rule}" ran out after ${o.ttl ?? 0} s`);
    }
    if (rec.returningAt !== null && rec.returningAt <= now) {
      const from = stateLabel(rec);
      this.setReturning(rec, null);
      this.touch(rec);
      this.audit(rec, "system", "return", "returned after damping", `no objection for ${this.options.returnDampingSeconds} s`, from, null);
    }
    // A drain deadline changes no state: touching the host tells the scheduler to kill and requeue.
    this.touch(rec);
  }

  // ---- state helpers ---------------------------------------------------------------

  private recordOf(host: string): HostRecord {
    let rec = this.records.get(host);
    if (rec === undefined) {
      rec = emptyRecord(host);
      this.records.set(host, rec);
    }
    return rec;
  }

  private putObjection(rec: HostRecord, o: Objection): void {
    rec.objections.set(o.rule, o);
    this.store.putObjection(o);
    const key = heldKey(o.host, o.rule);
    if (o.status === "held") this.held.set(key, o);
    else this.held.delete(key);
  }

  private removeObjection(rec: HostRecord, rule: string): void {
    rec.objections.delete(rule);
    this.store.deleteObjection(rec.host, rule);
    this.held.delete(heldKey(rec.host, rule));
  }

  private setReturning(rec: HostRecord, at: number | null): void {
    rec.returningAt = at;
    this.store.setReturning(rec.host, at);
  }

  private addRemoval(now: number, host: string, rule: string): void {
    this.removals.push({ time: now, host });
    this.store.addRemoval(now, host, rule);
    this.store.pruneRemovals(now - this.options.removalWindowSeconds);
  }

  private removalsInWindow(now: number): number {
    const since = now - this.options.removalWindowSeconds;
    while (this.removals.length > 0 && this.removals[0]!.time <= since) {
      this.removals.shift();
      this.roomFreed = true;
    }
    return this.removals.length;
  }

  /** Registered hosts out by automation, `except` one. */
  private countOut(except: string | undefined): number {
    let n = 0;
    for (const h of this.autoOut) if (h !== except && this.inventory.isRegistered(h)) n++;
    return n;
  }

  private guardHeldCount(): number {
    let n = 0;
    for (const o of this.held.values()) if (o.heldKind === "guard") n++;
    return n;
  }

  /** Notes a change to `rec`: keeps the out-by-automation set current and marks the host for listeners and timers. */
  private touch(rec: HostRecord): void {
    this.touched.add(rec.host);
    if (outByAutomation(rec)) this.autoOut.add(rec.host);
    else if (this.autoOut.delete(rec.host)) this.roomFreed = true;
  }

  private audit(rec: HostRecord, who: string, action: string, outcome: string, reason: string, from: string, detail: Readonly<Record<string, unknown>> | null): void {
    this.appendAudit({ time: this.clock.now(), host: rec.host, who, action, outcome, reason, from, to: stateLabel(rec), detail });
  }

  /** Writes an audit entry and queues it for `onAudit`, passed on at once when no transaction is open (it is committed). */
  private appendAudit(entry: NewAuditEntry): void {
    const id = this.store.appendAudit(entry);
    if (this.onAudit === undefined) return;
    this.uncommitted.push({ id, ...entry });
    if (!this.store.db.inTransaction) this.passCommitted();
  }

  /** Runs `fn` in one transaction; on success the audit entries it wrote go to `onAudit`, on failure they are forgotten. */
  private transaction<T>(fn: () => T): T {
    const mark = this.uncommitted.length;
    let result: T;
    try {
      result = this.store.db.transaction(fn)();
    } catch (err) {
      this.uncommitted.length = mark;
      throw err;
    }
    if (!this.store.db.inTransaction) this.passCommitted();
    return result;
  }

  /** Hands the committed audit entries to `onAudit`, in order. */
  private passCommitted(): void {
    if (this.uncommitted.length === 0 || this.onAudit === undefined) return;
    const entries = this.uncommitted.splice(0);
    for (const entry of entries) {
      try {
        this.onAudit(entry);
      } catch (err) {
        this.log("error", "the audit listener threw", { host: entry.host, error: String(err) });
      }
    }
  }

  /**
   * Runs `fn` in one SQLite transaction. On failure the in-memory state is
   * reloaded from the store (nothing of `fn` was committed) and the error
   * rethrown; on success the touched hosts' timers are re-armed, the guard
   * page and retries are scheduled, and listeners are told.
   */
  private mutate<T>(fn: () => T): T {
    if (this.inMutation) return fn();
    this.inMutation = true;
    let result: T;
    try {
      result = this.transaction(fn);
    } catch (err) {
      this.touched.clear();
      this.inMutation = false;
      // Timers due now would fail the same way at once: they wait FAILURE_BACKOFF_SECONDS.
      this.failedAt = this.clock.now();
      this.load();
      throw err;
    }
    this.inMutation = false;
    const touched = [...this.touched];
    this.touched.clear();
    for (const host of touched) {
      this.statusCache.delete(host);
      const rec = this.records.get(host);
      if (rec !== undefined && isEmptyRecord(rec)) this.records.delete(host);
      this.armHostTimer(host);
    }
    const now = this.clock.now();
    this.housekeeping(now);
    this.pruneAudit(now);
    for (const host of touched) this.notify(host);
    return result;
  }

  private notify(host: string): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(host);
      } catch (err) {
        this.log("error", "a host health listener threw", { host, error: String(err) });
      }
    }
  }

  // ---- timers ----------------------------------------------------------------------

  private armHostTimer(host: string): void {
    this.hostTimers.get(host)?.cancel();
    this.hostTimers.delete(host);
    if (this.closed) return;
    const rec = this.records.get(host);
    if (rec === undefined) return;
    const now = this.clock.now();
    let at = Infinity;
    for (const m of rec.manual.values()) at = Math.min(at, m.expiresAt);
    for (const o of rec.objections.values()) {
      if (o.expiresAt !== null) at = Math.min(at, o.expiresAt);
      if (o.status === "applied" && o.deadline !== null && o.deadline > now) at = Math.min(at, o.deadline);
    }
    if (rec.returningAt !== null) at = Math.min(at, rec.returningAt);
    if (at === Infinity) return;
    at = Math.max(at, this.failedAt + FAILURE_BACKOFF_SECONDS);
    this.hostTimers.set(
      host,
      this.clock.setTimer(at, () => {
        this.hostTimers.delete(host);
        this.guardedRun(`timer of ${host}`, () => this.mutate(() => this.hostDue(host, this.clock.now())));
        if (!this.hostTimers.has(host)) this.armHostTimer(host);
      }),
    );
  }

  /** After each change: schedule the guard page's sync when engagement changed, and retries while actions are held. */
  private housekeeping(now: number): void {
    if (this.closed) return;
    const engaged = this.guardHeldCount() > 0;
    if (engaged !== this.pageOpen && this.guardTimer === undefined) {
      this.guardTimer = this.clock.setTimer(now, () => {
        this.guardTimer = undefined;
        this.guardedRun("guard page", () => this.syncGuardPage());
      });
    }
    if (this.held.size === 0) {
      this.retryTimer?.cancel();
      this.retryTimer = undefined;
      this.roomFreed = false;
      return;
    }
    // Retry at once when room freed, when the oldest removal leaves the rate window, and every heldRetrySeconds (the inventory may have grown).
    this.removalsInWindow(now);
    let at = now + this.options.heldRetrySeconds;
    if (this.removals.length > 0) at = Math.min(at, this.removals[0]!.time + this.options.removalWindowSeconds);
    if (this.roomFreed) at = now;
    this.roomFreed = false;
    at = Math.max(at, this.failedAt + FAILURE_BACKOFF_SECONDS);
    if (this.retryTimer !== undefined && this.retryTimer.at <= at) return;
    this.retryTimer?.cancel();
    this.retryTimer = this.clock.setTimer(at, () => {
      this.retryTimer = undefined;
      this.guardedRun("retry of held actions", () => this.mutate(() => this.retryHeld(this.clock.now())));
      if (this.retryTimer === undefined) this.housekeeping(this.clock.now());
    });
  }

  /** Opens the guard page when a guard holds actions back, resolves it when none remain. */
  private syncGuardPage(): void {
    const now = this.clock.now();
    const heldCount = this.guardHeldCount();
    if (heldCount > 0 && !this.pageOpen) {
      const summary = this.guardSummary();
      this.transaction(() => {
        this.store.setMeta(PAGE_OPEN, "1");
        this.appendAudit({ time: now, host: FLEET, who: "system", action: "guard-engaged", outcome: "paged", reason: summary, from: "", to: "", detail: { held: heldCount } });
      });
      this.pageOpen = true;
      const evidence: Event[] = [{ host: "*", service: "remediation guard", time: now, state: "critical", metric: heldCount, description: summary }];
      this.emit({ kind: "page", rule: GUARD_RULE, key: GUARD_KEY, severity: "error", summary, time: now, evidence });
      this.log("warn", summary, { held: heldCount });
    } else if (heldCount === 0 && this.pageOpen) {
      this.transaction(() => {
        this.store.setMeta(PAGE_OPEN, "0");
        this.appendAudit({ time: now, host: FLEET, who: "system", action: "guard-disengaged", outcome: "resolved", reason: "no held actions remain", from: "", to: "", detail: null });
      });
      this.pageOpen = false;
      this.emit({ kind: "resolve", rule: GUARD_RULE, key: GUARD_KEY, time: now, summary: "remediation guard disengaged: no held actions remain" });
      this.log("info", "remediation guard disengaged");
    }
  }

  private guardSummary(): string {
    return guardPageSummary([...this.held.values()], (rule) => {
      let applied = 0;
      for (const rec of this.records.values()) if (rec.objections.get(rule)?.status === "applied") applied++;
      return applied;
    });
  }

  private emit(intent: Parameters<IntentSink>[0]): void {
    if (this.sink === undefined) return;
    try {
      this.sink(intent);
    } catch (err) {
      this.log("error", "the intent sink threw on the guard page", { error: String(err) });
    }
  }

  private guardedRun(what: string, fn: () => void): void {
    if (this.closed) return;
    try {
      fn();
    } catch (err) {
      this.log("error", `host health: ${what} failed`, { error: String(err) });
    }
  }

  private pruneAudit(now: number): void {
    if (now - this.lastAuditPrune < DAY) return;
    this.lastAuditPrune = now;
    this.store.pruneAudit(now - this.options.auditRetentionDays * DAY);
  }

  // ---- load --------------------------------------------------------------------------

  /** (Re)builds the in-memory state from the store and arms every timer; due ones fire on the clock's next turn. */
  private load(): void {
    for (const t of this.hostTimers.values()) t.cancel();
    this.hostTimers.clear();
    this.records.clear();
    this.statusCache.clear();
    this.held.clear();
    this.autoOut.clear();
    const stored = this.store.loadAll();
    let maxSeq = 0;
    for (const o of stored.objections) {
      this.recordOf(o.host).objections.set(o.rule, o);
      if (o.status === "held") this.held.set(heldKey(o.host, o.rule), o);
      maxSeq = Math.max(maxSeq, o.seq);
    }
    for (const m of stored.manual) {
      this.recordOf(m.host).manual.set(m.id, m);
      maxSeq = Math.max(maxSeq, m.seq);
    }
    for (const r of stored.returning) this.recordOf(r.host).returningAt = r.returningAt;
    this.seq = maxSeq + 1;
    const now = this.clock.now();
    this.removals = stored.removals.filter((r) => r.time > now - this.options.removalWindowSeconds).map((r) => ({ time: r.time, host: r.host }));
    for (const rec of this.records.values()) if (outByAutomation(rec)) this.autoOut.add(rec.host);
    for (const host of this.records.keys()) this.armHostTimer(host);
    this.pageOpen = this.store.getMeta(PAGE_OPEN) === "1";
    this.roomFreed = true;
    this.housekeeping(now);
  }
}

function heldKey(host: string, rule: string): string {
  return `${host}\u0000${rule}`;
}
