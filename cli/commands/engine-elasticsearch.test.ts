/**
 * End-to-end test of `satellite engine --kafka --elasticsearch`: engine
 * child processes on librdkafka's mock cluster index what they consume into
 * the local Elasticsearch server (dashboards/testing), and commit a batch's
 * offsets only after its documents are stored. While Elasticsearch holds
 * the first bulk request, nothing is committed; an engine killed then
 * leaves the batch uncommitted, so the next engine consumes it again and
 * every event reaches Elasticsearch (at least once); once the documents are
 * stored, the offsets are committed; SIGTERM flushes and exits 0. Real
 * processes, sockets and time, bounded: every wait is on output, on the
 * server or on the group's offsets, with a timeout. Skipped, with the
 * reason, only when gcc or librdkafka-dev is missing.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { after, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { DEFAULT_GROUPS } from "../../bus/bus.ts";
import { KafkaBus } from "../../bus/kafka.ts";
import { numbered } from "../../bus/test-support.ts";
import { createElasticsearchClient } from "../../dashboards/es/client.ts";
import { installTemplates } from "../../dashboards/es/templates.ts";
import { FakeElasticsearch } from "../../dashboards/testing/elasticsearch-server.ts";
import { mockClusterMissing, startMockCluster, type MockCluster } from "../../test/kafka/mock-cluster.ts";
import { until } from "../../test/until.ts";

const BIN = fileURLToPath(new URL("../../bin/satellite.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EVENTS = 20;
const STREAM = "logs-satellite.events-e2e";

/** One `satellite engine` child process and everything it printed. */
class EngineProcess {
  readonly child: ChildProcessWithoutNullStreams;
  output = "";

  constructor(
    readonly id: string,
    brokers: readonly string[],
    esUrl: string,
  ) {
    const args = [BIN, "engine", "--kafka", brokers.join(","), "--engine-id", id, "--no-builtin", "--rules", "test/fixtures/no-such-dir", "--session-timeout", "6000"];
    this.child = spawn(process.execPath, [...args, "--elasticsearch", esUrl, "--es-namespace", "e2e"], { cwd: ROOT });
    this.child.stdout.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** Resolves once `test(output)` is true; rejects after `ms` with the output so far. */
  async until(what: string, test: (output: string) => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!test(this.output)) {
      if (this.child.exitCode !== null) throw new Error(`engine ${this.id} exited (${this.child.exitCode}) while waiting for ${what}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`engine ${this.id}: no ${what} within ${ms} ms; output:\n${this.output}`);
      await delay(100);
    }
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }
}

describe("satellite engine --elasticsearch", { skip: mockClusterMissing() }, () => {
  let cluster: MockCluster | undefined;
  let es: FakeElasticsearch | undefined;
  let producer: KafkaBus | undefined;
  const engines: EngineProcess[] = [];

  after(async () => {
    for (const e of engines) e.kill("SIGKILL");
    es?.release();
    await producer?.close();
    await cluster?.stop();
    await es?.close();
  });

  it("commits a batch's offsets only after its documents are stored: a batch held by Elasticsearch is consumed again after a crash, nothing is lost", { timeout: 120_000 }, async () => {
    es = await FakeElasticsearch.start();
    const server = es;
    const client = createElasticsearchClient({ node: server.url });
    await installTemplates(client);
    await client.close();
    cluster = await startMockCluster({
      brokers: 1,
      topics: [
        { name: "satellite.events", partitions: 1, replication: 1 },
        { name: "satellite.tasks", partitions: 1, replication: 1 },
        { name: "satellite.dlq", partitions: 1, replication: 1 },
        { name: "satellite.aggregates", partitions: 1, replication: 1 },
        { name: "satellite.intents", partitions: 1, replication: 1 },
      ],
    });
    const kafka = new Kafka({ brokers: [...cluster.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const committed = async (): Promise<number> => {
      const offsets = await admin.fetchOffsets({ groupId: DEFAULT_GROUPS.events, topics: ["satellite.events"] });
      return Number(offsets[0]?.partitions[0]?.offset ?? -1);
    };
    try {
      server.hold();
      const first = new EngineProcess("engine-a", cluster.bootstrap, server.url);
      engines.push(first);
      await first.until("ready line", (o) => /engine engine-a ready/.test(o), 60_000);
      assert.match(first.output, /elasticsearch: indexing into http:\/\/127\.0\.0\.1:\d+\/ \(namespace e2e\)/);

      producer = new KafkaBus({ brokers: cluster.bootstrap, logLevel: "nothing", producer: { lingerMs: 5 } });
      await producer.publish("events", numbered(0, EVENTS, 4));
      await producer.flush();
      const end = Number((await admin.fetchTopicOffsets("satellite.events"))[0]!.high);
      assert.ok(end > 0);

      // The engine handled the first batch and is waiting for Elasticsearch: nothing is committed.
      await until("held bulk request", () => server.heldRequests > 0, 60_000, () => first.output);
      assert.equal(await committed(), -1, "no offset committed while the documents are not stored");

      // It dies with the batch unstored; the held request then completes, too late for its offsets.
      first.kill("SIGKILL");
      await once(first.child, "exit");
      server.release();
      const second = new EngineProcess("engine-b", cluster.bootstrap, server.url);
      engines.push(second);
      await second.until("ready line", (o) => /engine engine-b ready/.test(o), 60_000);
      // Ids of the published events indexed (expiries of these long-past events are indexed too, through the tap, without a metric).
      const ids = (): number[] => server.documents(STREAM).flatMap((d) => {
        const metric = (d.satellite as { metric?: number }).metric;
        return metric === undefined ? [] : [metric];
      });
      await until("every event in Elasticsearch", () => new Set(ids()).size === EVENTS, 60_000, () => `ids ${JSON.stringify(ids())}\n${second.output}`);
      let last = -1;
      await until("offsets committed to the end", async () => (last = await committed()) === end, 30_000, () => `committed ${last} of ${end}`);
      assert.ok(ids().length > EVENTS, `the uncommitted batch was indexed again by the second engine (at least once): ${ids().length} documents`);
      assert.deepEqual([...new Set(ids())].sort((a, b) => a - b), [...Array(EVENTS).keys()]);
      assert.ok(server.documents(STREAM).some((d) => (d.satellite as { state?: string }).state === "expired"), "expiries come through the tap");

      second.kill("SIGTERM");
      const [code] = (await once(second.child, "exit")) as [number | null];
      assert.equal(code, 0, second.output);
      assert.match(second.output, /elasticsearch: closed; \d+ indexed, 0 failed, 0 dropped, 0 abandoned/);
    } finally {
      await admin.disconnect();
    }
  });
});
