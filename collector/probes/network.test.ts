/**
 * Tests of the network probe: per-interface rates between two samples,
 * loopback and idle interfaces skipped, an interface re-created (counters
 * restart) skipped for one interval, one that disappears forgotten.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { networkProbe, parseNetDev } from "./network.ts";
import { FixtureTree, metricOf, near } from "./test-support.ts";
import type { Event } from "../../streams/event.ts";

const T0 = 1_700_000_000;
const host = "web1";

function interfaces(events: readonly Event[]): string[] {
  return [...new Set(events.map((e) => e.attributes?.interface ?? "?"))];
}

describe("networkProbe", () => {
  const tree = new FixtureTree("normal");
  after(() => tree.cleanup());
  const probe = networkProbe({ procRoot: tree.procRoot, ttl: 30, loopback: false });

  it("reports bytes, packets, errors and drops per second per interface from the second sample on", async () => {
    assert.deepEqual(await probe.sample({ host, now: T0 }), []);
    tree.apply("normal-later");
    const events = await probe.sample({ host, now: T0 + 10 });
    assert.deepEqual(interfaces(events), ["eth0", "eth1"], "no lo, no docker0 that never moved a byte");
    assert.equal(metricOf(events, "system.network.in.bytes_per_sec eth0"), 100_000);
    assert.equal(metricOf(events, "system.network.in.packets_per_sec eth0"), 100);
    assert.equal(metricOf(events, "system.network.in.errors_per_sec eth0"), 0.5);
    assert.equal(metricOf(events, "system.network.in.dropped_per_sec eth0"), 0.2);
    assert.equal(metricOf(events, "system.network.out.bytes_per_sec eth0"), 50_000);
    assert.equal(metricOf(events, "system.network.out.packets_per_sec eth0"), 80);
    assert.equal(metricOf(events, "system.network.out.errors_per_sec eth0"), 0);
    assert.equal(near(metricOf(events, "system.network.out.dropped_per_sec eth0")), 0.1);
    assert.equal(events.length, 16);
  });

  it("skips a re-created interface for one interval and forgets one that went away", async () => {
    tree.apply("counter-reset");
    assert.deepEqual(await probe.sample({ host, now: T0 + 20 }), [], "eth0 restarted, eth1 gone");
    tree.apply("counter-reset-later");
    const events = await probe.sample({ host, now: T0 + 30 });
    assert.deepEqual(interfaces(events), ["eth0"], "eth1 is back but starts over");
    assert.equal(metricOf(events, "system.network.in.bytes_per_sec eth0"), 1000);
  });

  it("reports loopback when asked", async () => {
    const t = new FixtureTree("normal");
    try {
      const p = networkProbe({ procRoot: t.procRoot, ttl: 30, loopback: true });
      await p.sample({ host, now: T0 });
      t.apply("normal-later");
      const events = await p.sample({ host, now: T0 + 10 });
      assert.equal(metricOf(events, "system.network.in.bytes_per_sec lo"), 10_000);
    } finally {
      t.cleanup();
    }
  });
});

describe("parseNetDev", () => {
  it("reads an old kernel's line with no space after the colon", () => {
    const [eth0] = parseNetDev("h\nh\n  eth0:4294967000 3000000 1 2 0 0 0 0 123456789 200000 3 4 0 0 0 0\n");
    assert.deepEqual(eth0, { name: "eth0", inBytes: 4294967000, inPackets: 3000000, inErrors: 1, inDropped: 2, outBytes: 123456789, outPackets: 200000, outErrors: 3, outDropped: 4 });
  });
});
