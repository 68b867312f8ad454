/**
 * One engine's part in a cluster of engines sharing the hosts: the
 * `ClusterLink` the cluster aggregates use, and everything behind it that
 * does not depend on Kafka. It learns which slots (partitions) this engine
 * owns from the consumer group, which slot each host's events arrive
 * through, publishes this engine's partial counts per slot (on change and
 * every `publishInterval`), merges every engine's partials into
 * cluster-wide counts (`ClaimStore`) and hands them to the aggregates, and
 * gates cluster-wide intents to the leader (`LeaderGate`): the engine that
 * owns partition 0 of the events topic. Time comes from the injected clock,
 * messages go out through `send` and come in through `receive`, so the whole
 * protocol runs under a virtual clock in tests.
 */
import type { Clock, Timer } from "../streams/clock.ts";
import type { Event } from "../streams/event.ts";
import type { ClusterAggregateSource, ClusterLink, ClusterPartial, ClusterRegistration } from "../streams/eventindex/cluster-link.ts";
import type { Stream } from "../streams/stream.ts";
import type { IntentSink } from "../rules/intents.ts";
import type { RuleClusterLink } from "../rules/manager.ts";
import { ClaimStore } from "./claims.ts";
import { LeaderGate, type GateStats } from "./gate.ts";
import { PROTOCOL_VERSION, type ClusterMessage, type SlotReport } from "./protocol.ts";

/** Settings of a `ClusterCoordinator`; times in seconds. */
export interface CoordinatorOptions {
  /** This engine's id, unique in the cluster. */
  readonly engineId: string;
  readonly clock: Clock;
  /** Sends one message to every engine (this one included) on the aggregates topic. Must not throw; may drop when the transport is down. */
  readonly send: (message: ClusterMessage) => void;
  /** Where intents go once past the leader gate. */
  readonly intents: IntentSink;
  /** Longest time between two publishes of this engine's partials. Default 5. */
  readonly publishInterval?: number | undefined;
  /** Delay between a change and its publish (changes in between go in the same message). Default 0.2. */
  readonly publishDelay?: number | undefined;
  /** How long a published claim counts without being renewed. Default 60. Must exceed the group's session timeout plus `warmup`. */
  readonly partialTtl?: number | undefined;
  /** How long a new owner of a partition has to learn its hosts before its partial replaces the previous owner's. Default 20. */
  readonly warmup?: number | undefined;
  /** Time between hearing the aggregates topic and trusting the merged view (every engine has published by then). Default `2 * publishInterval + 1`. */
  readonly settle?: number | undefined;
  /** The slot whose owner leads. Default "events/0". */
  readonly leaderSlot?: string | undefined;
  /** Called for each host whose partition this engine lost: forget it (for example delete it from the index, emitting nothing). */
  readonly forgetHost?: ((host: string) => void) | undefined;
  /** Whether the engine still has anything of `host` (swept every publish interval; hosts that went away are forgotten). Default: always. */
  readonly hostLive?: ((host: string) => boolean) | undefined;
  /** Told about every merged total handed to an aggregate. */
  readonly onMerged?: ((aggregate: string, total: ClusterPartial, leader: boolean) => void) | undefined;
  /** One line per notable change (assignment, leadership, readiness). */
  readonly log?: ((line: string) => void) | undefined;
}

/** Counters of a coordinator. */
export interface CoordinatorStats {
  /** Messages sent. */
  published: number;
  /** Messages received (own included). */
  received: number;
  /** Messages ignored as older than one already taken from the same engine. */
  stale: number;
  /** Merged totals handed to aggregates. */
  delivered: number;
  /** Hosts forgotten because their partition went to another engine. */
  forgottenHosts: number;
  /** Throws from aggregates (`partial`, `drop`, `merged`), caught and logged. */
  errors: number;
  readonly gate: GateStats;
}

/** A registered aggregate. */
interface Registration {
  readonly id: string;
  readonly source: ClusterAggregateSource;
  /** The last total handed to it. */
  last: ClusterPartial | undefined;
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) throw new RangeError(`ClusterCoordinator: ${name} must be a finite number ${allowZero ? ">=" : ">"} 0, got ${String(v)}`);
  return v;
}

