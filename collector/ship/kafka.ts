/**
 * The Kafka transport: each batch becomes one message per host (more when
 * large) on `satellite.events` — task events (the host's task agent's
 * "task started", "task finished", "task failed") on `satellite.tasks` —
 * keyed by the host (so one host's events stay in one partition, in order),
 * in the bus's message format (bus/codec.ts)
 * with an identity derived from the batch's producer id and sequence, so
 * the engine's consumer drops a copy of a batch it already processed
 * (bus/dedup.ts). Messages the brokers refuse for good (too large) are
 * reported as such, so the shipper drops them instead of retrying forever.
 *
 * Why not `KafkaBus.publish`: the bus's producer keeps unacknowledged
 * events in memory and retries them forever, which is right for an engine
 * but leaves a collector nothing to put on disk and no bound during a long
 * outage. This transport makes one produce request per batch with a short
 * kafkajs retry and reports failure, so the shipper's disk buffer holds
 * the batch and retries it later.
 */
import { createHash } from "node:crypto";
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { encodeParts, ENVELOPE_BYTES, MAX_PRODUCER_LENGTH } from "../../bus/codec.ts";
import { DEFAULT_TOPICS } from "../../bus/kafka-options.ts";
import { TASK_FAILED, TASK_FINISHED, TASK_STARTED } from "../../rules/builtin/services.ts";
import type { Event } from "../../streams/event.ts";
import { PermanentSendError, type Batch, type Transport } from "./transport.ts";

/** Settings of a `KafkaTransport`. */
export interface KafkaTransportOptions {
  /** Bootstrap brokers, "host:port". */
  readonly brokers: readonly string[];
  /** Topic of events. Default "satellite.events". */
  readonly topic?: string;
  /** Topic of task events. Default "satellite.tasks". */
  readonly tasksTopic?: string;
  /** Client id. Default "satellite-collector". */
  readonly clientId?: string;
  /** How long one produce request may take, ms. Default 5,000. */
  readonly requestTimeoutMs?: number;
  /** How long connecting to a broker may take, ms. Default 1,000. */
  readonly connectionTimeoutMs?: number;
  /** kafkajs' own retries of one send before it is reported failed. Default 2. */
  readonly retries?: number;
  /** Largest message value, bytes; a host's events of one batch are split into messages of at most this. Default 900,000 (Kafka's default limit is 1,048,588). */
  readonly maxMessageBytes?: number;
}

/** Defaults of `KafkaTransportOptions`, in one place. */
export const KAFKA_TRANSPORT_DEFAULTS = Object.freeze({ topic: DEFAULT_TOPICS.events, tasksTopic: DEFAULT_TOPICS.tasks, clientId: "satellite-collector", requestTimeoutMs: 5_000, connectionTimeoutMs: 1_000, retries: 2, maxMessageBytes: 900_000 });

/** The producer id written for `host`'s events of a batch: one sequence per (batch producer, host), so each partition sees increasing sequences. */
function producerFor(producer: string, host: string): string {
  const id = `${producer}/${host}`;
  return id.length <= MAX_PRODUCER_LENGTH ? id : `${producer}/${createHash("sha256").update(host).digest("hex").slice(0, 40)}`;
}

/** The services of task events, which go to the tasks topic. */
const TASK_SERVICES: ReadonlySet<string> = new Set([TASK_STARTED, TASK_FINISHED, TASK_FAILED]);

/** A batch's events split into task events and the others, each in order. */
function splitTaskEvents(all: readonly Event[]): { events: Event[]; tasks: Event[] } {
  const events: Event[] = [];
  const tasks: Event[] = [];
  for (const e of all) (TASK_SERVICES.has(e.service) ? tasks : events).push(e);
  return { events, tasks };
}

/** Most messages one host's events of one batch may be split into (the sequence is `batch.seq * MAX_CHUNKS + chunk`). */
export const MAX_CHUNKS = 1000;

/**
 * The Kafka messages of a batch: per host, in order, in messages of at most
 * `maxMessageBytes`; key = the host; identity = producer `<batch
 * producer>/<host>` and sequence `batch.seq * 1000 + chunk`, so the
 * consumer's duplicate check sees increasing sequences per partition and
 * drops a resent copy.
 *
 * @example
 * kafkaMessages({ producer: "p", seq: 3, events }, 900_000); // [{ key: "web1", value: '{"v":1,"producer":"p/web1","seq":3000,"events":[...]}' }]
 */
