/**
 * Integration tests of the Kafka bus against librdkafka's mock cluster (three
 * brokers on 127.0.0.1, started from mock-cluster.c): the wire format as
 * docs/bus.md describes it, dead letters, a second engine joining the group,
 * a broker down for 30 seconds, and at-least-once duplicates that must not be
 * processed twice. Real sockets and real time, bounded: every wait for an
 * outcome is on an event with a timeout; the only fixed delays are the
 * 30-second outage itself and the pacing of a steady producer during it.
 * Skipped, with the reason, only when gcc or librdkafka-dev is missing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { decodeMessage } from "../../bus/codec.ts";
import { DLQ_HEADERS, KafkaBus } from "../../bus/kafka.ts";
import { idOf, numbered, Recorder, Watch } from "../../bus/test-support.ts";
import { VirtualClock } from "../../streams/clock.ts";
import { Engine } from "../../streams/engine.ts";
import { mockClusterMissing, startMockCluster, type MockCluster } from "./mock-cluster.ts";
import { freshTopics, LogSink, MARKER_BASE, markers, readTopic, testBusOptions } from "./support.ts";

const T0 = 1_700_000_000;
const PARTITIONS = 6;
/** Kafka ApiKeys used for fault injection. */
const PRODUCE = 0;
const OFFSET_COMMIT = 8;
/** Kafka error code REBALANCE_IN_PROGRESS. */
const REBALANCE_IN_PROGRESS = 27;

/** An engine fed by a bus subscription, recording what reached it. */
function engineRecorder(watch?: Watch): { engine: Engine; rec: Recorder } {
  const engine = new Engine({ clock: new VirtualClock(T0) });
  return { engine, rec: new Recorder((events) => engine.submitAll(events), watch) };
}

