/**
 * The bus: how events travel from collectors (and other producers) to
 * engines. This file is the contract both implementations honour, the
 * in-process bus (the embedded default) and the Kafka bus; it is owned by its
 * users, so it holds only what a producer and an engine need: publish events
 * to a topic, consume a topic in a consumer group with a handler that says
 * when a batch was processed, flush, close, and counters.
 */
import type { Event } from "../streams/event.ts";

/** The logical topics. Each implementation maps them to its own names (Kafka: `satellite.events`, `satellite.tasks`). */
export type BusTopic = "events" | "tasks";

/** Every logical topic, in a fixed order. */
export const BUS_TOPICS: readonly BusTopic[] = Object.freeze(["events", "tasks"]);

/** Where a delivered batch came from: its topic, its partition, and its position in the partition. */
export interface Origin {
  readonly topic: BusTopic;
  readonly partition: number;
  /** Position of the batch in its partition (a Kafka offset; a delivery counter in-process). */
  readonly offset: number;
}

/**
 * What a handler may report about a batch: how many events it accepted and
 * which it rejected. `Engine.submitAll`'s `BatchResult` has this shape, so
 * `(events) => engine.submitAll(events)` is a handler.
 */
export interface HandlerResult {
  readonly accepted: number;
  readonly rejected: readonly unknown[];
}

/**
 * Processes one batch of events. The events are untrusted (they came off a
 * wire): validate them, as `Engine.submitAll` does. The batch counts as
 * processed when the handler returns, or when the promise it returns
 * resolves; only then is the position after it committed. A handler that
 * throws (or rejects) does not stop the consumer: the batch is counted in
 * `handlerErrors` and dead-lettered, and the next batch follows.
 */
export type BatchHandler = (events: readonly unknown[], origin: Origin) => HandlerResult | void | Promise<HandlerResult | void>;

/** Settings of one subscription. */
export interface SubscribeOptions {
  /** Consumer group: members of one group share the topic's partitions. Default `DEFAULT_GROUPS[topic]`. */
  readonly group?: string;
  /** Called with this member's partitions (sorted) whenever the group assigns them. */
  readonly onAssign?: (partitions: readonly number[]) => void;
  /**
   * Kafka: put malformed messages on the dead-letter topic (default true).
   * False for a group that reads a topic beside the engines' (indexers, the
   * control process): the engines already set each one aside; this group
   * counts and skips it. Handler failures are set aside either way.
   */
  readonly deadLetterMalformed?: boolean;
}

/** One member of a consumer group, as returned by `subscribe`. */
export interface Subscription {
  /** This member's partitions as last assigned (empty until the group assigned it some). */
  readonly assigned: readonly number[];
  /**
   * Leaves the group: no new batches start, the batch in progress finishes
   * and is committed, then the member's partitions go to the others.
   */
  stop(): Promise<void>;
}

/** Counters every bus keeps (monotonic, except `queuedEvents`). */
export interface BusStats {
  /** Events accepted by `publish`. */
  publishedEvents: number;
  /** Events published and not yet handed over: Kafka, not yet acknowledged by the brokers; in-process, not yet processed by a handler. */
  queuedEvents: number;
  /** Events handed to handlers. */
  deliveredEvents: number;
  /** Events handlers reported rejected (per-event validation; the batch itself was fine). */
  rejectedEvents: number;
  /** Batches whose handler threw or rejected. */
  handlerErrors: number;
  /** Messages that could not be decoded (bad JSON, wrong shape, too large). Always 0 in-process. */
  malformedMessages: number;
  /** Messages set aside with a reason (malformed, or their handler failed). */
  deadLettered: number;
  /** Messages not processed again because they had been already (at-least-once redelivery). */
  duplicatesSkipped: number;
}

/**
 * Zeroed counters.
 *
 * @example
 * const stats = emptyStats(); // { publishedEvents: 0, ..., duplicatesSkipped: 0 }
 */
export function emptyStats(): BusStats {
  return { publishedEvents: 0, queuedEvents: 0, deliveredEvents: 0, rejectedEvents: 0, handlerErrors: 0, malformedMessages: 0, deadLettered: 0, duplicatesSkipped: 0 };
}

/** The producer side: what a collector needs. */
export interface EventPublisher {
  /**
   * Queues `events` for `topic`, keyed by host (one host's events stay in
   * order). Resolves once they are queued; waits while the bus's bounded
   * queue is full (backpressure), so a producer that awaits never grows it
   * without bound. Never drops events.
   */
  publish(topic: BusTopic, events: readonly Event[]): Promise<void>;
  /** Resolves when every event published before the call has been handed over (broker acknowledged, or handler done in-process). */
  flush(): Promise<void>;
}

/** The consumer side: what an engine needs. */
export interface EventSource {
  /** Joins `options.group` on `topic`; `handler` receives batches from the partitions this member is assigned. */
  subscribe(topic: BusTopic, handler: BatchHandler, options?: SubscribeOptions): Promise<Subscription>;
}

/**
 * Both sides, plus counters and shutdown.
 *
 * @example
 * const bus: Bus = new InProcessBus();               // or new KafkaBus({ brokers })
 * await bus.subscribe("events", (events) => engine.submitAll(events));
 * await bus.publish("events", [makeEvent({ host: "web1", service: "cpu", time: now, metric: 0.4 })]);
 * await bus.flush();
 * await bus.close();
 */
export interface Bus extends EventPublisher, EventSource {
  readonly stats: Readonly<BusStats>;
  /** Flushes (bounded by the implementation's close timeout), stops every subscription, releases connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Consumer group used when `SubscribeOptions.group` is not given: one per
 * topic, because a Kafka group's members must all consume the same topics
 * (kafkajs' assigners assume it).
 */
export const DEFAULT_GROUPS: Readonly<Record<BusTopic, string>> = Object.freeze({ events: "satellite-engine", tasks: "satellite-engine-tasks" });
