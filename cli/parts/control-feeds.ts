/**
 * The Kafka feeds of the control process (`satellite control`), the one
 * process beside the engines that runs alerting, PagerDuty, the scheduler
 * and the web page at scale. Two feeds: the engines' pages, resolves and
 * host actions from `satellite.intents` into the same sink `satellite start`
 * gives its rules; and every host's events from `satellite.events` and
 * `satellite.tasks`, read in a consumer group of its own, into a rules-less
 * engine whose index feeds the web page's fleet view, the metric history and
 * Riemann queries. Both groups start at the end of their topics the first
 * time (old intents are not acted on again; old events are not worth
 * reading for a live view) and continue from their commits after that.
 */
import { KafkaBus } from "../../bus/kafka.ts";
import { DEFAULT_TOPICS } from "../../bus/kafka-options.ts";
import { KafkaIntentConsumer, DEFAULT_CONTROL_GROUP } from "../../cluster/intent-consumer.ts";
import { DEFAULT_INTENTS_TOPIC } from "../../cluster/intent-publisher.ts";
import type { SelfMetric } from "../../dashboards/metrics/index.ts";
import { counterMetrics } from "../../dashboards/metrics/index.ts";
import type { IntentSink } from "../../rules/intents.ts";
import type { Engine } from "../../streams/engine.ts";
import { heartbeatOf } from "../kafka-flags.ts";

/** Where the control process finds Kafka, and its names there. */
export interface ControlKafkaOptions {
  readonly brokers: readonly string[];
  /** Topic names; defaults `satellite.events`, `satellite.tasks`, `satellite.dlq`, `satellite.intents`. */
  readonly topics?: { readonly events?: string; readonly tasks?: string; readonly dlq?: string; readonly intents?: string } | undefined;
  /** Consumer group of the intents (default `satellite-control`); the event feeds use `<group>-events` and `<group>-tasks`. */
  readonly group?: string | undefined;
  readonly sessionTimeoutMs?: number | undefined;
}

/** What `startControlFeeds` needs. */
export interface ControlFeedsOptions {
  readonly kafka: ControlKafkaOptions;
  /** The rules-less engine the event feeds go into. */
  readonly engine: Engine;
  /** Where the engines' intents go (alerting and host health). */
  readonly sink: IntentSink;
  readonly log: (line: string) => void;
}

/** The feeds, built but not yet joined (so their metrics can be registered first). */
export interface ControlFeeds {
  readonly intents: KafkaIntentConsumer;
  readonly events: KafkaBus;
  readonly metrics: readonly SelfMetric[];
  /** Joins Kafka: intents into the sink, events into the engine (whose stream must be set by then). */
  start(): Promise<void>;
  /** Leaves both groups (the message in hand finishes and is committed). */
  close(): Promise<void>;
}

/**
 * Builds the feeds; `start()` joins Kafka.
 *
 * @example
 * const feeds = createControlFeeds({ kafka: { brokers: ["kafka1:9092"] }, engine, sink, log: console.log });
 * await feeds.start();
 * await feeds.close();
 */
export function createControlFeeds(options: ControlFeedsOptions): ControlFeeds {
  const { kafka, engine, log } = options;
  const group = kafka.group ?? DEFAULT_CONTROL_GROUP;
  const sessionTimeoutMs = kafka.sessionTimeoutMs ?? 10_000;
  const heartbeatIntervalMs = heartbeatOf(sessionTimeoutMs);
  const intents = new KafkaIntentConsumer({
    brokers: kafka.brokers,
    topic: kafka.topics?.intents ?? DEFAULT_INTENTS_TOPIC,
    group,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    log: (level, message) => log(`kafka ${level}: ${message}`),
  });
  const events = new KafkaBus({
    brokers: kafka.brokers,
    clientId: "satellite-control",
    topics: { events: kafka.topics?.events ?? DEFAULT_TOPICS.events, tasks: kafka.topics?.tasks ?? DEFAULT_TOPICS.tasks, dlq: kafka.topics?.dlq ?? DEFAULT_TOPICS.dlq },
    groups: { events: `${group}-events`, tasks: `${group}-tasks` },
    consumer: { sessionTimeoutMs, heartbeatIntervalMs, fromBeginning: false },
    log: (level, message, fields) => log(`kafka ${level}: ${message} ${JSON.stringify(fields)}`),
  });
  const close = async (): Promise<void> => {
    await Promise.all([intents.close(), events.close()]);
  };
  const start = async (): Promise<void> => {
    await intents.start(
      (intent) => options.sink(intent),
      () => log(`control: joined group ${intents.group} on ${intents.topic}; acting on the engines' intents`),
    );
    // The engines' group sets malformed messages aside; this view only counts them (no second dead letter).
    await events.subscribe("events", (batch) => engine.submitAll(batch), { deadLetterMalformed: false });
    await events.subscribe("tasks", (batch) => engine.submitAll(batch), { deadLetterMalformed: false });
  };
  const metrics = counterMetrics("satellite_control_intents", () => intents.stats, {
    received: ["counter", "Messages read from the intents topic."],
    handled: ["counter", "Intents from the engines acted on (alerting, host health)."],
    malformed: ["counter", "Messages on the intents topic that did not decode (skipped)."],
    failed: ["counter", "Intents alerting or host health refused (skipped)."],
  });
  return { intents, events, metrics, start, close };
}
