/**
 * The leader gate: with several engines, every engine computes the
 * cluster-wide aggregates and runs the rules under them (so each keeps their
 * state, a hysteresis say, and can take over), but only the leader's
 * cluster-wide intents leave the process. The gate sits in front of the
 * intent sink. It lets per-host intents through untouched; it holds back
 * cluster intents on non-leaders and remembers the last one per dedup key;
 * and when an engine becomes leader it reconciles what it computed with the
 * alert state the previous leader announced, sending only the difference, so
 * a leader change neither loses a transition nor pages twice.
 */
import type { Clock } from "../streams/clock.ts";
import { isClusterEvent, type Intent, type IntentSink, type PageIntent, type ResolveIntent } from "../rules/intents.ts";
import type { AlertView } from "./protocol.ts";

/** Settings of a `LeaderGate`. */
export interface LeaderGateOptions {
  /** This engine's id (the `from` of the views it announces). */
  readonly self: string;
  /** For the time stamp of announced views. */
  readonly clock: Clock;
  /** Where intents that pass go. */
  readonly next: IntentSink;
  /** True while the coordinator is handing merged aggregates to the rules: anything emitted then is a cluster intent. */
  readonly delivering: () => boolean;
  /** Called when the leader's announced alert state changed (publish it soon). */
  readonly onAnnounce?: (() => void) | undefined;
  /** Most dedup keys remembered (oldest forgotten first). Default 10,000. */
  readonly maxKeys?: number | undefined;
  /** One line per takeover. */
  readonly log?: ((line: string) => void) | undefined;
}

/** Counters of a `LeaderGate`. */
export interface GateStats {
  /** Cluster intents sent (as leader). */
  sent: number;
  /** Cluster intents held back (not leader, or not ready). */
  held: number;
  /** Intents sent at a takeover because the previous leader had not announced them. */
  replayed: number;
  /** Intents not sent as leader because the previous leader had already sent the same for their key. */
  absorbed: number;
}

/**
 * What matters about a page or resolve for deduplication across a leader
 * change: "page:<severity>" or "resolve" (summaries and times do not count).
 *
 * @example
 * signatureOf({ kind: "resolve", rule: "swap-storm/swap storm", key: "swap-storm/swap storm:*", time: 0 }); // "resolve"
 */
export function signatureOf(intent: PageIntent | ResolveIntent): string {
  return intent.kind === "page" ? `page:${intent.severity}` : "resolve";
}

/** A Map used as a bounded LRU: `touch` moves a key to the end; the oldest go first. */
function touch<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}

/**
 * Gates cluster intents to the leader.
 *
 * A cluster intent is one emitted while merged aggregates are being
 * delivered (`delivering()`), a page whose (last) evidence is a cluster event
 * (host "*"), a resolve of a key such a page used (or whose subject is "*"),
 * and a log or forward of a cluster event. Everything else (per-host pages,
 * host actions, index) passes on every engine.
 *
 * - Not leading: cluster intents are held back; the last page or resolve per
 *   key is remembered.
 * - `lead()`: the engine became leader (and has heard from the cluster).
 *   For each key it remembers whose last intent differs from the newest
 *   announced view, it sends that intent (a transition the old leader never
 *   sent); a resolve for a key the view does not know is not sent (nothing
 *   is open). Keys the view knows and this engine never computed are kept
 *   aside: the first intent for such a key that repeats the view is
 *   absorbed (an engine that started late re-deriving an open alert).
 * - Leading: cluster intents are sent and announced.
 * - `resign()`: back to holding; the announced state stays this engine's
 *   view until a newer one arrives.
 *
 * @example
 * const gate = new LeaderGate({ self: "e1", clock, next: logIntents(), delivering: () => false });
 * const manager = new RuleManager({ dir, clock, sink: gate.sink });
 * gate.lead();
 */
