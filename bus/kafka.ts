/**
 * The Kafka bus: `Bus` over Kafka through kafkajs, for engines that scale
 * out. Logical topics map to `satellite.events` and `satellite.tasks` (names
 * configurable); producers batch events into messages keyed by host
 * (docs/bus.md has the format); consumers run in consumer groups and commit
 * offsets only after the events they cover were processed; a message that
 * cannot be decoded, or whose handler fails, goes to `satellite.dlq` with the
 * reason in its headers and the consumer moves on. This file wires the
 * producer side (`Outbox`), the consumer side (`KafkaSubscription`) and the
 * dead-letter path together.
 */
import { Kafka, logLevel as KafkaLevel, Partitioners, type LogEntry, type logCreator } from "kafkajs";
import type { Event } from "../streams/event.ts";
import { emptyStats, type BatchHandler, type Bus, type BusTopic, type SubscribeOptions, type Subscription } from "./bus.ts";
import { DedupTable } from "./dedup.ts";
import { resolveKafkaOptions, type KafkaBusOptions, type KafkaLogLevel, type ResolvedKafkaOptions } from "./kafka-options.ts";
import { Outbox, type OutboxCounters } from "./kafka-producer.ts";
import { KafkaSubscription, type SubscriptionCounters } from "./kafka-subscription.ts";
import type { DeadLetter } from "./message-handler.ts";

/** The Kafka bus's counters: the `BusStats` every bus keeps, plus Kafka's own. */
export interface KafkaBusStats extends SubscriptionCounters, OutboxCounters {}

/** Dead-letter headers (all string-valued). */
export const DLQ_HEADERS = Object.freeze({
  reason: "satellite-dlq-reason",
  detail: "satellite-dlq-detail",
  topic: "satellite-source-topic",
  partition: "satellite-source-partition",
  offset: "satellite-source-offset",
  group: "satellite-group",
  truncated: "satellite-dlq-truncated-from",
});

/**
 * `Bus` over Kafka. Construction validates the options (a RangeError names
 * the bad field) and connects nothing; the producer connects on the first
 * send, each subscription on `subscribe`.
 *
 * @example
 * const bus = new KafkaBus({ brokers: (process.env.KAFKA_BROKERS ?? "").split(",") });
 * await bus.subscribe("events", (events) => engine.submitAll(events), { group: "satellite-engine" });
 * await bus.publish("events", events);
 * await bus.close();
 */
export class KafkaBus implements Bus {
  readonly stats: KafkaBusStats;
  readonly options: ResolvedKafkaOptions;
  private readonly kafka: Kafka;
  private readonly outbox: Outbox;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly groupTopics = new Map<string, BusTopic>();
  private closed = false;

  constructor(options: KafkaBusOptions) {
    this.options = resolveKafkaOptions(options);
    this.stats = { ...emptyStats(), malformedByReason: new Map(), commitFailures: 0, consumerCrashes: 0, consumerRestarts: 0, producedMessages: 0, produceFailures: 0, droppedOnClose: 0, unsendableMessages: 0, oversizedEvents: 0 };
    this.kafka = new Kafka({
      clientId: this.options.clientId,
      brokers: [...this.options.brokers],
      logLevel: kafkajsLevel(this.options.logLevel),
      logCreator: this.logCreator,
      retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5_000 },
      requestTimeout: this.options.requestTimeoutMs,
      connectionTimeout: this.options.connectionTimeoutMs,
    });
    this.outbox = new Outbox(
      this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, maxInFlightRequests: 1 }),
      this.options,
      this.stats,
    );
  }

  /** This bus's producer id, written into every message it sends (see docs/bus.md). */
  get producerId(): string {
    return this.outbox.producerId;
  }

  publish(topic: BusTopic, events: readonly Event[]): Promise<void> {
    return this.outbox.add(this.topicName(topic), events);
  }

  flush(): Promise<void> {
    return this.outbox.flush();
  }

  async subscribe(topic: BusTopic, handler: BatchHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    if (this.closed) throw new Error("KafkaBus: subscribe after close");
    this.topicName(topic);
    const group = options.group ?? this.options.groups[topic];
    if (typeof group !== "string" || group.length === 0) throw new RangeError(`KafkaBus: group must be a non-empty string, got ${JSON.stringify(group)}`);
    const taken = this.groupTopics.get(group);
    if (taken !== undefined && taken !== topic) {
      throw new Error(`KafkaBus: group "${group}" already consumes topic "${taken}"; a group's members must all consume the same topic, use another group for "${topic}"`);
    }
    this.groupTopics.set(group, topic);
    const sub = new KafkaSubscription({
      kafka: this.kafka,
      options: this.options,
      topic,
      group,
      handler,
      onAssign: options.onAssign,
      stats: this.stats,
      dedup: new DedupTable(),
      deadLetter: (letter) => this.deadLetter(letter, group),
      deadLetterMalformed: options.deadLetterMalformed ?? true,
    });
    this.subscriptions.add(sub);
    await sub.start();
    return {
      get assigned() {
        return sub.assigned;
      },
      stop: async () => {
        this.subscriptions.delete(sub);
        await sub.stop();
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const subs = [...this.subscriptions];
    this.subscriptions.clear();
    await Promise.all(subs.map((s) => s.stop()));
    const left = await this.outbox.close(this.options.closeTimeoutMs);
    if (left > 0) this.log("error", "kafka bus closed with unsent events", { events: left });
  }

  private topicName(topic: BusTopic): string {
    if (topic !== "events" && topic !== "tasks") throw new TypeError(`KafkaBus: unknown topic ${JSON.stringify(topic)}, expected "events" or "tasks"`);
    return this.options.topics[topic];
  }

  private deadLetter(letter: DeadLetter, group: string): void {
    const max = this.options.consumer.maxDeadLetterBytes;
    let value = letter.value ?? Buffer.alloc(0);
    const headers: Record<string, string> = {
      [DLQ_HEADERS.reason]: letter.reason,
      [DLQ_HEADERS.detail]: letter.detail,
      [DLQ_HEADERS.topic]: letter.topic,
      [DLQ_HEADERS.partition]: String(letter.partition),
      [DLQ_HEADERS.offset]: letter.offset,
      [DLQ_HEADERS.group]: group,
    };
    if (value.length > max) {
      headers[DLQ_HEADERS.truncated] = String(value.length);
      value = value.subarray(0, max);
    }
    this.outbox.addRaw(this.options.topics.dlq, letter.key, value, headers);
  }

  private log(level: KafkaLogLevel, message: string, fields: Record<string, unknown>): void {
    this.options.log(level, message, fields);
  }

  private readonly logCreator: logCreator = () => (entry: LogEntry) => {
    const level: KafkaLogLevel = entry.level <= KafkaLevel.ERROR ? "error" : entry.level === KafkaLevel.WARN ? "warn" : entry.level === KafkaLevel.INFO ? "info" : "debug";
    const { message, timestamp: _t, logger: _l, ...fields } = entry.log as { message: string; timestamp: string; logger?: string; [k: string]: unknown };
    this.log(level, `kafkajs ${entry.namespace}: ${message}`, fields);
  };
}

function kafkajsLevel(level: KafkaLogLevel | "nothing"): KafkaLevel {
  switch (level) {
    case "nothing": return KafkaLevel.NOTHING;
    case "error": return KafkaLevel.ERROR;
    case "warn": return KafkaLevel.WARN;
    case "info": return KafkaLevel.INFO;
    case "debug": return KafkaLevel.DEBUG;
  }
}
