/**
 * Settings of the Kafka bus: the options a caller writes, their defaults in
 * one place, and `resolveKafkaOptions`, which fills the defaults and checks
 * every field once, at construction, with an error that names the field.
 */
import { DEFAULT_GROUPS, type BusTopic } from "./bus.ts";

/** Severity of a log line from the Kafka bus (and the kafkajs client under it). */
export type KafkaLogLevel = "error" | "warn" | "info" | "debug";

/** Receives the bus's log lines. */
export type KafkaLog = (level: KafkaLogLevel, message: string, fields: Readonly<Record<string, unknown>>) => void;

/** Producer settings: how events are batched into messages and sent. */
export interface KafkaProducerOptions {
  /** How long a partly filled message waits for more events, in ms. Default 20. */
  readonly lingerMs?: number;
  /** Most events per message. Default 1,000. */
  readonly maxMessageEvents?: number;
  /** Largest message value, in bytes before compression. Default 1,000,000 (Kafka's default limit is 1,048,588). */
  readonly maxMessageBytes?: number;
  /** Most message bytes in one produce request. Default 4,000,000. */
  readonly maxRequestBytes?: number;
  /** Events held (batching or unacknowledged) before `publish` waits. Default 200,000. */
  readonly maxQueuedEvents?: number;
  /** Kafka compression of the record batches: "none" or "gzip". Default "none". */
  readonly compression?: "none" | "gzip";
  /** Acknowledgements required: -1 (all in-sync replicas) or 1 (the leader). Default -1. */
  readonly acks?: -1 | 1;
  /** Longest wait between two attempts to send the same request, in ms. Default 5,000. */
  readonly maxRetryDelayMs?: number;
}

/** Consumer settings. */
export interface KafkaConsumerOptions {
  /** Session timeout of group members, in ms. Default 10,000. */
  readonly sessionTimeoutMs?: number;
  /** Heartbeat interval, in ms. Default 1,000. */
  readonly heartbeatIntervalMs?: number;
  /** Rebalance timeout, in ms. Default 30,000. */
  readonly rebalanceTimeoutMs?: number;
  /** Longest a fetch waits for data, in ms (also bounds how long `stop` waits for an idle fetch). Default 500. */
  readonly maxWaitMs?: number;
  /** Most bytes fetched per partition per request. Default 4 MiB. */
  readonly maxBytesPerPartition?: number;
  /** Most bytes fetched per request. Default 32 MiB. */
  readonly maxBytes?: number;
  /** Where a new group starts: at the oldest message (true) or only new ones. Default true. */
  readonly fromBeginning?: boolean;
  /** Largest message accepted; larger ones are dead-lettered as "too_large". Default 8 MiB. */
  readonly maxMessageBytes?: number;
  /** Most events per message; more are dead-lettered as "too_many_events". Default 100,000. */
  readonly maxMessageEvents?: number;
  /**
   * While the consumer is behind on a partition, commit its offsets at most this often, in ms (0:
   * after every batch). A member that has caught up with a partition, or is stopping, commits after
   * every batch regardless. Default 500.
   */
  readonly commitIntervalMs?: number;
  /** First delay before restarting a consumer that kafkajs gave up on, in ms (doubles up to 10 s). Default 1,000. */
  readonly restartDelayMs?: number;
  /** Largest value copied into a dead letter; longer ones are cut and marked. Default 900,000 (a dead letter must fit Kafka's default 1 MB message limit). */
  readonly maxDeadLetterBytes?: number;
}

/** Settings of a `KafkaBus`. Only `brokers` is required. */
export interface KafkaBusOptions {
  /** Bootstrap brokers, "host:port". `KAFKA_BROKERS` holds them comma-separated in the CLI. */
  readonly brokers: readonly string[];
  /** Client id sent to the brokers. Default "satellite". */
  readonly clientId?: string;
  /** Kafka topic names. Defaults: `satellite.events`, `satellite.tasks`, `satellite.dlq`. */
  readonly topics?: { readonly events?: string; readonly tasks?: string; readonly dlq?: string };
  /** Consumer groups used when `subscribe` names none. Defaults: `DEFAULT_GROUPS` (`satellite-engine`, `satellite-engine-tasks`). */
  readonly groups?: { readonly events?: string; readonly tasks?: string };
  readonly producer?: KafkaProducerOptions;
  readonly consumer?: KafkaConsumerOptions;
  /** Where log lines go. Default: "warn" and "error" lines as JSON on stderr. Resolved, it passes only lines at `logLevel` or above and never throws. */
  readonly log?: KafkaLog;
  /** Least severe level passed to `log`. Default "warn". */
  readonly logLevel?: KafkaLogLevel | "nothing";
  /** How long `close` waits for unsent events to be acknowledged, in ms. Default 10,000. */
  readonly closeTimeoutMs?: number;
  /** How long a Kafka request may take before it fails and is retried, in ms. Default 30,000. */
  readonly requestTimeoutMs?: number;
  /** How long connecting to a broker may take, in ms. Default 1,000. */
  readonly connectionTimeoutMs?: number;
}

