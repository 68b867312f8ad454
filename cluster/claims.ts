/**
 * The merged view: every engine's latest claims on slots (partitions), and
 * the rule that picks, per slot, the one claim whose partial counts. A
 * cluster-wide count is the sum over slots of the picked claims, so a host
 * (whose events all go to one partition) is counted exactly once however
 * the partitions move: partitions are disjoint, and per partition exactly
 * one engine's partial counts. Pure logic on numbers handed in; no clock of
 * its own, no I/O.
 */
import type { ClusterPartial } from "../streams/eventindex/cluster-link.ts";
import type { ClusterMessage } from "./protocol.ts";

/** Settings of a `ClaimStore`. */
export interface ClaimStoreOptions {
  /**
   * Seconds a new owner of a slot needs to have seen every host of it
   * (about one report interval of the collectors). Until then, an older
   * claim on the slot that has not expired, if any, counts instead.
   */
  readonly warmup: number;
}

/** One engine's claim on one slot, as last reported. */
export interface Claim {
  readonly engine: string;
  /** When the engine started owning the slot (its clock). */
  readonly since: number;
  readonly aggregates: ReadonlyMap<string, ClusterPartial>;
  /** Receiver's clock time after which the claim no longer counts. */
  readonly expiresAt: number;
  /** The engine has since reported without this slot (it lost the partition or is stopping). */
  readonly released: boolean;
}

/** Most matching host names a merged total lists. */
export const MAX_MERGED_HOSTS = 1_000;

const EMPTY: ClusterPartial = Object.freeze({ live: 0, matching: 0, hosts: Object.freeze([]) });

