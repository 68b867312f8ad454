/**
 * The Kafka transport against librdkafka's mock cluster (test/kafka): one
 * message per host in the bus's format, keyed by the host, read back by a
 * plain consumer; and the collector across an outage and a restart: the
 * broker is set down, the agent keeps sampling (batches go to the disk
 * buffer), the agent is restarted on the same buffer directory while the
 * broker is still down, the broker comes back, and every event reaches the
 * engine's consumer (KafkaBus) exactly once: retried copies, if Kafka
 * wrote any, carry the same producer id and sequence and are dropped by
 * the consumer's duplicate check (delivery to Kafka is at least once).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { decodeMessage } from "../../bus/codec.ts";
import { KafkaBus } from "../../bus/kafka.ts";
import { idOf, Recorder } from "../../bus/test-support.ts";
import { startMockCluster, mockClusterMissing, type MockCluster } from "../../test/kafka/mock-cluster.ts";
import { freshTopics, LogSink, readTopic, testBusOptions } from "../../test/kafka/support.ts";
import { VirtualClock } from "../../streams/clock.ts";
import { makeEvent } from "../../streams/event.ts";
import { Agent, type AgentProbe } from "../agent.ts";
import { KafkaTransport, kafkaMessages } from "./kafka.ts";
import { openShipping, type Shipping } from "./shipping.ts";

const NOW = Math.floor(Date.now() / 1000);

/** A probe that numbers its events: metric = 0, 1, 2, ... across agent restarts. */
function numberingProbe(counter: { next: number }): AgentProbe {
  return { name: "seq", sample: (ctx) => Promise.resolve([makeEvent({ host: ctx.host, service: "seq", time: ctx.now, metric: counter.next++, ttl: 60 })]) };
}

/** One agent tick: the clock moves a second, the sample lands, the shipper does what it can. */
async function tick(clock: VirtualClock, shipping: Shipping, seconds = 1): Promise<void> {
  clock.advanceBy(seconds);
  await new Promise((resolve) => setImmediate(resolve));
  await shipping.idle();
}

describe("kafkaMessages", () => {
  it("splits a host's events into messages under the size limit, with increasing sequences, in order", () => {
    const events = Array.from({ length: 50 }, (_, i) => makeEvent({ host: i % 2 === 0 ? "web1" : "web2", service: "seq", time: NOW, metric: i, description: "x".repeat(200) }));
    const messages = kafkaMessages({ producer: "p", seq: 4, events }, 2048);
    for (const m of messages) assert.ok(m.value.length <= 2048, `${m.value.length} bytes`);
    const web1 = messages.filter((m) => m.key === "web1").map((m) => decodeMessage(Buffer.from(m.value)));
    assert.ok(web1.length > 1);
    const seqs = web1.map((d) => (d.ok ? d.message.seq : -1));
    assert.deepEqual(seqs, seqs.map((_, i) => 4000 + i));
    assert.deepEqual(web1.flatMap((d) => (d.ok ? d.message.events.map(idOf) : [])), Array.from({ length: 25 }, (_, i) => 2 * i));
  });
});