/** Counts of each data id (markers excluded) in `events`. */
function tally(events: readonly unknown[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const e of events) {
    const id = idOf(e);
    if (id < MARKER_BASE) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

function markersSeen(events: readonly unknown[]): number {
  const seen = new Set<number>();
  for (const e of events) if (idOf(e) >= MARKER_BASE) seen.add(idOf(e));
  return seen.size;
}

function missingIds(counts: Map<number, number>, total: number): number[] {
  const missing: number[] = [];
  for (let i = 0; i < total; i++) if (!counts.has(i)) missing.push(i);
  return missing;
}

describe("Kafka bus on librdkafka's mock cluster", { skip: mockClusterMissing() }, () => {
  let cluster: MockCluster;
  const sink = new LogSink();
  const open: KafkaBus[] = [];
  const bus = (topics: Awaited<ReturnType<typeof freshTopics>>, overrides: Parameters<typeof testBusOptions>[3] = {}): KafkaBus => {
    const b = new KafkaBus(testBusOptions(cluster, topics, sink, overrides));
    open.push(b);
    return b;
  };

  before(async () => {
    cluster = await startMockCluster({ brokers: 3 });
  });
  after(async () => {
    await Promise.all(open.map((b) => b.close()));
    await cluster.stop();
  });

  it("writes and reads the documented format, takes messages from other producers, and dead-letters malformed ones with the reason", async () => {
    const topics = await freshTopics(cluster, "format", PARTITIONS);
    const producer = bus(topics);
    await producer.publish("events", numbered(0, 15, 3));
    await producer.flush();

    // What the bus wrote, read with a plain kafkajs consumer: one message per host, keyed by host.
    const written = await readTopic(cluster.bootstrap, topics.events, 3, 20_000);
    assert.deepEqual(written.map((r) => r.key).sort(), ["host-0", "host-1", "host-2"]);
    for (const r of written) {
      const d = decodeMessage(r.value);
      assert.ok(d.ok);
      assert.equal(d.message.producer, producer.producerId);
      assert.equal(d.message.events.length, 5);
      assert.ok(d.message.events.every((e) => (e as { host: string }).host === r.key));
    }

    // A producer in "another language": plain kafkajs, hand-written JSON, good and bad messages.
    const kafka = new Kafka({ brokers: [...cluster.bootstrap], logLevel: logLevel.NOTHING });
    const raw = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await raw.connect();
    await raw.send({
      topic: topics.events,
      messages: [
        { key: "foreign", value: `{"v":1,"events":[{"host":"foreign","service":"disk /","metric":0.91,"time":${T0},"state":"warning","tags":["disk"]}]}` },
        { key: "foreign", value: '{"v":1,"events":[{"host":"foreign","service":' },
        { key: "foreign", value: '{"v":2,"events":[]}' },
        { key: "foreign", value: `{"v":1,"events":[${'{"host":"foreign","service":"pad"},'.repeat(200)}{}]}` },
        { key: "foreign", value: `{"v":1,"events":[{"host":"foreign","service":"after","time":${T0}},{"host":"foreign","time":${T0}}]}` },
      ],
    });
    await raw.disconnect();

    const consumer = bus(topics, { consumer: { maxMessageBytes: 4096 } });
    const { engine, rec } = engineRecorder();
    await consumer.subscribe("events", rec.handler);
    await rec.watch.until(() => engine.stats.accepted >= 17 && consumer.stats.deadLettered >= 3, 30_000, "17 accepted events and 3 dead letters", () => `accepted ${engine.stats.accepted}, dead letters ${consumer.stats.deadLettered}`);
    assert.equal(engine.stats.accepted, 17, "15 from the bus, 1 hand-written, 1 good event after the bad messages");
    assert.equal(consumer.stats.rejectedEvents, 1, "the event without a service is a rejection, not a malformed message");
    assert.equal(engine.stats.rejected.get("missing_service"), 1);
    assert.equal(engine.index.lookup("foreign", "disk /")?.metric, 0.91);
    assert.ok(engine.index.has("foreign", "after"), "the consumer moved on past the bad messages");
    assert.deepEqual(Object.fromEntries(consumer.stats.malformedByReason), { bad_json: 1, unsupported_version: 1, too_large: 1 });

    await consumer.flush(); // dead letters are sent by the same outbox
    const letters = await readTopic(cluster.bootstrap, topics.dlq, 3, 20_000);
    const byReason = new Map(letters.map((l) => [l.headers[DLQ_HEADERS.reason], l]));
    assert.deepEqual([...byReason.keys()].sort(), ["bad_json", "too_large", "unsupported_version"]);
    const badJson = byReason.get("bad_json")!;
    assert.equal(badJson.value?.toString(), '{"v":1,"events":[{"host":"foreign","service":');
    assert.equal(badJson.key, "foreign");
    assert.equal(badJson.headers[DLQ_HEADERS.topic], topics.events);
    assert.match(badJson.headers[DLQ_HEADERS.offset] ?? "", /^\d+$/);
    assert.match(badJson.headers[DLQ_HEADERS.partition] ?? "", /^\d+$/);
    assert.match(badJson.headers[DLQ_HEADERS.detail] ?? "", /not JSON/);
    assert.equal(badJson.headers[DLQ_HEADERS.group], `${topics.events}.group`);
  });

  it("does not process a message twice when Kafka delivers it twice (a retried produce, a refused commit)", async (t) => {
    const topics = await freshTopics(cluster, "dups", PARTITIONS);
    // The producer gives up on a request after 1.5 s; the brokers answer their next produce 3 s late
    // (after writing it), so the producer's retry writes the same messages again.
    const producer = bus(topics, { requestTimeoutMs: 1_500 });
    const consumer = bus(topics);
    const { engine, rec } = engineRecorder();
    await consumer.subscribe("events", rec.handler);
    for (const id of [1, 2, 3]) await cluster.slowRequests(id, PRODUCE, [[0, 3_000]]);
    const total = 3_000;
    for (let i = 0; i < total; i += 300) await producer.publish("events", numbered(i, 300, 30));
    await producer.flush();
    // The next two offset commits are refused as if the group were rebalancing: the consumer rejoins
    // and Kafka hands it again what it had processed since its last commit.
    await cluster.pushRequestErrors(OFFSET_COMMIT, [REBALANCE_IN_PROGRESS, REBALANCE_IN_PROGRESS]);
    for (let i = total; i < 2 * total; i += 300) await producer.publish("events", numbered(i, 300, 30));
    await producer.publish("events", markers(PARTITIONS, T0));
    await producer.flush();
    await rec.watch.until(() => markersSeen(rec.events) === PARTITIONS, 60_000, "a marker from every partition", () => `${markersSeen(rec.events)} markers, ${rec.events.length} events`);

    const counts = tally(rec.events);
    assert.deepEqual(missingIds(counts, 2 * total), [], "nothing lost");
    const twice = [...counts].filter(([, n]) => n > 1);
    assert.deepEqual(twice, [], "no event reached the engine twice");
    assert.equal(engine.stats.accepted, 2 * total + PARTITIONS);
    assert.ok(producer.stats.produceFailures > 0 || consumer.stats.commitFailures > 0, "the faults happened");
    assert.ok(consumer.stats.duplicatesSkipped > 0, `Kafka did deliver duplicates, and they were skipped (${consumer.stats.duplicatesSkipped})\n${sink.tail()}`);
    t.diagnostic(`duplicates skipped ${consumer.stats.duplicatesSkipped}, produce failures ${producer.stats.produceFailures}, commit failures ${consumer.stats.commitFailures}`);
  });

  it("rebalances when a second engine joins the group mid-stream, with no event lost and each engine's state exact", async (t) => {
    const topics = await freshTopics(cluster, "rebalance", PARTITIONS);
    const producer = bus(topics);
    const watch = new Watch();
    const a = engineRecorder(watch);
    const b = engineRecorder(watch);
    const assignments: string[] = [];
    const subA = await bus(topics).subscribe("events", a.rec.handler, { onAssign: (p) => (assignments.push(`a:${p.join(",")}`), watch.check()) });
    await watch.until(() => subA.assigned.length === PARTITIONS, 20_000, "the first engine to own every partition");

    const total = 30_000;
    const hosts = 60;
    let published = 0;
    const publishing = (async () => {
      while (published < total) {
        await producer.publish("events", numbered(published, 200, hosts));
        published += 200;
        await producer.flush();
      }
    })();
    await watch.until(() => a.rec.events.length >= 3_000, 20_000, "the first engine to be busy");
    const subB = await bus(topics).subscribe("events", b.rec.handler, { onAssign: (p) => (assignments.push(`b:${p.join(",")}`), watch.check()) });
    await watch.until(
      () => subA.assigned.length > 0 && subB.assigned.length > 0 && subA.assigned.length + subB.assigned.length === PARTITIONS,
      30_000,
      "the partitions to be split between both engines",
      () => assignments.join(" "),
    );
    await publishing;
    await producer.publish("events", markers(PARTITIONS, T0));
    await producer.flush();
    await watch.until(() => markersSeen([...a.rec.events, ...b.rec.events]) === PARTITIONS, 60_000, "a marker from every partition");

    const countsA = tally(a.rec.events);
    const countsB = tally(b.rec.events);
    const both = new Map(countsA);
    for (const [id, n] of countsB) both.set(id, (both.get(id) ?? 0) + n);
    assert.deepEqual(missingIds(both, total), [], "no event lost");
    assert.deepEqual([...countsA].filter(([, n]) => n > 1), [], "the first engine processed no event twice");
    assert.deepEqual([...countsB].filter(([, n]) => n > 1), [], "the second engine processed no event twice");
    assert.ok(b.rec.events.length > 0, "the second engine took work");

    // At-least-once across the hand-over: an event the first engine processed after its last successful
    // commit may reach the second engine too (the mock refuses commits during a rebalance). Such copies
    // are confined to partitions that moved, and leave each engine's state exactly as without them:
    // the index keeps the latest event per host and service.
    const idsByHost = (r: Recorder): Map<string, number[]> => {
      const m = new Map<string, number[]>();
      for (const e of r.events) {
        const { host, metric } = e as { host: string; metric: number };
        if (metric >= MARKER_BASE) continue;
        let list = m.get(host);
        if (list === undefined) m.set(host, (list = []));
        list.push(metric);
      }
      return m;
    };
    const aByHost = idsByHost(a.rec);
    const bByHost = idsByHost(b.rec);
    for (const [host, bIds] of bByHost) {
      const aIds = aByHost.get(host) ?? [];
      const inB = new Set(bIds);
      const copied = aIds.filter((id) => inB.has(id));
      assert.deepEqual(copied, aIds.slice(aIds.length - copied.length), `${host}: the copies are the first engine's last events (its uncommitted tail), nothing older`);
    }
    for (let h = 0; h < hosts; h++) {
      const host = `host-${h}`;
      const lastId = total - hosts + h;
      const finalOwner = bByHost.has(host) ? b.engine : a.engine;
      assert.equal(finalOwner.index.lookup(host, "seq")?.metric, lastId, `${host}'s latest event is the one its engine holds`);
    }
    const copies = [...both.values()].filter((n) => n > 1).length;
    assert.ok(copies <= total / 10, `copies across the hand-over are bounded by the uncommitted tail (${copies})`);
    t.diagnostic(`events ${total}: first engine ${a.rec.events.length}, second ${b.rec.events.length}, processed by both ${copies}; assignments ${assignments.join(" ")}`);
  });

  it("loses nothing and processes nothing twice when a broker (the group's coordinator) is down for 30 seconds", { timeout: 110_000 }, async (t) => {
    const topics = await freshTopics(cluster, "outage", PARTITIONS);
    const downed = 2;
    const group = `${topics.events}.group`;
    await cluster.setCoordinator(group, downed);
    const producer = bus(topics, { producer: { maxQueuedEvents: 20_000 } });
    const consumer = bus(topics);
    const { engine, rec } = engineRecorder();
    const sub = await consumer.subscribe("events", rec.handler, { onAssign: () => rec.watch.check() });
    await rec.watch.until(() => sub.assigned.length === PARTITIONS, 20_000, "the engine to own every partition");

    let published = 0;
    let running = true;
    const publishing = (async () => {
      while (running) {
        await producer.publish("events", numbered(published, 100, 30));
        published += 100;
        // A steady trickle, 2,000 events a second: the backlog of a 30 s outage must stay well under
        // the 5 MB per partition the mock cluster keeps (it drops older data, like retention).
        await delay(50);
      }
    })();
    await rec.watch.until(() => rec.events.length >= 2_000, 20_000, "events to flow before the outage");
    await cluster.down(downed);
    const outageStart = published;
    await delay(30_000); // the outage itself: the one fixed wait in this file
    await cluster.up(downed);
    const duringOutage = published - outageStart;
    await rec.watch.until(() => rec.events.length >= published, 60_000, "the backlog to drain after the broker came back", () => `${rec.events.length} of ${published}`);
    running = false;
    await publishing;
    await producer.publish("events", markers(PARTITIONS, T0));
    await producer.flush();
    await rec.watch.until(() => markersSeen(rec.events) === PARTITIONS, 60_000, "a marker from every partition", () => `${markersSeen(rec.events)} markers`);

    const counts = tally(rec.events);
    assert.deepEqual(missingIds(counts, published), [], "nothing lost");
    assert.deepEqual([...counts].filter(([, n]) => n > 1), [], "nothing processed twice");
    assert.equal(engine.stats.accepted, published + PARTITIONS);
    assert.ok(duringOutage > 0, "events kept being published during the outage");
    const felt = producer.stats.produceFailures + consumer.stats.commitFailures + consumer.stats.consumerCrashes;
    assert.ok(felt > 0, `the bus felt the outage: ${JSON.stringify({ ...producer.stats, malformedByReason: undefined })}\n${sink.tail(40)}`);
    assert.equal(producer.stats.droppedOnClose + producer.stats.unsendableMessages, 0);
    t.diagnostic(
      `events ${published} (${duringOutage} published during the outage); produce failures ${producer.stats.produceFailures}, commit failures ${consumer.stats.commitFailures}, ` +
        `consumer crashes ${consumer.stats.consumerCrashes}, restarts ${consumer.stats.consumerRestarts}, duplicates skipped ${consumer.stats.duplicatesSkipped}`,
    );
  });
});
