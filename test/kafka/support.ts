/**
 * Shared setup of the Kafka integration tests: bus options tuned for a test
 * cluster on loopback (short session timeout so rebalances take seconds,
 * short fetch wait so members stop quickly, short linger), fresh topic names
 * per bus, and a log sink that keeps the bus's lines for failure messages
 * instead of printing kafkajs' expected complaints during fault injection.
 */
import { Kafka, logLevel, Partitioners } from "kafkajs";
import type { KafkaBusOptions, KafkaLogLevel } from "../../bus/kafka-options.ts";
import { Watch } from "../../bus/test-support.ts";
import { makeEvent, type Event } from "../../streams/event.ts";
import type { MockCluster } from "./mock-cluster.ts";

/**
 * Keeps the bus's last 200 log lines, for failure messages.
 *
 * @example
 * const sink = new LogSink();
 * const bus = new KafkaBus({ brokers, log: sink.log });
 * assert.ok(ok, sink.tail());
 */
export class LogSink {
  readonly lines: string[] = [];
  readonly log = (level: KafkaLogLevel, message: string, fields: Readonly<Record<string, unknown>>): void => {
    this.lines.push(`${level} ${message} ${JSON.stringify(fields).slice(0, 300)}`);
    if (this.lines.length > 200) this.lines.shift();
  };

  /** The last `n` lines, one per line. */
  tail(n = 20): string {
    return this.lines.slice(-n).join("\n");
  }
}

let topicCounter = 0;

/**
 * Creates `<prefix>-<n>.events`, `.tasks` (with `partitions` each) and `.dlq` (one partition) on `cluster`, with n new on every call, and returns their names.
 *
 * @example
 * const topics = await freshTopics(cluster, "rebalance", 6); // { events: "rebalance-3.events", ... }
 */
export async function freshTopics(cluster: MockCluster, prefix: string, partitions: number): Promise<{ events: string; tasks: string; dlq: string }> {
  const base = `${prefix}-${++topicCounter}`;
  const topics = { events: `${base}.events`, tasks: `${base}.tasks`, dlq: `${base}.dlq` };
  await cluster.createTopic(topics.events, partitions);
  await cluster.createTopic(topics.tasks, partitions);
  await cluster.createTopic(topics.dlq, 1);
  return topics;
}

/**
 * KafkaBus options for tests against `cluster` with `topics`: groups named after the topics, fast
 * rebalances, quiet logs; `overrides` win (producer and consumer settings merge).
 *
 * @example
 * const bus = new KafkaBus(testBusOptions(cluster, topics, sink, { requestTimeoutMs: 1_500 }));
 */
export function testBusOptions(cluster: MockCluster, topics: { events: string; tasks: string; dlq: string }, sink: LogSink, overrides: Partial<KafkaBusOptions> = {}): KafkaBusOptions {
  return {
    brokers: cluster.bootstrap,
    topics,
    groups: { events: `${topics.events}.group`, tasks: `${topics.tasks}.group` },
    log: sink.log,
    logLevel: "warn",
    closeTimeoutMs: 5_000,
    ...overrides,
    producer: { lingerMs: 5, ...overrides.producer },
    consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, maxWaitMs: 100, restartDelayMs: 500, ...overrides.consumer },
  };
}

/**
 * One host name per partition of a `partitions`-partition topic under
 * kafkajs' default (Java-compatible murmur2) partitioner: `hosts[p]` is
 * keyed to partition p. Tests send a marker per partition after their data;
 * since a partition is consumed in order, seeing every marker means every
 * earlier message (and every redelivery of one) has been handled.
 *
 * @example
 * hostsForPartitions(3); // e.g. ["marker-2", "marker-0", "marker-5"]
 */
export function hostsForPartitions(partitions: number): string[] {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, p) => ({ partitionErrorCode: 0, partitionId: p, leader: 1, replicas: [1], isr: [1] }));
  const hosts: (string | undefined)[] = new Array<string | undefined>(partitions).fill(undefined);
  for (let i = 0; hosts.includes(undefined); i++) {
    const host = `marker-${i}`;
    const p = partitioner({ topic: "any", partitionMetadata, message: { key: host, value: null } });
    hosts[p] ??= host;
  }
  return hosts as string[];
}

/**
 * Marker events (metric `MARKER_BASE + p`) for every partition, to publish after a test's data.
 *
 * @example
 * await bus.publish("events", markers(6, T0));
 */
export function markers(partitions: number, time: number): Event[] {
  return hostsForPartitions(partitions).map((host, p) => makeEvent({ host, service: "marker", time, metric: MARKER_BASE + p }));
}

/** Metric of the first marker event; test data must stay below it. */
export const MARKER_BASE = 1_000_000_000;

/** A message read with a plain kafkajs consumer. */
export interface RawRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

/**
 * Reads `count` messages of `topic` from the beginning with a plain kafkajs
 * consumer (its own group), then disconnects. Rejects after `timeoutMs`.
 *
 * @example
 * const letters = await readTopic(cluster.bootstrap, topics.dlq, 3, 20_000);
 */
export async function readTopic(brokers: readonly string[], topic: string, count: number, timeoutMs: number): Promise<RawRecord[]> {
  const kafka = new Kafka({ brokers: [...brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}`, maxWaitTimeInMs: 100, sessionTimeout: 6_000, heartbeatInterval: 500 });
  const records: RawRecord[] = [];
  const watch = new Watch();
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        records.push({ partition, offset: message.offset, key: message.key === null ? null : message.key.toString(), value: message.value, headers });
        watch.check();
        return Promise.resolve();
      },
    });
    await watch.until(() => records.length >= count, timeoutMs, `${count} messages on ${topic}`, () => `${records.length} read`);
    return records;
  } finally {
    await consumer.disconnect();
  }
}
