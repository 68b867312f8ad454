/**
 * Kafka ingest throughput: events per second from Kafka into one engine
 * (issue 3, item 7). Starts librdkafka's mock cluster (three brokers on
 * loopback, test/kafka/mock-cluster.c), fills a topic through the Kafka
 * bus's producer with batched messages, then times one engine consuming it
 * through the Kafka bus: fetch, decode, dedup, `Engine.submitAll`
 * (validation and index; no rules, `dispatch_*` measures rules), commit.
 * The group join is not timed: the clock starts with the first batch. The
 * producer's rate is printed too, as context. bench/run.ts calls
 * `benchKafka`.
 */
import { performance } from "node:perf_hooks";
import { KafkaBus } from "../bus/kafka.ts";
import { VirtualClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import { makeEvent, type Event } from "../streams/event.ts";
import { mockClusterMissing, startMockCluster, type MockCluster } from "../test/kafka/mock-cluster.ts";
import { judge, machine, progress, round } from "./output.ts";

/** The consume rate issue 3 asks for, events/s. */
export const KAFKA_TARGET = 500_000;

const T0 = 1_700_000_000;
const SERVICES = ["cpu", "load.1", "load.15", "memory.used", "memory.swap.pages_per_sec", "disk /.used", "disk /var.used", "net.rx_errors", "net.tx_errors", "ntp.offset"];

/** Sizes of one run; every field has a default. */
export interface KafkaBenchOptions {
  /**
   * Events produced and consumed per variant. Default 1,000,000. The mock
   * cluster keeps at most 5 MB per partition (older data is dropped, like
   * retention), so events x ~110 bytes must fit in partitions x 5 MB with
   * room for an uneven spread of hosts.
   */
  readonly events?: number;
  /** Distinct hosts (message keys). Default 1,000. */
  readonly hosts?: number;
  /** Partitions of the topic. Default 48 (see `events`). */
  readonly partitions?: number;
  /** Events per message, one variant each. Default [1000, 100]. */
  readonly messageSizes?: readonly number[];
}

/** `count` events of one host, services in rotation, numbered from `from`. */
function hostBatch(host: string, from: number, count: number): Event[] {
  const out: Event[] = new Array<Event>(count);
  for (let i = 0; i < count; i++) {
    const n = from + i;
    out[i] = makeEvent({ host, service: SERVICES[n % SERVICES.length]!, time: T0 + (n % 250) / 100, metric: (n % 1000) / 10, state: "ok", ttl: 60 });
  }
  return out;
}

interface Variant {
  readonly index: number;
  readonly events: number;
  readonly hosts: number;
  readonly partitions: number;
  readonly messageEvents: number;
}

async function runVariant(cluster: MockCluster, v: Variant, print: (line: object) => void): Promise<void> {
  const { index: variant, events, hosts, partitions, messageEvents } = v;
  const topics = { events: `bench-${variant}.events`, tasks: `bench-${variant}.tasks`, dlq: `bench-${variant}.dlq` };
  await cluster.createTopic(topics.events, partitions);
  await cluster.createTopic(topics.tasks, 1);
  await cluster.createTopic(topics.dlq, 1);
  const quiet = { log: () => undefined, logLevel: "error" as const };

  progress(`kafka: producing ${events} events in messages of ${messageEvents}`);
  const producer = new KafkaBus({ brokers: cluster.bootstrap, topics, ...quiet, producer: { maxMessageEvents: messageEvents, lingerMs: 50, maxQueuedEvents: 400_000, maxRequestBytes: 8_000_000 } });
  const perHost = Math.ceil(events / hosts);
  const startProduce = performance.now();
  let produced = 0;
  for (let round = 0; produced < events; round++) {
    for (let h = 0; h < hosts && produced < events; h++) {
      const n = Math.min(messageEvents, events - produced, perHost);
      await producer.publish("events", hostBatch(`host-${h}`, round * messageEvents, n));
      produced += n;
    }
  }
  await producer.flush();
  const produceSeconds = (performance.now() - startProduce) / 1000;
  const messages = producer.stats.producedMessages;
  await producer.close();
  print({
    name: "kafka_produce_events_per_s",
    value: round(produced / produceSeconds),
    unit: "events/s",
    events: produced,
    messages,
    events_per_message: round(produced / messages, 3),
    what: "KafkaBus.publish + flush (JSON encoding, batching by host, acks=-1) into librdkafka's mock cluster",
    ...context(partitions),
  });

  progress("kafka: consuming into one engine");
  const engine = new Engine({ clock: new VirtualClock(T0 + 10) });
  const consumer = new KafkaBus({
    brokers: cluster.bootstrap,
    topics,
    groups: { events: `bench-${variant}-engine`, tasks: `bench-${variant}-tasks` },
    ...quiet,
    consumer: { maxBytesPerPartition: 8 * 1024 * 1024, maxBytes: 64 * 1024 * 1024, maxWaitMs: 100 },
  });
  let first = 0;
  let last = 0;
  let delivered = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.subscribe("events", (batch) => {
    if (first === 0) first = performance.now();
    const result = engine.submitAll(batch);
    delivered += batch.length;
    if (delivered >= produced) {
      last = performance.now();
      done();
    }
    return result;
  });
  // Fail clearly instead of hanging if consumption stops (for instance because the mock dropped data).
  let seen = -1;
  let stalled = 0;
  const watchdog = setInterval(() => {
    if (delivered !== seen) {
      seen = delivered;
      stalled = 0;
    } else if (++stalled >= 10) done();
  }, 1_000);
  await finished;
  clearInterval(watchdog);
  if (delivered < produced) {
    await consumer.close();
    throw new Error(`kafka bench: consumption stopped at ${delivered} of ${produced} events; the mock cluster keeps only 5 MB per partition, use fewer events or more partitions`);
  }
  const seconds = (last - first) / 1000;
  const value = round(produced / seconds);
  const stats = consumer.stats;
  await consumer.close();
  print({
    name: messageEvents === 1000 ? "kafka_consume_events_per_s" : `kafka_consume_events_per_s_${messageEvents}_per_message`,
    value,
    unit: "events/s",
    ...judge(value, { op: ">=", value: KAFKA_TARGET }),
    events: produced,
    events_per_message: messageEvents,
    seconds: round(seconds, 3),
    engine_accepted: engine.stats.accepted,
    engine_rejected: engine.rejectedTotal,
    index_size: engine.index.size,
    duplicates_skipped: stats.duplicatesSkipped,
    what: "KafkaBus consumer (kafkajs fetch, decode, dedup, commit) into Engine.submitAll (validation + index, no rules), one Node process",
    peer: "Riemann publishes no Kafka-consumer figure; its published bulk TCP figure is 185,000-200,000 events/s (line riemann_published)",
    peer_value: 200_000,
    ...context(partitions),
  });
}

function context(partitions: number): Record<string, unknown> {
  return { brokers: 3, partitions, transport: "librdkafka 2.0.2 mock cluster on 127.0.0.1 (same machine)", ...machine() };
}

/**
 * Runs the Kafka benchmark and prints its lines: `kafka_produce_events_per_s`
 * and `kafka_consume_events_per_s` (the headline, messages of 1,000 events,
 * target >= 500,000 events/s), plus one consume line per other message size.
 * Throws, saying what to install, when gcc or librdkafka-dev is missing.
 *
 * @example
 * await benchKafka((line) => console.log(JSON.stringify(line)));
 * await benchKafka(printLine, { events: 200_000 }); // a quick run
 */
export async function benchKafka(print: (line: object) => void, options: KafkaBenchOptions = {}): Promise<void> {
  const missing = mockClusterMissing();
  if (missing !== undefined) throw new Error(`kafka bench: ${missing}`);
  const events = options.events ?? 1_000_000;
  const hosts = options.hosts ?? 1_000;
  const partitions = options.partitions ?? 48;
  const sizes = options.messageSizes ?? [1000, 100];
  const cluster = await startMockCluster({ brokers: 3 });
  try {
    let index = 0;
    for (const messageEvents of sizes) await runVariant(cluster, { index: index++, events, hosts, partitions, messageEvents }, print);
  } finally {
    await cluster.stop();
  }
}
