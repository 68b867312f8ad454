/**
 * Helpers for the unit tests of the cluster protocol: an in-memory
 * aggregates topic on a virtual clock (every message goes through the real
 * encoder and decoder, and arrives at every member after a small latency),
 * and a simulated engine: a `ClusterCoordinator` with the built-in
 * swap-storm rule and a bare `clusterFraction` under it, fed by "partition".
 * Test-only; nothing in the engine imports this file.
 */
import { createRuleApi } from "../rules/define.ts";
import type { Intent } from "../rules/intents.ts";
import swapStorm from "../rules/builtin/swap-storm.rules.ts";
import { SWAP_PAGES_PER_SECOND } from "../rules/builtin/services.ts";
import type { VirtualClock } from "../streams/clock.ts";
import { makeEvent, type Event } from "../streams/event.ts";
import { clusterFraction } from "../streams/eventindex/cluster.ts";
import { fanout, type Stream, type StreamContext } from "../streams/stream.ts";
import { ClusterCoordinator, type CoordinatorOptions } from "./coordinator.ts";
import { decodeMessage, encodeMessage, type ClusterMessage } from "./protocol.ts";

/** An aggregates topic in memory: `publish` reaches every member (the sender too) `latency` seconds later, in order. */
export class MemoryTopic {
  private readonly members = new Map<string, (m: ClusterMessage) => void>();
  private readonly silenced = new Set<string>();
  private down = false;
  /** Every message published, decoded, in order. */
  readonly log: ClusterMessage[] = [];

  constructor(
    private readonly clock: VirtualClock,
    private readonly latency = 0.05,
  ) {}

  /** Adds a reader; it hears messages published from now on. */
  join(id: string, receive: (m: ClusterMessage) => void): void {
    this.members.set(id, receive);
  }

  /** Removes a reader. */
  leave(id: string): void {
    this.members.delete(id);
  }

  /** Drops everything `engine` publishes from now on (a killed process sends nothing). */
  silence(engine: string): void {
    this.silenced.add(engine);
  }

  /** While down, every message is lost (the topic's partition has no leader, say). */
  setDown(down: boolean): void {
    this.down = down;
  }

  publish(message: ClusterMessage): void {
    if (this.down || this.silenced.has(message.engine)) return;
    const decoded = decodeMessage(encodeMessage(message));
    if (!decoded.ok) throw new Error(`MemoryTopic: the encoder wrote a message the decoder refuses: ${decoded.reason}`);
    this.log.push(decoded.message);
    this.clock.setTimer(this.clock.now() + this.latency, () => {
      for (const receive of [...this.members.values()]) receive(decoded.message);
    });
  }
}

/** The topic partition of host `h<n>`: n mod `partitions` (the simulation's partitioner). */
export function partitionOf(host: string, partitions: number): number {
  return Number(host.slice(1)) % partitions;
}

/** A swap-rate event for host `h<n>`: 500 pages/s when swapping, else 0. */
export function swapEvent(host: string, time: number, swapping: boolean, ttl = 30): Event {
  return makeEvent({ host, service: SWAP_PAGES_PER_SECOND, time, metric: swapping ? 500 : 0, ttl });
}

/** One simulated engine process. */
export class SimEngine {
  readonly coordinator: ClusterCoordinator;
  /** Intents that left the process (past the leader gate). */
  readonly intents: Intent[] = [];
  /** What the bare `clusterFraction` ("swap fraction") emitted: the merged view. */
  readonly fractions: Event[] = [];
  private readonly stream: Stream<Event>;
  private dead = false;

  constructor(
    readonly id: string,
    private readonly topic: MemoryTopic,
    readonly clock: VirtualClock,
    options: Partial<CoordinatorOptions> = {},
  ) {
    this.coordinator = new ClusterCoordinator({
      engineId: id,
      clock,
      send: (m) => topic.publish(m),
      intents: (i) => {
        if (!this.dead) this.intents.push(i);
      },
      publishInterval: 5,
      partialTtl: 60,
      warmup: 20,
      ...options,
    });
    const errors: unknown[] = [];
    const context = (rule: string): StreamContext => ({ clock, onError: (err) => errors.push(err), cluster: this.coordinator.forRule(rule).link });
    const storm = createRuleApi("swap-storm", context("builtin/swap-storm"), this.coordinator.sink);
    const built = swapStorm.build(storm.api);
    const rule = typeof built === "function" ? built : fanout(context("x"), "rules", built);
    const fraction = clusterFraction(context("test"), { service: SWAP_PAGES_PER_SECOND, name: "swap fraction", predicate: (e) => (e.metric ?? 0) > 100 }, (e) => void this.fractions.push(e));
    this.stream = this.coordinator.track((e) => {
      rule(e);
      fraction(e);
    });
    topic.join(id, (m) => {
      if (!this.dead) this.coordinator.receive(m);
    });
  }

  /** Starts publishing and marks the topic as read (ready `settle` seconds later). */
  start(): this {
    this.coordinator.start();
    this.coordinator.transportReady();
    return this;
  }

  /** Processes `events` as one batch from `partition` of `topic` (default the events topic). */
  feed(partition: number, events: readonly Event[], topic = "events"): void {
    if (this.dead) throw new Error(`${this.id} is dead`);
    this.coordinator.batch(topic, partition, () => {
      for (const e of events) this.stream(e);
    });
  }

  /** SIGKILL: sends nothing more, hears nothing more; its timers may still run, but nothing it does leaves it. */
  kill(): void {
    this.dead = true;
    this.topic.silence(this.id);
    this.topic.leave(this.id);
  }

  /** Critical pages and resolves that left this engine, as "page <key>" / "resolve <key>". */
  alerts(): string[] {
    return this.intents.filter((i) => i.kind === "page" || i.kind === "resolve").map((i) => `${i.kind} ${(i as { key: string }).key}`);
  }

  /** The last merged fraction as [matching, live], or undefined before the first. */
  lastFraction(): [number, number] | undefined {
    const last = this.fractions.at(-1);
    return last === undefined ? undefined : [Number(last.attributes?.matching), Number(last.attributes?.live)];
  }
}

/**
 * A fleet of `hosts` hosts `h0..` over `partitions` partitions, reporting
 * to whichever simulated engine owns each partition; `swapping(n)` says
 * whether host n swaps.
 */
export class Fleet {
  constructor(
    readonly hosts: number,
    readonly partitions: number,
    public swapping: (n: number) => boolean,
  ) {}

  /** One report from every host, each batch to `ownerOf(partition)` (skipped when undefined: nobody consumes it). */
  report(time: number, ownerOf: (partition: number) => SimEngine | undefined, ttl = 30): void {
    const batches = new Map<number, Event[]>();
    for (let n = 0; n < this.hosts; n++) {
      const host = `h${n}`;
      const p = partitionOf(host, this.partitions);
      let batch = batches.get(p);
      if (batch === undefined) batches.set(p, (batch = []));
      batch.push(swapEvent(host, time, this.swapping(n), ttl));
    }
    for (const [p, events] of batches) ownerOf(p)?.feed(p, events);
  }

  /** Every event of one report, in host order (for a single reference engine). */
  all(time: number, ttl = 30): Event[] {
    return Array.from({ length: this.hosts }, (_, n) => swapEvent(`h${n}`, time, this.swapping(n), ttl));
  }
}