/**
 * Runs this engine's side of the cluster protocol (docs/scale-out.md).
 *
 * Wiring: give `forRule` to the rule manager (`cluster` option) so every
 * rules file's aggregates get a link; give `sink` to the rules as their
 * intent sink; wrap the engine's top-level stream with `track`; call each
 * bus batch's processing through `batch(topic, partition, fn)` and each
 * assignment through `assign`; feed `receive` with the aggregates topic;
 * call `start()` once everything is wired, `transportReady()` once the
 * aggregates topic is being read, and `stop()` on shutdown.
 *
 * @example
 * const cluster = new ClusterCoordinator({ engineId: "e1", clock, send: (m) => transport.send(m), intents: logIntents() });
 * const rules = new RuleManager({ dir, clock, sink: cluster.sink, cluster: (rule) => cluster.forRule(rule) });
 * engine.setStream(cluster.track(rules.stream));
 * await bus.subscribe("events", (events, origin) => cluster.batch("events", origin.partition, () => engine.submitAll(events)),
 *   { onAssign: (partitions) => cluster.assign("events", partitions) });
 * cluster.start();
 */
export class ClusterCoordinator {
  readonly engineId: string;
  /** Slot of hosts never seen on the bus: `local/<engineId>`. */
  readonly localSlot: string;
  /** The rules' intent sink: per-host intents pass, cluster intents only from the leader. */
  readonly sink: IntentSink;
  readonly stats: CoordinatorStats;
  private readonly clock: Clock;
  private readonly options: CoordinatorOptions;
  private readonly publishInterval: number;
  private readonly publishDelay: number;
  private readonly partialTtl: number;
  private readonly settle: number;
  private readonly leaderSlot: string;
  private readonly store: ClaimStore;
  private readonly gate: LeaderGate;
  /** Owned slot → since. */
  private readonly owned = new Map<string, number>();
  private readonly assigned = new Map<string, readonly number[]>();
  /** Per topic: host → slot of its latest batch on that topic. */
  private readonly hostSlots = new Map<string, Map<string, string>>();
  private readonly slotNames = new Map<string, string[]>();
  private readonly registrations = new Map<string, Registration>();
  private current: string | undefined;
  private currentHosts: Map<string, string> | undefined;
  private delivering = false;
  private leader = false;
  private ready = false;
  private started = false;
  private stopped = false;
  private seq = 0;
  /** When this engine last heard one of its own messages back (the topic works), or undefined before the first. */
  private heardSelfAt: number | undefined;
  private blind = false;
  private heartbeatTimer: Timer | undefined;
  private soonTimer: Timer | undefined;
  private mergeTimer: Timer | undefined;
  private readyTimer: Timer | undefined;
  private readonly registration: ClusterRegistration;

  constructor(options: CoordinatorOptions) {
    if (typeof options.engineId !== "string" || options.engineId.length === 0) throw new RangeError("ClusterCoordinator: engineId must be a non-empty string");
    this.options = options;
    this.engineId = options.engineId;
    this.clock = options.clock;
    this.publishInterval = positive("publishInterval", options.publishInterval, 5);
    this.publishDelay = positive("publishDelay", options.publishDelay, 0.2, true);
    this.partialTtl = positive("partialTtl", options.partialTtl, 60);
    const warmup = positive("warmup", options.warmup, 20, true);
    this.settle = positive("settle", options.settle, 2 * this.publishInterval + 1, true);
    if (this.partialTtl <= this.publishInterval) throw new RangeError(`ClusterCoordinator: partialTtl (${this.partialTtl}) must exceed publishInterval (${this.publishInterval}), or live claims would expire between publishes`);
    this.leaderSlot = options.leaderSlot ?? "events/0";
    this.localSlot = `local/${this.engineId}`;
    this.store = new ClaimStore({ warmup });
    this.gate = new LeaderGate({
      self: this.engineId,
      clock: this.clock,
      next: options.intents,
      delivering: () => this.delivering,
      onAnnounce: () => this.publishSoon(),
      log: (line) => this.log(line),
    });
    this.sink = this.gate.sink;
    this.stats = { published: 0, received: 0, stale: 0, delivered: 0, forgottenHosts: 0, errors: 0, gate: this.gate.stats };
    this.owned.set(this.localSlot, this.clock.now());
    this.registration = { changed: () => this.publishSoon() };
  }

