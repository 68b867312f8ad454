/**
 * The control process's side of the intents topic: `satellite control`
 * reads `satellite.intents` in its consumer group (`satellite-control`) and
 * hands each page, resolve and host action to the same sink `satellite
 * start` gives its rules (alerting, the scheduler's host health). Offsets
 * are committed after the sink returned, and alerting and host health write
 * through to SQLite inside it, so an intent is acted on at least once; a
 * repeat is harmless (dedup keys; a drain of a drained host changes
 * nothing). A message that does not decode, or that the sink refuses, is
 * logged with the reason and skipped: it never blocks the partition. A new
 * group starts at the end of the topic, so a first start does not act on
 * old intents (a week-old page would wake someone for nothing).
 */
import type { Consumer } from "kafkajs";
import { decodeIntentMessage, type ActionIntent } from "./intent-codec.ts";
import { DEFAULT_INTENTS_TOPIC } from "./intent-publisher.ts";
import { kafkaFor, type TransportLog } from "./kafka-transport.ts";

/** The default consumer group of the control process. */
export const DEFAULT_CONTROL_GROUP = "satellite-control";

/** Settings of a `KafkaIntentConsumer`. */
export interface KafkaIntentConsumerOptions {
  readonly brokers: readonly string[];
  /** Default `satellite.intents`. */
  readonly topic?: string | undefined;
  /** Default `satellite-control`. */
  readonly group?: string | undefined;
  /** Default 10,000. */
  readonly sessionTimeoutMs?: number | undefined;
  /** Default 1,000. */
  readonly heartbeatIntervalMs?: number | undefined;
  readonly log: TransportLog;
}

/** Counters of a consumer. */
export interface IntentConsumerStats {
  received: number;
  handled: number;
  /** Messages that do not decode (logged with the reason, skipped). */
  malformed: number;
  /** Intents the sink threw on (logged, skipped). */
  failed: number;
}

/** Receives one decoded intent and the engine that sent it. */
export type IntentHandler = (intent: ActionIntent, engine: string) => void;

/**
 * Reads intents from Kafka into a sink.
 *
 * @example
 * const consumer = new KafkaIntentConsumer({ brokers, log });
 * await consumer.start((intent) => sink(intent));
 * await consumer.close();
 */
export class KafkaIntentConsumer {
  readonly stats: IntentConsumerStats = { received: 0, handled: 0, malformed: 0, failed: 0 };
  readonly topic: string;
  readonly group: string;
  private readonly consumer: Consumer;
  private readonly log: TransportLog;
  private closed = false;

  constructor(options: KafkaIntentConsumerOptions) {
    this.topic = options.topic ?? DEFAULT_INTENTS_TOPIC;
    this.group = options.group ?? DEFAULT_CONTROL_GROUP;
    this.log = options.log;
    this.consumer = kafkaFor(options.brokers, `satellite-control`, options.log).consumer({
      groupId: this.group,
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 1_000,
      maxWaitTimeInMs: 200,
      retry: { restartOnFailure: () => Promise.resolve(!this.closed) },
    });
  }

  /** Joins the group and hands every intent to `handle`, in order per partition. */
  async start(handle: IntentHandler, onJoin?: () => void): Promise<void> {
    if (onJoin !== undefined) this.consumer.on(this.consumer.events.GROUP_JOIN, () => onJoin());
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: false });
    await this.consumer.run({
      eachMessage: ({ message, partition }) => {
        this.stats.received++;
        const where = `${this.topic} partition ${partition} offset ${message.offset}`;
        const decoded = message.value === null ? ({ ok: false, reason: "no value" } as const) : decodeIntentMessage(message.value);
        if (!decoded.ok) {
          this.stats.malformed++;
          this.log("warn", `skipped a malformed intent (${where}): ${decoded.reason}`);
          return Promise.resolve();
        }
        try {
          handle(decoded.message.intent, decoded.message.engine);
          this.stats.handled++;
        } catch (err) {
          this.stats.failed++;
          this.log("error", `could not act on ${decoded.message.intent.kind} from ${decoded.message.engine} (${where}): ${err instanceof Error ? err.message : String(err)}`);
        }
        return Promise.resolve();
      },
    });
  }

  /** Leaves the group (the intent in hand finishes and is committed). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.consumer.disconnect().catch(() => undefined);
  }
}
