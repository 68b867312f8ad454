/**
 * End-to-end test of `satellite indexer`: a child process on librdkafka's
 * mock cluster indexes what it consumes into the local Elasticsearch server
 * (dashboards/testing) in its own consumer group. While Elasticsearch
 * refuses the bulk requests, the indexer's group commits nothing and the
 * engines' group (a consumer in this test) still gets every event: an
 * outage holds back indexing only. Once Elasticsearch recovers, every event
 * is stored — into data streams made from Satellite's templates, installed
 * before the first document — the offsets are committed to the end, and
 * SIGTERM flushes and exits 0. Real processes, sockets and time, bounded:
 * every wait is on output, on the server or on the group's offsets, with a
 * timeout. Skipped, with the reason, only when gcc or librdkafka-dev is
 * missing.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { DEFAULT_GROUPS } from "../../bus/bus.ts";
import { KafkaBus } from "../../bus/kafka.ts";
import { numbered } from "../../bus/test-support.ts";
import { FAULTS, FakeElasticsearch } from "../../dashboards/testing/elasticsearch-server.ts";
import { mockClusterMissing, startMockCluster, type MockCluster } from "../../test/kafka/mock-cluster.ts";
import { until } from "../../test/until.ts";
import { DEFAULT_INDEXER_GROUP } from "./indexer.ts";

const BIN = fileURLToPath(new URL("../../bin/satellite.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EVENTS = 20;
const STREAM = "logs-satellite.events-e2e";

describe("satellite indexer", { skip: mockClusterMissing() }, () => {
  let cluster: MockCluster | undefined;
  let es: FakeElasticsearch | undefined;
  let producer: KafkaBus | undefined;
  let engineGroup: KafkaBus | undefined;
  let child: ChildProcessWithoutNullStreams | undefined;

  after(async () => {
    if (child !== undefined && child.exitCode === null) child.kill("SIGKILL");
    await engineGroup?.close();
    await producer?.close();
    await cluster?.stop();
    await es?.close();
  });

  it("holds back only its own group while Elasticsearch is down, then stores every event and commits to the end", { timeout: 120_000 }, async () => {
    es = await FakeElasticsearch.start(); // only the stock templates: the indexer installs Satellite's
    const server = es;
    cluster = await startMockCluster({
      brokers: 1,
      topics: [
        { name: "satellite.events", partitions: 2, replication: 1 },
        { name: "satellite.tasks", partitions: 1, replication: 1 },
        { name: "satellite.dlq", partitions: 1, replication: 1 },
      ],
    });
    const kafka = new Kafka({ brokers: [...cluster.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const committed = async (): Promise<number> => {
      const offsets = await admin.fetchOffsets({ groupId: DEFAULT_INDEXER_GROUP, topics: ["satellite.events"] });
      return offsets[0]!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    };
    let output = "";
    try {
      server.failBulk(FAULTS.unavailable);
      child = spawn(process.execPath, [BIN, "indexer", "--kafka", cluster.bootstrap.join(","), "--elasticsearch", server.url, "--es-namespace", "e2e", "--session-timeout", "6000"], { cwd: ROOT });
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const running = child;
      await until("ready line", () => /indexer ready: satellite\.events and satellite\.tasks in group satellite-indexer/.test(output) || running.exitCode !== null, 60_000, () => output);
      assert.equal(running.exitCode, null, output);

      // One message no reader can decode: the engines' group sets it aside, the indexer only skips it.
      const raw = kafka.producer();
      await raw.connect();
      await raw.send({ topic: "satellite.events", messages: [{ key: "web1", value: "{not json" }] });
      await raw.disconnect();
      producer = new KafkaBus({ brokers: cluster.bootstrap, logLevel: "nothing", producer: { lingerMs: 5 } });
      await producer.publish("events", numbered(0, EVENTS, 4));
      await producer.flush();
      const end = (await admin.fetchTopicOffsets("satellite.events")).reduce((sum, p) => sum + Number(p.high), 0);
      assert.ok(end > 0);

      // Elasticsearch refuses: the indexer retries and commits nothing; the engines' group is not held back.
      await until("a refused bulk request", () => server.bulkRequests > 0, 60_000, () => output);
      const seen: unknown[] = [];
      engineGroup = new KafkaBus({ brokers: cluster.bootstrap, logLevel: "nothing", consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000 } });
      await engineGroup.subscribe("events", (events) => void seen.push(...events), { group: DEFAULT_GROUPS.events });
      await until("the engines' group to get every event", () => seen.length === EVENTS, 60_000, () => `${seen.length} of ${EVENTS}`);
      // At most the malformed message (skipped, nothing to store) may be committed past.
      assert.ok((await committed()) <= 1, "no indexer offset committed past a stored-to-be event while the documents are not stored");
      assert.equal(server.documents(STREAM).length, 0);

      server.failBulk(undefined);
      const ids = (): number[] => server.documents(STREAM).map((d) => (d.satellite as { metric: number }).metric);
      await until("every event in Elasticsearch", () => new Set(ids()).size === EVENTS, 60_000, () => `ids ${JSON.stringify(ids())}\n${output}`);
      assert.deepEqual([...new Set(ids())].sort((a, b) => a - b), [...Array(EVENTS).keys()]);
      assert.equal(server.dataStreams.get(STREAM)!.template, "satellite-events", "created from Satellite's template, installed before the first document");
      let last = -1;
      await until("offsets committed to the end", async () => (last = await committed()) === end, 30_000, () => `committed ${last} of ${end}`);

      running.kill("SIGTERM");
      const [code] = (await once(running, "exit")) as [number | null];
      assert.equal(code, 0, output);
      assert.match(output, /elasticsearch: closed; \d+ indexed, 0 failed, 0 dropped, 0 abandoned/);
      // The malformed message was dead-lettered once, by the engines' group; the indexer's exit flushed nothing more.
      const deadLetters = async (): Promise<number> => (await admin.fetchTopicOffsets("satellite.dlq")).reduce((sum, p) => sum + Number(p.high), 0);
      await until("the engines' dead letter", async () => (await deadLetters()) >= 1, 30_000, () => output);
      await engineGroup.close();
      engineGroup = undefined;
      assert.equal(await deadLetters(), 1, "one dead letter, not one per group");
    } finally {
      await admin.disconnect();
    }
  });
});
