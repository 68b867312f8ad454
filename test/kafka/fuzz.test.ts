/**
 * The Kafka half of the fuzz test through a real broker: a few hundred
 * mutated messages (bus/fuzz-support.ts, seeded) written with a plain
 * kafkajs producer onto the events topic of librdkafka's mock cluster, then
 * good events. The Kafka bus's consumer must not crash, must count and
 * dead-letter exactly the messages the decoder calls malformed, and must
 * process all the good input that follows. bus/fuzz.test.ts does the same
 * for 120,000 messages without the broker.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { decodeMessage } from "../../bus/codec.ts";
import { mutate, Rng, seedMessages } from "../../bus/fuzz-support.ts";
import { DLQ_HEADERS, KafkaBus } from "../../bus/kafka.ts";
import { idOf, numbered, Recorder } from "../../bus/test-support.ts";
import { VirtualClock } from "../../streams/clock.ts";
import { Engine } from "../../streams/engine.ts";
import { mockClusterMissing, startMockCluster, type MockCluster } from "./mock-cluster.ts";
import { freshTopics, LogSink, MARKER_BASE, markers, readTopic, testBusOptions } from "./support.ts";

const T0 = 1_700_000_000;
const PARTITIONS = 4;
const MUTATED = 400;
const LIMITS = { maxMessageBytes: 64 * 1024, maxEvents: 100_000 };

describe("fuzzing the Kafka bus through the mock broker", { skip: mockClusterMissing() }, () => {
  let cluster: MockCluster;
  before(async () => {
    cluster = await startMockCluster({ brokers: 3 });
  });
  after(async () => {
    await cluster.stop();
  });

  it(`survives ${MUTATED} mutated messages, dead-letters exactly the malformed ones, then processes good input`, async () => {
    const topics = await freshTopics(cluster, "fuzz", PARTITIONS);
    const rng = new Rng(0xbad5eed);
    const seeds = seedMessages(rng, T0);
    const values = Array.from({ length: MUTATED }, () => mutate(rng, seeds));
    const expectedMalformed = values.filter((v) => !decodeMessage(v, LIMITS).ok).length;
    assert.ok(expectedMalformed > MUTATED / 4, `the mutations make plenty of bad messages (${expectedMalformed})`);

    const kafka = new Kafka({ brokers: [...cluster.bootstrap], logLevel: logLevel.NOTHING });
    const raw = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await raw.connect();
    for (let i = 0; i < values.length; i += 100) {
      await raw.send({ topic: topics.events, messages: values.slice(i, i + 100).map((value, j) => ({ key: `k${(i + j) % 13}`, value })) });
    }
    await raw.disconnect();

    const sink = new LogSink();
    const bus = new KafkaBus(testBusOptions(cluster, topics, sink, { consumer: { maxMessageBytes: LIMITS.maxMessageBytes } }));
    try {
      const engine = new Engine({ clock: new VirtualClock(T0) });
      const rec = new Recorder((events) => engine.submitAll(events));
      await bus.subscribe("events", rec.handler);
      await bus.publish("events", numbered(0, 1_000, 20));
      await bus.publish("events", markers(PARTITIONS, T0));
      await bus.flush();
      const markersSeen = (): number => new Set(rec.events.filter((e) => idOf(e) >= MARKER_BASE).map(idOf)).size;
      await rec.watch.until(() => markersSeen() === PARTITIONS, 60_000, "good input after the fuzz to reach the engine", () => `${markersSeen()} markers`);

      const good = new Set(rec.events.map(idOf).filter((id) => id >= 0 && id < 1_000 && Number.isInteger(id)));
      assert.equal(good.size, 1_000, "every good event sent after the fuzz was processed");
      assert.equal(bus.stats.malformedMessages, expectedMalformed, "exactly the malformed messages are counted");
      assert.equal(bus.stats.deadLettered, expectedMalformed);
      assert.equal(bus.stats.handlerErrors, 0);
      assert.equal(bus.stats.consumerCrashes, 0, `the consumer never crashed\n${sink.tail()}`);
      assert.ok(bus.stats.rejectedEvents > 0, "hostile events inside valid messages are the engine's rejections");
      assert.equal(bus.stats.rejectedEvents, engine.rejectedTotal);

      await bus.flush();
      const letters = await readTopic(cluster.bootstrap, topics.dlq, expectedMalformed, 30_000);
      assert.equal(letters.length, expectedMalformed);
      assert.ok(letters.every((l) => (l.headers[DLQ_HEADERS.reason] ?? "").length > 0 && (l.headers[DLQ_HEADERS.detail] ?? "").length > 0), "every dead letter says why");
    } finally {
      await bus.close();
    }
  });
});