  /** Whether this engine owns the leader slot. */
  get isLeader(): boolean {
    return this.leader;
  }

  /** Whether the merged view is trusted yet (`settle` after `transportReady`). */
  get isReady(): boolean {
    return this.ready;
  }

  /** The slots this engine owns now, in no particular order (the local slot included). */
  get ownedSlots(): readonly string[] {
    return [...this.owned.keys()];
  }

  /** Which engine's partial counts, per slot, now. */
  owners(): Map<string, string> {
    return this.store.owners(this.clock.now());
  }

  /**
   * The link for one rules file: its aggregates register as
   * `<rule>/<name>` (`#2`, `#3` for repeats of a name within the file); a
   * later instance of the same file takes the ids over, and `dispose`
   * removes only its own registrations.
   */
  forRule(rule: string): RuleClusterLink {
    const counts = new Map<string, number>();
    const mine = new Set<Registration>();
    const link: ClusterLink = {
      localSlot: this.localSlot,
      currentSlot: () => this.current,
      slotOf: (host) => {
        for (const hosts of this.hostSlots.values()) {
          const slot = hosts.get(host);
          if (slot !== undefined) return slot;
        }
        return undefined;
      },
      register: (name, source) => {
        const n = (counts.get(name) ?? 0) + 1;
        counts.set(name, n);
        const reg: Registration = { id: n === 1 ? `${rule}/${name}` : `${rule}/${name}#${n}`, source, last: undefined };
        this.registrations.set(reg.id, reg);
        mine.add(reg);
        // Not now: the rules file is still being built.
        this.scheduleMerge(this.clock.now());
        return this.registration;
      },
    };
    return {
      link,
      dispose: () => {
        for (const reg of mine) if (this.registrations.get(reg.id) === reg) this.registrations.delete(reg.id);
        mine.clear();
      },
    };
  }

  /** Wraps the engine's top-level stream: remembers the slot of each host that arrives in a `batch` (per topic). */
  track(next: Stream<Event>): Stream<Event> {
    const owned = this.owned;
    return (e: Event): void => {
      const slot = this.current;
      if (slot !== undefined) {
        const hosts = this.currentHosts!;
        if (hosts.get(e.host) !== slot && owned.has(slot)) hosts.set(e.host, slot);
      }
      next(e);
    };
  }

  /** Runs `fn` (the processing of one bus batch) with `topic`/`partition` as the slot of the hosts it sees. */
  batch<T>(topic: string, partition: number, fn: () => T): T {
    const previous = this.current;
    const previousHosts = this.currentHosts;
    this.current = this.slotName(topic, partition);
    this.currentHosts = this.hostsOf(topic);
    try {
      return fn();
    } finally {
      this.current = previous;
      this.currentHosts = previousHosts;
    }
  }

