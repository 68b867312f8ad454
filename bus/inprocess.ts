/**
 * The in-process bus: the embedded default, so `npm start` needs no broker.
 * It behaves like the Kafka bus where an engine can tell: topics split into
 * partitions by host (one host's events stay in order), members of a
 * consumer group share the partitions, a batch stays queued until its
 * handler is done, a failing handler is counted and the next batch follows.
 * The queue is bounded: `publish` waits while a topic holds
 * `maxQueuedEvents`, which is how a fast producer is slowed to the engine's
 * pace. Deliveries run on later turns of the event loop, never inside
 * `publish`.
 */
import type { Event } from "../streams/event.ts";
import { BUS_TOPICS, DEFAULT_GROUPS, emptyStats, type BatchHandler, type Bus, type BusStats, type BusTopic, type Origin, type SubscribeOptions, type Subscription } from "./bus.ts";
import { isThenable, rejectedCount } from "./handler-result.ts";

/** Settings of an `InProcessBus`; every field has a default. */
export interface InProcessBusOptions {
  /** Partitions per topic. Default 8. */
  readonly partitions?: number;
  /** Events a topic holds (queued or being processed) before `publish` waits. Default 100,000. */
  readonly maxQueuedEvents?: number;
  /** Most events handed to a handler at once. Default 10,000. */
  readonly maxBatchEvents?: number;
  /** Events delivered per turn of the event loop before yielding to I/O. Default 50,000. */
  readonly sliceEvents?: number;
}

/** A batch whose handler failed, kept for inspection (the in-process dead-letter queue). */
export interface InProcessDeadLetter {
  readonly reason: string;
  readonly detail: string;
  readonly origin: Origin;
  readonly events: readonly unknown[];
}

/** How many dead letters `InProcessBus.deadLetters` keeps, newest last. */
export const KEEP_DEAD_LETTERS = 100;

interface Resolved {
  readonly partitions: number;
  readonly maxQueuedEvents: number;
  readonly maxBatchEvents: number;
  readonly sliceEvents: number;
}

function positiveInteger(options: InProcessBusOptions, field: keyof InProcessBusOptions, fallback: number): number {
  const value = options[field];
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`InProcessBus: ${field} must be a positive integer, got ${String(value)}`);
  return value;
}

class PartitionQueue {
  /** Published chunks in order; `head` indexes the first unfinished one, `cursor` the first undelivered event in it. */
  chunks: (readonly Event[])[] = [];
  head = 0;
  cursor = 0;
  /** Events enqueued and not yet delivered. */
  waiting = 0;
  busy = false;
  nextOffset = 0;

  take(max: number): readonly Event[] {
    const first = this.chunks[this.head]!;
    let batch: readonly Event[];
    if (this.cursor > 0 || first.length > max) {
      const end = Math.min(first.length, this.cursor + max);
      batch = first.slice(this.cursor, end);
      this.cursor = end;
      if (end === first.length) this.advance();
    } else {
      this.advance();
      const next = this.chunks[this.head];
      if (next === undefined || first.length + next.length > max) {
        batch = first;
      } else {
        // Several small chunks: copy them into one batch while they fit.
        const out = first.slice();
        while (this.head < this.chunks.length && out.length + this.chunks[this.head]!.length <= max) {
          const chunk = this.chunks[this.head]!;
          for (let i = 0; i < chunk.length; i++) out.push(chunk[i]!);
          this.advance();
        }
        batch = out;
      }
    }
    this.waiting -= batch.length;
    return batch;
  }