/** "events/10" sorts after "events/9"; otherwise by name. */
function compareSlots(a: string, b: string): number {
  const ia = a.lastIndexOf("/");
  const ib = b.lastIndexOf("/");
  const pa = a.slice(0, ia);
  const pb = b.slice(0, ib);
  if (pa !== pb) return pa < pb ? -1 : 1;
  const na = Number(a.slice(ia + 1));
  const nb = Number(b.slice(ib + 1));
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Holds claims and merges them.
 *
 * Which claim counts for a slot, among those not expired:
 * - the *owner* is the unreleased claim with the latest `since` (ties: the
 *   greater engine id): the engine the group gave the partition to last;
 * - once the owner has held the slot for `warmup` seconds, its claim counts;
 * - before that, the newest other claim older than the owner's counts if
 *   there is one (the previous owner's last word, released or dead): a new
 *   owner starts with no hosts and learns them as they report, so this keeps
 *   the count steady across a rebalance instead of dipping;
 * - with no unreleased claim, the newest released one counts until it expires.
 *
 * @example
 * const store = new ClaimStore({ warmup: 20 });
 * store.apply(messageFromA, now);
 * store.apply(messageFromB, now);
 * store.total("builtin/swap-storm/swapping hosts", now); // { live: 50, matching: 15, hosts: [...] }
 */
export class ClaimStore {
  private readonly warmup: number;
  /** Per engine: its latest message's (time, seq), and until when it matters. */
  private readonly latest = new Map<string, { time: number; seq: number; expiresAt: number }>();
  /** slot → engine → claim. */
  private readonly bySlot = new Map<string, Map<string, Claim>>();
  private sorted: string[] | undefined;

  constructor(options: ClaimStoreOptions) {
    if (!(options.warmup >= 0) || !Number.isFinite(options.warmup)) throw new RangeError(`ClaimStore: warmup must be a finite number >= 0, got ${options.warmup}`);
    this.warmup = options.warmup;
  }

  /**
   * Takes one engine's snapshot, received at `now`: its listed slots are
   * claimed (until `min(time, now) + ttl`), the slots it claimed before and
   * no longer lists are released. A message older than one already taken
   * from the same engine is ignored (returns false).
   */
  apply(message: ClusterMessage, now: number): boolean {
    const engine = message.engine;
    const prev = this.latest.get(engine);
    if (prev !== undefined && (message.time < prev.time || (message.time === prev.time && message.seq <= prev.seq))) return false;
    // Not trusting a sender's clock ahead of ours: a claim never lives longer than ttl after we got it.
    const expiresAt = Math.min(message.time, now) + message.ttl;
    this.latest.set(engine, { time: message.time, seq: message.seq, expiresAt });
    const listed = new Set<string>();
    for (const report of message.slots) {
      listed.add(report.slot);
      let claims = this.bySlot.get(report.slot);
      if (claims === undefined) {
        claims = new Map();
        this.bySlot.set(report.slot, claims);
        this.sorted = undefined;
      }
      claims.set(engine, { engine, since: report.since, aggregates: report.aggregates, expiresAt, released: false });
    }
    for (const [slot, claims] of this.bySlot) {
      if (listed.has(slot)) continue;
      const claim = claims.get(engine);
      if (claim !== undefined && !claim.released) claims.set(engine, { ...claim, released: true });
    }
    return true;
  }

  /** Drops claims expired at `now`; true when any was dropped. */
  expire(now: number): boolean {
    let dropped = false;
    for (const [slot, claims] of this.bySlot) {
      for (const [engine, claim] of claims) {
        if (claim.expiresAt > now) continue;
        claims.delete(engine);
        dropped = true;
      }
      if (claims.size === 0) {
        this.bySlot.delete(slot);
        this.sorted = undefined;
      }
    }
    for (const [engine, latest] of this.latest) if (latest.expiresAt <= now) this.latest.delete(engine);
    return dropped;
  }

  /** The claim that counts for `slot` at `now` (see the class comment), or undefined. */
  choose(slot: string, now: number): Claim | undefined {
    const claims = this.bySlot.get(slot);
    if (claims === undefined) return undefined;
    let owner: Claim | undefined;
    for (const c of claims.values()) {
      if (c.expiresAt <= now || c.released) continue;
      if (owner === undefined || c.since > owner.since || (c.since === owner.since && c.engine > owner.engine)) owner = c;
    }
    if (owner !== undefined && now - owner.since >= this.warmup) return owner;
    let previous: Claim | undefined;
    for (const c of claims.values()) {
      if (c === owner || c.expiresAt <= now) continue;
      if (owner !== undefined && c.since > owner.since) continue;
      if (previous === undefined || c.since > previous.since || (c.since === previous.since && c.engine > previous.engine)) previous = c;
    }
    return previous ?? owner;
  }

  /** Every slot with a claim, in order (topic, then partition number). */
  slots(): readonly string[] {
    this.sorted ??= [...this.bySlot.keys()].sort(compareSlots);
    return this.sorted;
  }

  /**
   * The cluster-wide counts of `aggregate` at `now`: the sum over slots of
   * the counting claim's partial (a claim without this aggregate adds 0),
   * with matching hosts listed slot by slot (at most `MAX_MERGED_HOSTS`).
   */
  total(aggregate: string, now: number): ClusterPartial {
    let live = 0;
    let matching = 0;
    let hosts: string[] | undefined;
    for (const slot of this.slots()) {
      const p = this.choose(slot, now)?.aggregates.get(aggregate);
      if (p === undefined) continue;
      live += p.live;
      matching += p.matching;
      for (const h of p.hosts) {
        hosts ??= [];
        if (hosts.length < MAX_MERGED_HOSTS) hosts.push(h);
      }
    }
    if (live === 0 && matching === 0 && hosts === undefined) return EMPTY;
    return { live, matching, hosts: hosts ?? [] };
  }

  /**
   * The next moment after `now` at which `choose` may answer differently
   * with no new message: a claim expires or a new owner finishes warming up.
   */
  nextChange(now: number): number | undefined {
    let next = Infinity;
    for (const claims of this.bySlot.values()) {
      for (const c of claims.values()) {
        if (c.expiresAt > now && c.expiresAt < next) next = c.expiresAt;
        const warm = c.since + this.warmup;
        if (!c.released && warm > now && warm < next) next = warm;
      }
    }
    return next === Infinity ? undefined : next;
  }

  /** Which engine's claim counts, per slot, at `now` (for status and logs). */
  owners(now: number): Map<string, string> {
    const out = new Map<string, string>();
    for (const slot of this.slots()) {
      const c = this.choose(slot, now);
      if (c !== undefined) out.set(slot, c.engine);
    }
    return out;
  }
}