  /**
   * The consumer group assigned this engine `partitions` of `topic` (all
   * of them: the list replaces the previous one). Lost partitions' hosts are
   * forgotten (index and aggregates), new ones are claimed as of now, and
   * leadership follows the leader slot.
   */
  assign(topic: string, partitions: readonly number[]): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const before = this.assigned.get(topic) ?? [];
    const lost = new Set<string>();
    for (const p of before) {
      if (partitions.includes(p)) continue;
      const slot = this.slotName(topic, p);
      lost.add(slot);
      this.owned.delete(slot);
    }
    for (const p of partitions) {
      const slot = this.slotName(topic, p);
      if (!this.owned.has(slot)) this.owned.set(slot, now);
    }
    this.assigned.set(topic, [...partitions]);
    if (lost.size > 0) this.revoke(topic, lost);
    const lead = this.owned.has(this.leaderSlot);
    this.log(`assigned ${topic} partitions [${partitions.join(",")}]${lead ? " (leader)" : ""}`);
    if (lead !== this.leader) this.setLeader(lead);
    this.publishSoon();
    this.recompute();
  }

  /** Takes one message from the aggregates topic (this engine's own included). */
  receive(message: ClusterMessage): void {
    if (this.stopped) return;
    this.stats.received++;
    const now = this.clock.now();
    if (!this.store.apply(message, now)) {
      this.stats.stale++;
      return;
    }
    if (message.engine === this.engineId) this.heardSelfAt = now;
    else if (message.alerts !== undefined) this.gate.observe(message.alerts);
    this.recompute();
  }

  /** Starts publishing (now, and every `publishInterval`). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.heartbeat();
  }

  /** The aggregates topic is being read: the merged view is trusted `settle` seconds from now. */
  transportReady(): void {
    if (this.ready || this.readyTimer !== undefined || this.stopped) return;
    this.readyTimer = this.clock.setTimer(this.clock.now() + this.settle, () => {
      this.readyTimer = undefined;
      if (this.stopped) return;
      this.ready = true;
      this.heardSelfAt ??= this.clock.now();
      this.log(`merged view ready${this.leader ? "; leader" : ""}`);
      if (this.leader) this.gate.lead();
      this.recompute();
    });
  }

  /**
   * Leaves: releases every slot in one last message (the other engines'
   * merged views keep this engine's last partials until they expire or a
   * new owner has warmed up), stops timers and sends nothing more.
   */
  stop(): void {
    if (this.stopped) return;
    this.gate.resign();
    this.leader = false;
    this.owned.clear();
    this.publish();
    this.stopped = true;
    for (const t of [this.heartbeatTimer, this.soonTimer, this.mergeTimer, this.readyTimer]) t?.cancel();
    this.heartbeatTimer = this.soonTimer = this.mergeTimer = this.readyTimer = undefined;
  }

  private slotName(topic: string, partition: number): string {
    let names = this.slotNames.get(topic);
    if (names === undefined) {
      names = [];
      this.slotNames.set(topic, names);
    }
    return (names[partition] ??= `${topic}/${partition}`);
  }

  private setLeader(lead: boolean): void {
    this.leader = lead;
    if (lead) {
      this.log(this.ready ? "leader: takes over cluster-wide intents" : "leader: takes over cluster-wide intents once the merged view is ready");
      if (this.ready) this.gate.lead();
    } else {
      this.log("no longer leader");
      this.gate.resign();
    }
  }

  private hostsOf(topic: string): Map<string, string> {
    let hosts = this.hostSlots.get(topic);
    if (hosts === undefined) {
      hosts = new Map();
      this.hostSlots.set(topic, hosts);
    }
    return hosts;
  }

  /** Whether `host` still arrives through a slot this engine owns, on any topic. */
  private stillHeld(host: string): boolean {
    for (const hosts of this.hostSlots.values()) {
      const slot = hosts.get(host);
      if (slot !== undefined && this.owned.has(slot)) return true;
    }
    return false;
  }

  /**
   * `topic` lost the slots `lost`: their hosts are forgotten (unless they
   * still arrive here through another topic: the engine keeps what it has
   * of them) and every aggregate drops them.
   */
  private revoke(topic: string, lost: ReadonlySet<string>): void {
    let forgotten = 0;
    const hosts = this.hostsOf(topic);
    for (const [host, slot] of hosts) {
      if (!lost.has(slot)) continue;
      hosts.delete(host);
      if (this.stillHeld(host)) continue;
      forgotten++;
      try {
        this.options.forgetHost?.(host);
      } catch (err) {
        this.fail("forgetHost", err);
      }
    }
    this.stats.forgottenHosts += forgotten;
    for (const reg of this.registrations.values()) {
      try {
        reg.source.drop(lost);
      } catch (err) {
        this.fail(`${reg.id} drop`, err);
      }
    }
  }

  private heartbeat(): void {
    this.heartbeatTimer = undefined;
    if (this.stopped) return;
    this.publish();
    this.sweep();
    this.heartbeatTimer = this.clock.setTimer(this.clock.now() + this.publishInterval, () => this.heartbeat());
  }

  private publishSoon(): void {
    if (!this.started || this.stopped || this.soonTimer !== undefined) return;
    this.soonTimer = this.clock.setTimer(this.clock.now() + this.publishDelay, () => {
      this.soonTimer = undefined;
      this.publish();
    });
  }

  private publish(): void {
    if (this.stopped) return;
    const slots: SlotReport[] = [];
    for (const [slot, since] of this.owned) {
      const aggregates = new Map<string, ClusterPartial>();
      for (const reg of this.registrations.values()) {
        let p: ClusterPartial | undefined;
        try {
          p = reg.source.partial(slot);
        } catch (err) {
          this.fail(`${reg.id} partial`, err);
        }
        if (p !== undefined && p.live > 0) aggregates.set(reg.id, p);
      }
      slots.push({ slot, since, aggregates });
    }
    const message: ClusterMessage = {
      v: PROTOCOL_VERSION,
      engine: this.engineId,
      time: this.clock.now(),
      seq: ++this.seq,
      ttl: this.partialTtl,
      leader: this.gate.isLeading,
      slots,
      alerts: this.gate.currentView(),
    };
    this.stats.published++;
    this.options.send(message);
  }

  private sweep(): void {
    const hostLive = this.options.hostLive;
    if (hostLive === undefined) return;
    for (const hosts of this.hostSlots.values()) for (const host of hosts.keys()) if (!hostLive(host)) hosts.delete(host);
  }

  private recompute(): void {
    const now = this.clock.now();
    if (this.isBlind(now)) return;
    this.store.expire(now);
    if (this.ready) {
      for (const reg of this.registrations.values()) {
        const total = this.store.total(reg.id, now);
        const last = reg.last;
        if (last !== undefined && last.live === total.live && last.matching === total.matching) continue;
        reg.last = total;
        this.stats.delivered++;
        this.delivering = true;
        try {
          reg.source.merged(total);
        } catch (err) {
          this.fail(`${reg.id} merged`, err);
        } finally {
          this.delivering = false;
        }
        this.options.onMerged?.(reg.id, total, this.leader);
      }
    }
    const next = this.store.nextChange(now);
    if (next !== undefined) this.scheduleMerge(next);
  }

  /**
   * Whether the aggregates topic has stopped working for this engine: its
   * own messages have not come back for three publish intervals. Then
   * nobody's claims are renewed, and letting them expire would drop the
   * cluster-wide counts to zero (and resolve every cluster alert) for want
   * of news: the merged view is frozen instead until messages flow again.
   */
  private isBlind(now: number): boolean {
    const blind = this.ready && this.heardSelfAt !== undefined && now - this.heardSelfAt > 3 * this.publishInterval;
    if (blind !== this.blind) {
      this.blind = blind;
      this.log(blind ? `has not heard its own messages for ${3 * this.publishInterval} s: merged view frozen until the aggregates topic works again` : "hears the aggregates topic again: merged view live");
    }
    return blind;
  }

  /** Recomputes at `at` (or earlier if already scheduled earlier). */
  private scheduleMerge(at: number): void {
    if (this.stopped) return;
    if (this.mergeTimer !== undefined) {
      if (this.mergeTimer.at <= at) return;
      this.mergeTimer.cancel();
    }
    this.mergeTimer = this.clock.setTimer(at, () => {
      this.mergeTimer = undefined;
      this.recompute();
    });
  }

  private fail(where: string, err: unknown): void {
    this.stats.errors++;
    this.log(`error in ${where}: ${err instanceof Error ? err.message : String(err)}`);
  }

  private log(line: string): void {
    try {
      this.options.log?.(`cluster ${this.engineId}: ${line}`);
    } catch {
      // a log sink's failure is its own
    }
  }
}