  private advance(): void {
    this.chunks[this.head] = EMPTY;
    this.head++;
    this.cursor = 0;
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

const EMPTY: readonly Event[] = Object.freeze([]);

interface Member {
  readonly handler: BatchHandler;
  readonly onAssign: ((partitions: readonly number[]) => void) | undefined;
  assigned: readonly number[];
  stopping: boolean;
  inFlight: number;
  readonly idle: (() => void)[];
}

interface Waiter {
  readonly events: readonly Event[];
  /** Settles when the events are admitted to the queue (or the bus closes). */
  readonly admitted: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

class TopicState {
  readonly partitions: PartitionQueue[];
  /** Events enqueued and not yet processed (the bound `maxQueuedEvents` applies to this). */
  queued = 0;
  readonly members: Member[] = [];
  group: string | undefined;
  readonly waiters: Waiter[] = [];

  constructor(
    readonly name: BusTopic,
    partitions: number,
  ) {
    this.partitions = Array.from({ length: partitions }, () => new PartitionQueue());
  }
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * The embedded bus. See the file header for its semantics.
 *
 * Differs from Kafka: one consumer group per topic (a second group name is
 * an error, not a second copy of the stream); events are kept only until
 * processed, not for replay; `close` discards what was never processed.
 *
 * @example
 * const bus = new InProcessBus({ maxQueuedEvents: 50_000 });
 * await bus.subscribe("events", (events) => engine.submitAll(events));
 * await bus.publish("events", events);
 * await bus.idle();
 */
export class InProcessBus implements Bus {
  readonly stats: BusStats = emptyStats();
  /** The latest batches whose handler failed, newest last. */
  readonly deadLetters: InProcessDeadLetter[] = [];
  private readonly options: Resolved;
  private readonly topics: Record<BusTopic, TopicState>;
  private readonly hashes = new Map<string, number>();
  private scheduled = false;
  private closed = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(options: InProcessBusOptions = {}) {
    this.options = {
      partitions: positiveInteger(options, "partitions", 8),
      maxQueuedEvents: positiveInteger(options, "maxQueuedEvents", 100_000),
      maxBatchEvents: positiveInteger(options, "maxBatchEvents", 10_000),
      sliceEvents: positiveInteger(options, "sliceEvents", 50_000),
    };
    this.topics = { events: new TopicState("events", this.options.partitions), tasks: new TopicState("tasks", this.options.partitions) };
  }

  publish(topic: BusTopic, events: readonly Event[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error("InProcessBus: publish after close"));
    const t = this.topicState(topic);
    const n = events.length;
    if (n === 0) return RESOLVED;
    this.stats.publishedEvents += n;
    this.stats.queuedEvents += n;
    if (t.waiters.length === 0 && (t.queued === 0 || t.queued + n <= this.options.maxQueuedEvents)) {
      this.enqueue(t, events);
      return RESOLVED;
    }
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const admitted = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    t.waiters.push({ events: events.slice(), admitted, resolve, reject });
    return admitted;
  }

  /** Resolves when every event published before the call is in the queue (none still waiting for room). */
  async flush(): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const topic of BUS_TOPICS) for (const w of this.topics[topic].waiters) pending.push(w.admitted);
    await Promise.allSettled(pending);
  }

  /** Resolves when nothing is queued, waiting or being processed on any topic. */
  idle(): Promise<void> {
    if (this.isIdle()) return RESOLVED;
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  subscribe(topic: BusTopic, handler: BatchHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    try {
      return Promise.resolve(this.join(topic, handler, options));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private join(topic: BusTopic, handler: BatchHandler, options: SubscribeOptions): Subscription {
    if (this.closed) throw new Error("InProcessBus: subscribe after close");
    const t = this.topicState(topic);
    const group = options.group ?? DEFAULT_GROUPS[topic];
    if (t.group !== undefined && t.group !== group) {
      throw new Error(`InProcessBus: topic "${topic}" is consumed by group "${t.group}"; the in-process bus supports one consumer group per topic, got "${group}"`);
    }
    t.group = group;
    const member: Member = { handler, onAssign: options.onAssign, assigned: [], stopping: false, inFlight: 0, idle: [] };
    t.members.push(member);
    this.reassign(t);
    this.schedule();
    return {
      get assigned() {
        return member.assigned;
      },
      stop: () => this.leave(t, member),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const leaving: Promise<void>[] = [];
    for (const topic of BUS_TOPICS) {
      const t = this.topics[topic];
      for (const w of t.waiters.splice(0)) {
        this.stats.queuedEvents -= w.events.length;
        w.reject(new Error("InProcessBus: closed before the events found room"));
      }
      for (const m of t.members.slice()) leaving.push(this.leave(t, m));
    }
    await Promise.all(leaving);
    for (const topic of BUS_TOPICS) {
      const t = this.topics[topic];
      for (const q of t.partitions) {
        this.stats.queuedEvents -= q.waiting;
        q.chunks = [];
        q.head = 0;
        q.cursor = 0;
        q.waiting = 0;
      }
      t.queued = 0;
    }
    this.notifyIdle();
  }

  private topicState(topic: BusTopic): TopicState {
    const t = this.topics[topic] as TopicState | undefined;
    if (t === undefined) throw new TypeError(`InProcessBus: unknown topic ${JSON.stringify(topic)}, expected one of ${BUS_TOPICS.join(", ")}`);
    return t;
  }

  private partitionOf(host: unknown): number {
    const key = typeof host === "string" ? host : "";
    let h = this.hashes.get(key);
    if (h === undefined) {
      h = 0x811c9dc5;
      for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
      h = (h >>> 0) % this.options.partitions;
      if (this.hashes.size >= 100_000) this.hashes.clear();
      this.hashes.set(key, h);
    }
    return h;
  }

  private enqueue(t: TopicState, events: readonly Event[]): void {
    const n = events.length;
    t.queued += n;
    const first = this.partitionOf(events[0]?.host);
    let same = true;
    for (let i = 1; i < n; i++) {
      if (this.partitionOf(events[i]?.host) !== first) {
        same = false;
        break;
      }
    }
    if (same) {
      const q = t.partitions[first]!;
      q.chunks.push(events.slice());
      q.waiting += n;
    } else {
      const split: Event[][] = t.partitions.map(() => []);
      for (let i = 0; i < n; i++) split[this.partitionOf(events[i]?.host)]!.push(events[i]!);
      for (let p = 0; p < split.length; p++) {
        const part = split[p]!;
        if (part.length === 0) continue;
        const q = t.partitions[p]!;
        q.chunks.push(part);
        q.waiting += part.length;
      }
    }
    this.schedule();
  }

  private admit(t: TopicState): void {
    while (t.waiters.length > 0) {
      const w = t.waiters[0]!;
      if (t.queued !== 0 && t.queued + w.events.length > this.options.maxQueuedEvents) return;
      t.waiters.shift();
      this.enqueue(t, w.events);
      w.resolve();
    }
  }

  private reassign(t: TopicState): void {
    const active = t.members.filter((m) => !m.stopping);
    const next: number[][] = active.map(() => []);
    for (let p = 0; p < t.partitions.length; p++) if (active.length > 0) next[p % active.length]!.push(p);
    for (let i = 0; i < active.length; i++) {
      const m = active[i]!;
      const assigned = next[i]!;
      if (assigned.length === m.assigned.length && assigned.every((p, j) => p === m.assigned[j])) continue;
      m.assigned = assigned;
      try {
        m.onAssign?.(assigned);
      } catch {
        // A listener's failure is its own; the assignment stands.
      }
    }
  }

  private async leave(t: TopicState, member: Member): Promise<void> {
    if (!member.stopping) {
      member.stopping = true;
      member.assigned = [];
      this.reassign(t);
      this.schedule();
    }
    if (member.inFlight > 0) await new Promise<void>((resolve) => member.idle.push(resolve));
    const i = t.members.indexOf(member);
    if (i >= 0) t.members.splice(i, 1);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.drain);
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    let budget = this.options.sliceEvents;
    let more = false;
    for (const topic of BUS_TOPICS) {
      const t = this.topics[topic];
      for (const m of t.members) {
        if (m.stopping) continue;
        for (const p of m.assigned) {
          const q = t.partitions[p]!;
          while (!q.busy && q.waiting > 0 && !m.stopping) {
            if (budget <= 0) {
              more = true;
              break;
            }
            budget -= this.deliver(t, m, q, p);
          }
        }
      }
    }
    if (more) this.schedule();
    else this.notifyIdle();
  };

  /** Hands the next batch of `q` to `m`; returns its size. */
  private deliver(t: TopicState, m: Member, q: PartitionQueue, partition: number): number {
    const batch = q.take(this.options.maxBatchEvents);
    const n = batch.length;
    const origin: Origin = { topic: t.name, partition, offset: q.nextOffset++ };
    this.stats.deliveredEvents += n;
    q.busy = true;
    m.inFlight++;
    let result: unknown;
    try {
      result = m.handler(batch, origin);
    } catch (err) {
      this.failed(origin, batch, err);
      this.done(t, m, q, n);
      return n;
    }
    if (isThenable(result)) {
      result.then(
        (r) => {
          this.stats.rejectedEvents += rejectedCount(r);
          this.done(t, m, q, n);
        },
        (err: unknown) => {
          this.failed(origin, batch, err);
          this.done(t, m, q, n);
        },
      );
    } else {
      this.stats.rejectedEvents += rejectedCount(result);
      this.done(t, m, q, n);
    }
    return n;
  }

  private failed(origin: Origin, events: readonly unknown[], err: unknown): void {
    this.stats.handlerErrors++;
    this.stats.deadLettered++;
    this.deadLetters.push({ reason: "handler_error", detail: `the handler failed: ${err instanceof Error ? err.message : String(err)}`, origin, events });
    if (this.deadLetters.length > KEEP_DEAD_LETTERS) this.deadLetters.shift();
  }

  private done(t: TopicState, m: Member, q: PartitionQueue, n: number): void {
    q.busy = false;
    m.inFlight--;
    t.queued -= n;
    this.stats.queuedEvents -= n;
    if (m.inFlight === 0) for (const resolve of m.idle.splice(0)) resolve();
    this.admit(t);
    if (q.waiting > 0 || t.waiters.length > 0) this.schedule();
    else if (this.isIdle()) this.notifyIdle();
  }

  private isIdle(): boolean {
    for (const topic of BUS_TOPICS) {
      const t = this.topics[topic];
      if (t.queued > 0 || t.waiters.length > 0) return false;
    }
    return true;
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