export class LeaderGate {
  readonly stats: GateStats = { sent: 0, held: 0, replayed: 0, absorbed: 0 };
  /** The gated sink to give the rules. */
  readonly sink: IntentSink;
  private leading = false;
  /** This engine's last cluster page/resolve per key, sent or not. */
  private readonly seen = new Map<string, PageIntent | ResolveIntent>();
  /** Keys known to belong to cluster pages. */
  private readonly clusterKeys = new Map<string, true>();
  /** Leading: key → signature of what the cluster last sent (inherited plus own). */
  private announced = new Map<string, string>();
  /** Leading: the predecessor's keys this engine has not yet produced an intent for. */
  private pending = new Map<string, string>();
  /** Not leading: the newest view heard (or this engine's own, kept at resignation). */
  private view: AlertView | undefined;
  private readonly maxKeys: number;

  constructor(private readonly options: LeaderGateOptions) {
    this.maxKeys = options.maxKeys ?? 10_000;
    const next = options.next;
    this.sink = (intent: Intent): void => {
      if (!this.isCluster(intent)) {
        next(intent);
        return;
      }
      if (intent.kind === "page" || intent.kind === "resolve") touch(this.seen, intent.key, intent, this.maxKeys);
      if (!this.leading) {
        this.stats.held++;
        return;
      }
      if (intent.kind === "page" || intent.kind === "resolve") {
        const sig = signatureOf(intent);
        const before = this.pending.get(intent.key);
        if (before !== undefined) {
          this.pending.delete(intent.key);
          if (before === sig) {
            this.stats.absorbed++;
            return;
          }
        }
        this.announce(intent.key, sig);
      }
      this.stats.sent++;
      next(intent);
    };
  }

  /** Whether this engine sends cluster intents now. */
  get isLeading(): boolean {
    return this.leading;
  }

  /** Takes a view another engine published; the newest (by `at`) is kept. Ignored while leading. */
  observe(view: AlertView): void {
    if (this.leading) return;
    if (this.view === undefined || view.at > this.view.at) this.view = view;
  }

  /** The view to publish: this engine's announced state while leading, else the newest it knows. */
  currentView(): AlertView | undefined {
    if (this.leading) return { from: this.options.self, at: this.options.clock.now(), keys: this.announced };
    return this.view;
  }

  /** Becomes leader: reconciles and from now on sends cluster intents. Idempotent. */
  lead(): void {
    if (this.leading) return;
    const base = this.view?.keys ?? new Map<string, string>();
    this.announced = new Map(base);
    this.pending = new Map(base);
    let replayed = 0;
    for (const [key, intent] of this.seen) {
      const sig = signatureOf(intent);
      const before = base.get(key);
      this.pending.delete(key);
      if (before === sig) continue;
      this.announced.set(key, sig);
      if (before === undefined && intent.kind === "resolve") continue;
      replayed++;
      this.options.next(intent);
    }
    this.leading = true;
    this.stats.replayed += replayed;
    this.options.log?.(`took over as leader: ${base.size} alert key(s) announced by ${this.view?.from ?? "nobody"}, ${replayed} transition(s) sent that it had not sent`);
    this.options.onAnnounce?.();
  }

  /** Stops sending cluster intents; keeps the announced state as this engine's view. Idempotent. */
  resign(): void {
    if (!this.leading) return;
    this.leading = false;
    this.view = { from: this.options.self, at: this.options.clock.now(), keys: new Map(this.announced) };
    this.pending.clear();
  }

  private announce(key: string, sig: string): void {
    if (this.announced.get(key) === sig) return;
    touch(this.announced, key, sig, this.maxKeys);
    this.options.onAnnounce?.();
  }

  private isCluster(intent: Intent): boolean {
    switch (intent.kind) {
      case "page": {
        const last = intent.evidence[intent.evidence.length - 1];
        if (this.options.delivering() || (last !== undefined && isClusterEvent(last))) {
          touch(this.clusterKeys, intent.key, true, this.maxKeys);
          return true;
        }
        return false;
      }
      case "resolve":
        return this.options.delivering() || this.clusterKeys.has(intent.key) || intent.key.endsWith(":*");
      case "log":
      case "forward":
        return this.options.delivering() || isClusterEvent(intent.event);
      case "index":
        return false;
      case "drain":
      case "blacklist":
      case "restore":
        return this.options.delivering();
    }
  }
}