describe("Kafka transport on librdkafka's mock cluster", { skip: mockClusterMissing() }, () => {
  let cluster: MockCluster;
  const dir = mkdtempSync(path.join(os.tmpdir(), "satellite-collector-kafka-"));

  before(async () => {
    cluster = await startMockCluster({ brokers: 3 });
  });
  after(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends one message per host, keyed by the host, in the bus's format with the batch's identity", async () => {
    const topics = await freshTopics(cluster, "collector-format", 3);
    const transport = new KafkaTransport({ brokers: cluster.bootstrap, topic: topics.events });
    const events = [makeEvent({ host: "web1", service: "cpu", time: NOW, metric: 1 }), makeEvent({ host: "web2", service: "cpu", time: NOW, metric: 2 }), makeEvent({ host: "web1", service: "mem", time: NOW, metric: 3 })];
    await transport.send({ producer: "agent-run", seq: 7, events });
    await transport.close();
    const records = await readTopic(cluster.bootstrap, topics.events, 2, 20_000);
    const byKey = new Map(records.map((r) => [r.key, decodeMessage(r.value)]));
    const web1 = byKey.get("web1");
    const web2 = byKey.get("web2");
    assert.ok(web1?.ok === true && web2?.ok === true);
    assert.deepEqual(web1.message.events.map(idOf), [1, 3]);
    assert.deepEqual(web2.message.events.map(idOf), [2]);
    assert.deepEqual([web1.message.producer, web1.message.seq], ["agent-run/web1", 7000]);
    assert.deepEqual([web2.message.producer, web2.message.seq], ["agent-run/web2", 7000]);
  });

  it("sends task events to the tasks topic and the rest to the events topic, in one request, each with the batch's identity", async () => {
    const topics = await freshTopics(cluster, "collector-tasks", 3);
    const transport = new KafkaTransport({ brokers: cluster.bootstrap, topic: topics.events, tasksTopic: topics.tasks });
    const events = [
      makeEvent({ host: "web1", service: "cpu", time: NOW, metric: 1 }),
      makeEvent({ host: "web1", service: "task started", time: NOW, metric: 2, attributes: { task_id: "t1" } }),
      makeEvent({ host: "web1", service: "heartbeat", time: NOW, metric: 3 }),
      makeEvent({ host: "web1", service: "task failed", time: NOW, metric: 4, attributes: { task_id: "t1" } }),
    ];
    await transport.send({ producer: "agent-run", seq: 2, events });
    await transport.send({ producer: "agent-run", seq: 3, events: [makeEvent({ host: "web2", service: "task finished", time: NOW, metric: 5 })] });
    await transport.close();
    const decoded = async (topic: string, count: number) =>
      (await readTopic(cluster.bootstrap, topic, count, 20_000)).map((r) => decodeMessage(r.value)).map((d) => (d.ok ? [d.message.producer, d.message.seq, d.message.events.map(idOf)] : d.malformed.reason));
    assert.deepEqual(await decoded(topics.events, 1), [["agent-run/web1", 2000, [1, 3]]]);
    const tasks = await decoded(topics.tasks, 2);
    assert.deepEqual(tasks.sort(), [["agent-run/web1", 2000, [2, 4]], ["agent-run/web2", 3000, [5]]].sort());
    assert.throws(() => new KafkaTransport({ brokers: cluster.bootstrap, topic: "same", tasksTopic: "same" }), /tasksTopic must differ from kafka\.topic/);
  });

  it("buffers on disk while the broker is down, survives an agent restart, and delivers every event once the broker is back", { timeout: 120_000 }, async (t) => {
    const topics = await freshTopics(cluster, "collector-outage", 3);
    const clock = new VirtualClock(NOW);
    const counter = { next: 0 };
    const open = (): Promise<Shipping> =>
      openShipping({
        clock,
        transports: [new KafkaTransport({ brokers: cluster.bootstrap, topic: topics.events, requestTimeoutMs: 2_000, retries: 1 })],
        bufferDir: dir,
        shipper: { retryInitialSeconds: 1, retryMaxSeconds: 4 },
      });
    const agentOn = (shipping: Shipping): Agent => new Agent({ clock, host: "web1", probes: [numberingProbe(counter)], intervalSeconds: 1, heartbeat: false, sink: (e) => shipping.push(e) });

    // Run 1: the broker is up, then goes down.
    const first = await open();
    const agent1 = agentOn(first);
    agent1.start();
    for (let i = 0; i < 5; i++) await tick(clock, first);
    assert.equal(first.stats.total.sent, counter.next, "while up, everything goes out at once");
    await cluster.down(-1); // every broker
    for (let i = 0; i < 6; i++) await tick(clock, first);
    const during = first.stats.total;
    assert.ok(during.sendFailures >= 1 && during.buffered > 0, `sends fail and batches are buffered (${JSON.stringify(during)})`);
    await agent1.stop();
    await first.close();
    const afterRun1 = counter.next;

    // Run 2 (the agent restarted), the broker still down: the old batches are on disk, new ones join them.
    const second = await open();
    assert.ok(second.stats.total.bufferedNow > 0, "the restarted agent found the previous run's batches on disk");
    const agent2 = agentOn(second);
    agent2.start();
    for (let i = 0; i < 4; i++) await tick(clock, second);
    assert.ok(counter.next > afterRun1);

    // The broker comes back: the buffer drains (oldest first), then direct sends resume.
    await cluster.up(-1);
    for (let i = 0; i < 30 && (second.stats.total.bufferedNow > 0 || second.stats.total.pending > 0); i++) await tick(clock, second);
    await agent2.stop();
    await second.idle();
    const total = second.stats.total;
    assert.equal(total.bufferedNow + total.pending, 0, `everything sent (${JSON.stringify(total)})`);
    assert.equal(total.dropped, 0);
    await second.close();

    // The engine side: a KafkaBus consumer (with its duplicate check) reads the topic.
    const sink = new LogSink();
    const bus = new KafkaBus(testBusOptions(cluster, topics, sink));
    const rec = new Recorder();
    try {
      await bus.subscribe("events", rec.handler);
      const expected = counter.next;
      await rec.watch.until(() => new Set(rec.events.map(idOf)).size >= expected, 60_000, `all ${expected} events`, () => `${new Set(rec.events.map(idOf)).size} distinct`);
      const ids = rec.events.map(idOf);
      assert.deepEqual([...new Set(ids)].sort((a, b) => a - b), Array.from({ length: expected }, (_, i) => i), "every event arrived");
      assert.equal(ids.length, new Set(ids).size, "no event reached the engine twice");
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), "in order (one host, one partition)");
      t.diagnostic(`events ${expected}, send failures ${during.sendFailures}, duplicates skipped by the consumer ${bus.stats.duplicatesSkipped}`);
    } finally {
      await bus.close();
    }
  });
});