export function kafkaMessages(batch: Batch, maxMessageBytes: number): { key: string; value: string }[] {
  const byHost = new Map<string, string[][]>();
  const sizes = new Map<string, number>();
  for (const e of batch.events) {
    const json = JSON.stringify(e);
    let chunks = byHost.get(e.host);
    if (chunks === undefined) byHost.set(e.host, (chunks = [[]]));
    const size = sizes.get(e.host) ?? ENVELOPE_BYTES;
    if (chunks[chunks.length - 1]!.length > 0 && size + json.length + 1 > maxMessageBytes && chunks.length < MAX_CHUNKS) {
      chunks.push([]);
      sizes.set(e.host, ENVELOPE_BYTES + json.length + 1);
    } else sizes.set(e.host, size + json.length + 1);
    chunks[chunks.length - 1]!.push(json);
  }
  const messages: { key: string; value: string }[] = [];
  for (const [host, chunks] of byHost) {
    chunks.forEach((parts, i) => messages.push({ key: host, value: encodeParts(parts, { producer: producerFor(batch.producer, host), seq: batch.seq * MAX_CHUNKS + i }) }));
  }
  return messages;
}

/** Kafka errors that condemn the messages, not the connection: sending the same bytes again cannot succeed. */
function refusedForGood(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === "object" && e !== null && depth < 5; depth++) {
    const type = (e as { type?: unknown }).type;
    if (type === "MESSAGE_TOO_LARGE" || type === "RECORD_LIST_TOO_LARGE" || type === "INVALID_RECORD" || type === "CORRUPT_MESSAGE") return true;
    e = (e as { originalError?: unknown; cause?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Sends batches to Kafka. Connects on the first send, and again after a
 * failed one.
 *
 * @example
 * const transport = new KafkaTransport({ brokers: ["kafka1:9092"] });
 * await transport.send({ producer: "p", seq: 0, events });
 */
export class KafkaTransport implements Transport {
  readonly name: string;
  readonly topic: string;
  readonly tasksTopic: string;
  private readonly maxMessageBytes: number;
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;

  constructor(private readonly options: KafkaTransportOptions) {
    const brokers: string[] = Array.from(options.brokers);
    if (brokers.length === 0) throw new RangeError("collector kafka.brokers must list at least one host:port");
    for (const b of brokers) if (typeof b !== "string" || !/^[^\s:]+:\d{1,5}$/.test(b)) throw new RangeError(`collector kafka.brokers: ${JSON.stringify(b)} is not host:port`);
    this.topic = options.topic ?? KAFKA_TRANSPORT_DEFAULTS.topic;
    this.tasksTopic = options.tasksTopic ?? KAFKA_TRANSPORT_DEFAULTS.tasksTopic;
    if (this.tasksTopic === this.topic) throw new RangeError(`collector kafka.tasksTopic must differ from kafka.topic, both are ${JSON.stringify(this.topic)}`);
    this.maxMessageBytes = options.maxMessageBytes ?? KAFKA_TRANSPORT_DEFAULTS.maxMessageBytes;
    if (!Number.isInteger(this.maxMessageBytes) || this.maxMessageBytes < 1024) throw new RangeError(`collector kafka.maxMessageBytes must be an integer >= 1024, got ${String(options.maxMessageBytes)}`);
    this.name = `kafka ${brokers.join(",")}`;
    this.kafka = new Kafka({
      clientId: options.clientId ?? KAFKA_TRANSPORT_DEFAULTS.clientId,
      brokers,
      logLevel: logLevel.NOTHING,
      requestTimeout: options.requestTimeoutMs ?? KAFKA_TRANSPORT_DEFAULTS.requestTimeoutMs,
      connectionTimeout: options.connectionTimeoutMs ?? KAFKA_TRANSPORT_DEFAULTS.connectionTimeoutMs,
      retry: { retries: options.retries ?? KAFKA_TRANSPORT_DEFAULTS.retries, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
  }

  async send(batch: Batch): Promise<void> {
    const { events, tasks } = splitTaskEvents(batch.events);
    // One request for both topics: the batch is stored whole or not at all (and then sent again whole).
    const topicMessages = [
      { topic: this.topic, messages: kafkaMessages({ ...batch, events }, this.maxMessageBytes) },
      { topic: this.tasksTopic, messages: kafkaMessages({ ...batch, events: tasks }, this.maxMessageBytes) },
    ].filter((t) => t.messages.length > 0);
    if (topicMessages.length === 0) return;
    const producer = await this.connect();
    try {
      await producer.sendBatch({ acks: -1, topicMessages });
    } catch (err) {
      await this.reset();
      if (refusedForGood(err)) throw new PermanentSendError(`${this.name}: the brokers refused the batch: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.reset();
  }

  private connect(): Promise<Producer> {
    if (this.producer !== undefined) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, maxInFlightRequests: 1 });
      try {
        await producer.connect();
      } catch (err) {
        await producer.disconnect().catch(() => undefined);
        throw err;
      } finally {
        this.connecting = undefined;
      }
      this.producer = producer;
      return producer;
    })();
    return this.connecting;
  }

  private async reset(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer !== undefined) await producer.disconnect().catch(() => undefined);
  }
}