/** Default Kafka topic names. */
export const DEFAULT_TOPICS: Readonly<Record<BusTopic | "dlq", string>> = Object.freeze({
  events: "satellite.events",
  tasks: "satellite.tasks",
  dlq: "satellite.dlq",
});

/** Every setting with its value filled in. */
export interface ResolvedKafkaOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly topics: Readonly<Record<BusTopic | "dlq", string>>;
  readonly groups: Readonly<Record<BusTopic, string>>;
  readonly producer: Required<KafkaProducerOptions>;
  readonly consumer: Required<KafkaConsumerOptions>;
  /** The caller's `log`, filtered by `logLevel`. */
  readonly log: KafkaLog;
  readonly logLevel: KafkaLogLevel | "nothing";
  readonly closeTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly connectionTimeoutMs: number;
}

/** The defaults, in one place. */
export const KAFKA_DEFAULTS = Object.freeze({
  clientId: "satellite",
  producer: Object.freeze({
    lingerMs: 20,
    maxMessageEvents: 1_000,
    maxMessageBytes: 1_000_000,
    maxRequestBytes: 4_000_000,
    maxQueuedEvents: 200_000,
    compression: "none",
    acks: -1,
    maxRetryDelayMs: 5_000,
  } satisfies Required<KafkaProducerOptions>),
  consumer: Object.freeze({
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
    rebalanceTimeoutMs: 30_000,
    maxWaitMs: 500,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
    fromBeginning: true,
    maxMessageBytes: 8 * 1024 * 1024,
    maxMessageEvents: 100_000,
    commitIntervalMs: 500,
    restartDelayMs: 1_000,
    maxDeadLetterBytes: 900_000,
  } satisfies Required<KafkaConsumerOptions>),
  logLevel: "warn",
  closeTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  connectionTimeoutMs: 1_000,
});

const LEVELS: readonly string[] = ["nothing", "error", "warn", "info", "debug"];

/**
 * The default log: one JSON line per log line on stderr.
 *
 * @example
 * stderrLog("warn", "kafka send failed", { retryInMs: 200 }); // {"level":"warn","component":"kafka-bus",...}
 */
export const stderrLog: KafkaLog = (level, message, fields) => {
  process.stderr.write(`${JSON.stringify({ level, component: "kafka-bus", message, ...fields })}\n`);
};

