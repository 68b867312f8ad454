/**
 * Tests of the swap-activity probe: pswpin/pswpout rates between two
 * samples, their sum with the parts as attributes (the built-in swap-storm
 * rule's input), 0 on a kernel without swap counters, nothing after a reset.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { swapPagesProbe } from "./swap-pages.ts";
import { FixtureTree, metricOf } from "./test-support.ts";

const T0 = 1_700_000_000;
const host = "web1";

describe("swapPagesProbe", () => {
  it("reports pages swapped in and out per second from the second sample on", async (t) => {
    const tree = new FixtureTree("normal");
    t.after(() => tree.cleanup());
    const probe = swapPagesProbe({ procRoot: tree.procRoot, ttl: 30 });
    assert.deepEqual(await probe.sample({ host, now: T0 }), []);
    tree.apply("normal-later");
    const events = await probe.sample({ host, now: T0 + 10 });
    assert.equal(metricOf(events, "system.memory.swap.in.pages_per_sec"), 30);
    assert.equal(metricOf(events, "system.memory.swap.out.pages_per_sec"), 12);
    assert.equal(metricOf(events, "system.memory.swap.pages_per_sec"), 42);
    assert.deepEqual(events.find((e) => e.service === "system.memory.swap.pages_per_sec")!.attributes, { in: "30", out: "12" });

    tree.apply("counter-reset");
    assert.deepEqual(await probe.sample({ host, now: T0 + 20 }), [], "counters went backwards: no rate");
    tree.apply("counter-reset-later");
    const resumed = await probe.sample({ host, now: T0 + 30 });
    assert.equal(metricOf(resumed, "system.memory.swap.pages_per_sec"), 10);
  });

  it("reports 0 on a kernel without swap counters", async (t) => {
    const tree = new FixtureTree("normal", "no-swap");
    t.after(() => tree.cleanup());
    const probe = swapPagesProbe({ procRoot: tree.procRoot, ttl: 30 });
    await probe.sample({ host, now: T0 });
    const events = await probe.sample({ host, now: T0 + 10 });
    assert.equal(metricOf(events, "system.memory.swap.pages_per_sec"), 0);
  });
});
