/**
 * Tests of the mock-cluster launcher and its TypeScript driver: it builds,
 * starts three brokers on loopback, answers every command with "ok" or an
 * error, and stops. Skipped, with the reason, only when gcc or
 * librdkafka-dev is missing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildLauncher, mockClusterMissing, startMockCluster } from "./mock-cluster.ts";

describe("mock cluster launcher", { skip: mockClusterMissing() }, () => {
  it("builds once into the cache and reuses the binary", () => {
    const first = buildLauncher();
    assert.equal(buildLauncher(), first);
    assert.match(first, /mock-cluster-[0-9a-f]{12}$/);
  });

  it("starts brokers on 127.0.0.1, answers commands, reports errors, and stops", async () => {
    const cluster = await startMockCluster({ brokers: 3, topics: [{ name: "t.one", partitions: 2 }] });
    try {
      assert.equal(cluster.bootstrap.length, 3);
      for (const b of cluster.bootstrap) assert.match(b, /^127\.0\.0\.1:\d+$/);
      assert.equal(await cluster.createTopic("t.two", 3), "ok topic t.two 3 3");
      assert.match(await cluster.down(2), /^ok down 2/);
      assert.match(await cluster.up(2), /^ok up 2/);
      assert.match(await cluster.slowRequests(1, 0, [[0, 10]]), /^ok slow/);
      assert.match(await cluster.pushRequestErrors(8, [27]), /^ok errors/);
      assert.match(await cluster.setCoordinator("g", 3), /^ok coordinator/);
      await assert.rejects(cluster.command("frobnicate"), /unknown command: frobnicate/);
      await assert.rejects(cluster.createTopic("t.bad", 0), /error/);
    } finally {
      await cluster.stop();
    }
    await assert.rejects(cluster.command("up 1"), /not running/);
  });
});