function integer(field: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`KafkaBus: ${field} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function topicName(field: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !/^[A-Za-z0-9._-]{1,249}$/.test(value)) {
    throw new RangeError(`KafkaBus: ${field} must be a Kafka topic name (letters, digits, ".", "_", "-"; 1 to 249 characters), got ${JSON.stringify(value)}`);
  }
  return value;
}

function groupName(field: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || value.length === 0 || value.length > 255) throw new RangeError(`KafkaBus: ${field} must be a string of 1 to 255 characters, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Fills defaults and validates; throws a RangeError naming the first bad field.
 *
 * @example
 * resolveKafkaOptions({ brokers: ["127.0.0.1:9092"] }).producer.lingerMs; // 20
 * resolveKafkaOptions({ brokers: [] });  // throws "KafkaBus: brokers must be a non-empty list of "host:port", got []"
 */
export function resolveKafkaOptions(options: KafkaBusOptions): ResolvedKafkaOptions {
  const brokers = options.brokers as unknown;
  if (!Array.isArray(brokers) || brokers.length === 0 || !brokers.every((b) => typeof b === "string" && /^[^\s:]+:\d{1,5}$/.test(b))) {
    throw new RangeError(`KafkaBus: brokers must be a non-empty list of "host:port", got ${JSON.stringify(brokers)}`);
  }
  const clientId = options.clientId ?? KAFKA_DEFAULTS.clientId;
  if (typeof clientId !== "string" || clientId.length === 0) throw new RangeError(`KafkaBus: clientId must be a non-empty string, got ${JSON.stringify(clientId)}`);
  const t = options.topics ?? {};
  const topics = {
    events: topicName("topics.events", t.events, DEFAULT_TOPICS.events),
    tasks: topicName("topics.tasks", t.tasks, DEFAULT_TOPICS.tasks),
    dlq: topicName("topics.dlq", t.dlq, DEFAULT_TOPICS.dlq),
  };
  if (new Set([topics.events, topics.tasks, topics.dlq]).size !== 3) {
    throw new RangeError(`KafkaBus: topics.events, topics.tasks and topics.dlq must be three different topics, got ${JSON.stringify(topics)}`);
  }
  const g = options.groups ?? {};
  const groups = { events: groupName("groups.events", g.events, DEFAULT_GROUPS.events), tasks: groupName("groups.tasks", g.tasks, DEFAULT_GROUPS.tasks) };
  if (groups.events === groups.tasks) throw new RangeError(`KafkaBus: groups.events and groups.tasks must differ (a group's members must all consume the same topic), got ${JSON.stringify(groups.events)} for both`);
  const p = options.producer ?? {};
  const pd = KAFKA_DEFAULTS.producer;
  const compression = p.compression ?? pd.compression;
  if (compression !== "none" && compression !== "gzip") throw new RangeError(`KafkaBus: producer.compression must be "none" or "gzip", got ${JSON.stringify(compression)}`);
  const acks = p.acks ?? pd.acks;
  if (acks !== -1 && acks !== 1) throw new RangeError(`KafkaBus: producer.acks must be -1 or 1, got ${JSON.stringify(acks)}`);
  const producer = {
    lingerMs: integer("producer.lingerMs", p.lingerMs, pd.lingerMs, 0),
    maxMessageEvents: integer("producer.maxMessageEvents", p.maxMessageEvents, pd.maxMessageEvents, 1),
    maxMessageBytes: integer("producer.maxMessageBytes", p.maxMessageBytes, pd.maxMessageBytes, 1024),
    maxRequestBytes: integer("producer.maxRequestBytes", p.maxRequestBytes, pd.maxRequestBytes, 1024),
    maxQueuedEvents: integer("producer.maxQueuedEvents", p.maxQueuedEvents, pd.maxQueuedEvents, 1),
    compression,
    acks,
    maxRetryDelayMs: integer("producer.maxRetryDelayMs", p.maxRetryDelayMs, pd.maxRetryDelayMs, 1),
  } as const;
  const c = options.consumer ?? {};
  const cd = KAFKA_DEFAULTS.consumer;
  if (c.fromBeginning !== undefined && typeof c.fromBeginning !== "boolean") {
    throw new RangeError(`KafkaBus: consumer.fromBeginning must be a boolean, got ${JSON.stringify(c.fromBeginning)}`);
  }
  const consumer = {
    sessionTimeoutMs: integer("consumer.sessionTimeoutMs", c.sessionTimeoutMs, cd.sessionTimeoutMs, 1),
    heartbeatIntervalMs: integer("consumer.heartbeatIntervalMs", c.heartbeatIntervalMs, cd.heartbeatIntervalMs, 1),
    rebalanceTimeoutMs: integer("consumer.rebalanceTimeoutMs", c.rebalanceTimeoutMs, cd.rebalanceTimeoutMs, 1),
    maxWaitMs: integer("consumer.maxWaitMs", c.maxWaitMs, cd.maxWaitMs, 0),
    maxBytesPerPartition: integer("consumer.maxBytesPerPartition", c.maxBytesPerPartition, cd.maxBytesPerPartition, 1024),
    maxBytes: integer("consumer.maxBytes", c.maxBytes, cd.maxBytes, 1024),
    fromBeginning: c.fromBeginning ?? cd.fromBeginning,
    maxMessageBytes: integer("consumer.maxMessageBytes", c.maxMessageBytes, cd.maxMessageBytes, 1),
    maxMessageEvents: integer("consumer.maxMessageEvents", c.maxMessageEvents, cd.maxMessageEvents, 1),
    commitIntervalMs: integer("consumer.commitIntervalMs", c.commitIntervalMs, cd.commitIntervalMs, 0),
    restartDelayMs: integer("consumer.restartDelayMs", c.restartDelayMs, cd.restartDelayMs, 1),
    maxDeadLetterBytes: integer("consumer.maxDeadLetterBytes", c.maxDeadLetterBytes, cd.maxDeadLetterBytes, 0),
  };
  if (consumer.heartbeatIntervalMs >= consumer.sessionTimeoutMs) {
    throw new RangeError(`KafkaBus: consumer.heartbeatIntervalMs (${consumer.heartbeatIntervalMs}) must be less than consumer.sessionTimeoutMs (${consumer.sessionTimeoutMs})`);
  }
  const logLevel = options.logLevel ?? KAFKA_DEFAULTS.logLevel;
  if (!LEVELS.includes(logLevel)) throw new RangeError(`KafkaBus: logLevel must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(logLevel)}`);
  if (options.log !== undefined && typeof options.log !== "function") throw new RangeError("KafkaBus: log must be a function");
  return {
    brokers: brokers as string[],
    clientId,
    topics,
    groups,
    producer,
    consumer,
    log: filteredLog(options.log ?? stderrLog, logLevel),
    logLevel,
    closeTimeoutMs: integer("closeTimeoutMs", options.closeTimeoutMs, KAFKA_DEFAULTS.closeTimeoutMs, 0),
    requestTimeoutMs: integer("requestTimeoutMs", options.requestTimeoutMs, KAFKA_DEFAULTS.requestTimeoutMs, 1),
    connectionTimeoutMs: integer("connectionTimeoutMs", options.connectionTimeoutMs, KAFKA_DEFAULTS.connectionTimeoutMs, 1),
  };
}

/**
 * `log` restricted to lines at `threshold` or more severe, with its throws swallowed (logging never takes the bus down).
 *
 * @example
 * const log = filteredLog(stderrLog, "error");
 * log("warn", "dropped", {}); // not written
 */
export function filteredLog(log: KafkaLog, threshold: KafkaLogLevel | "nothing"): KafkaLog {
  const max = LEVELS.indexOf(threshold);
  return (level, message, fields) => {
    if (LEVELS.indexOf(level) > max) return;
    try {
      log(level, message, fields);
    } catch {
      // ignored on purpose
    }
  };
}
