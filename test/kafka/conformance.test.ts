/**
 * The bus conformance suite (bus/conformance.ts) run against the Kafka bus
 * on librdkafka's mock cluster: the same cases the in-process bus passes.
 * Skipped, with the reason, only when gcc or librdkafka-dev is missing.
 */
import { after, before, describe } from "node:test";
import { busConformance } from "../../bus/conformance.ts";
import { KafkaBus } from "../../bus/kafka.ts";
import { mockClusterMissing, startMockCluster, type MockCluster } from "./mock-cluster.ts";
import { freshTopics, LogSink, testBusOptions } from "./support.ts";

const PARTITIONS = 4;

describe("Kafka bus on the mock cluster", { skip: mockClusterMissing() }, () => {
  let cluster: MockCluster | undefined;
  const sink = new LogSink();
  before(async () => {
    cluster = await startMockCluster({ brokers: 3 });
  });
  after(async () => {
    await cluster?.stop();
  });

  busConformance("Kafka bus", {
    partitions: PARTITIONS,
    timeoutMs: 30_000,
    makeBus: async () => {
      if (cluster === undefined) throw new Error("the mock cluster did not start");
      const topics = await freshTopics(cluster, "conformance", PARTITIONS);
      return new KafkaBus(testBusOptions(cluster, topics, sink));
    },
  });
});
