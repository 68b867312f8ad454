/**
 * The Kafka side of the cluster protocol: publishes this engine's snapshots
 * to `satellite.aggregates` (keyed by engine id, so one engine's messages
 * stay in order on any number of partitions) and reads every engine's, in a
 * consumer group of its own (`satellite-aggregates-<engine id>`) that starts
 * at the end of the topic and commits nothing: every engine republishes its
 * full snapshot every few seconds, so reading from "now" is enough. Sends
 * never queue up: a snapshot still waiting when a newer one comes is
 * replaced by it (each snapshot is complete).
 */
import { Kafka, logLevel as KafkaLevel, Partitioners, type Consumer, type LogEntry, type Producer } from "kafkajs";
import { decodeMessage, encodeMessage, type ClusterMessage } from "./protocol.ts";

/** The default topic of the cluster protocol. */
export const DEFAULT_AGGREGATES_TOPIC = "satellite.aggregates";

/** Receives the transport's log lines ("warn" and "error", kafkajs' included). */
export type TransportLog = (level: "warn" | "error", message: string) => void;

/** Settings of a `KafkaClusterTransport`. */
export interface KafkaClusterTransportOptions {
  readonly brokers: readonly string[];
  readonly engineId: string;
  /** Default `satellite.aggregates`. */
  readonly topic?: string | undefined;
  /** Client id sent to the brokers. Default `satellite-cluster-<engineId>`. */
  readonly clientId?: string | undefined;
  /** Session timeout of the reader's group, in ms. Default 10,000. */
  readonly sessionTimeoutMs?: number | undefined;
  /** Heartbeat interval of the reader's group, in ms. Default 1,000. */
  readonly heartbeatIntervalMs?: number | undefined;
  readonly log: TransportLog;
}

/** Counters of a transport. */
export interface TransportStats {
  sent: number;
  sendFailures: number;
  /** Snapshots replaced by a newer one before they were sent. */
  superseded: number;
  received: number;
  /** Messages on the topic that do not decode (logged with the reason, then skipped). */
  malformed: number;
}

/**
 * A kafkajs client whose log lines (warn and error) go to `log`, with the
 * retry and connection timings all of Satellite's cluster traffic uses.
 *
 * @example
 * const producer = kafkaFor(["127.0.0.1:9092"], "satellite-intents-e1", (level, m) => console.error(level, m)).producer();
 */
export function kafkaFor(brokers: readonly string[], clientId: string, log: TransportLog): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: KafkaLevel.WARN,
    logCreator: () => (entry: LogEntry) => log(entry.level <= KafkaLevel.ERROR ? "error" : "warn", `kafkajs ${entry.namespace}: ${entry.log.message}`),
    retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5_000 },
    connectionTimeout: 3_000,
  });
}

/**
 * The names among `topics` that the cluster at `brokers` does not have.
 *
 * @example
 * const missing = await missingTopics(["127.0.0.1:9092"], ["satellite.events", "satellite.aggregates"]);
 * if (missing.length > 0) throw new Error(`create ${missing.join(", ")}`);
 */
export async function missingTopics(brokers: readonly string[], topics: readonly string[], log: TransportLog): Promise<string[]> {
  const admin = kafkaFor(brokers, "satellite-admin", log).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    return topics.filter((t) => !existing.has(t));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Carries `ClusterMessage`s over Kafka.
 *
 * @example
 * const transport = new KafkaClusterTransport({ brokers, engineId: "e1", log: (level, m) => console.error(level, m) });
 * await transport.start((m) => coordinator.receive(m), () => coordinator.transportReady());
 * transport.send(message);
 * await transport.close();
 */
export class KafkaClusterTransport {
  readonly stats: TransportStats = { sent: 0, sendFailures: 0, superseded: 0, received: 0, malformed: 0 };
  readonly topic: string;
  private readonly producer: Producer;
  private readonly consumer: Consumer;
  private readonly engineId: string;
  private readonly log: TransportLog;
  private waiting: ClusterMessage | undefined;
  private sending: Promise<void> | undefined;
  private connected = false;
  private closed = false;

  constructor(options: KafkaClusterTransportOptions) {
    this.engineId = options.engineId;
    this.topic = options.topic ?? DEFAULT_AGGREGATES_TOPIC;
    this.log = options.log;
    const kafka = kafkaFor(options.brokers, options.clientId ?? `satellite-cluster-${options.engineId}`, options.log);
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, maxInFlightRequests: 1 });
    this.consumer = kafka.consumer({
      groupId: `satellite-aggregates-${options.engineId}`,
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 1_000,
      maxWaitTimeInMs: 200,
      retry: { restartOnFailure: () => Promise.resolve(!this.closed) },
    });
  }

  /**
   * Connects, and reads the topic from its end: `receive` gets every
   * message that decodes, `ready` is called each time the reader joined its
   * group (from then on it hears what every engine publishes).
   */
  async start(receive: (message: ClusterMessage) => void, ready: () => void): Promise<void> {
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => ready());
    await this.producer.connect();
    this.connected = true;
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: false });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: ({ message, partition }) => {
        this.stats.received++;
        const decoded = message.value === null ? ({ ok: false, reason: "no value" } as const) : decodeMessage(message.value);
        if (decoded.ok) receive(decoded.message);
        else {
          this.stats.malformed++;
          this.log("warn", `skipped a malformed message on ${this.topic} (partition ${partition}, offset ${message.offset}): ${decoded.reason}`);
        }
        return Promise.resolve();
      },
    });
    if (this.waiting !== undefined) this.kick();
  }

  /** Sends `message` soon (replacing a snapshot still waiting). Never throws; a failed send is counted and logged. */
  send(message: ClusterMessage): void {
    if (this.closed) return;
    if (this.waiting !== undefined) this.stats.superseded++;
    this.waiting = message;
    if (this.connected) this.kick();
  }

  /** Sends what is waiting (at most `timeoutMs`), then disconnects. Idempotent. */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.closed) return;
    if (this.connected) this.kick();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.sending, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.closed = true;
    await Promise.all([this.consumer.disconnect().catch(() => undefined), this.producer.disconnect().catch(() => undefined)]);
  }

  private kick(): void {
    if (this.sending !== undefined) return;
    this.sending = (async () => {
      while (this.waiting !== undefined && !this.closed) {
        const message = this.waiting;
        this.waiting = undefined;
        try {
          await this.producer.send({ topic: this.topic, messages: [{ key: this.engineId, value: encodeMessage(message) }] });
          this.stats.sent++;
        } catch (err) {
          this.stats.sendFailures++;
          this.log("error", `could not publish to ${this.topic}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      this.sending = undefined;
    })();
  }
}
