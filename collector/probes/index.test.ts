/**
 * Tests of the probe set: settings validation with errors naming the
 * field, the default set over a fixture host (every probe contributes, one
 * series per service, all metrics finite), over an old kernel (no errors),
 * and a smoke test against this machine's real /proc and /sys.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { defaultProbes, PROBE_DEFAULTS, resolveProbeOptions, sampleProbes, type Probe } from "./index.ts";
import { FixtureTree, metricOf } from "./test-support.ts";
import type { Event } from "../../streams/event.ts";

const T0 = 1_700_000_000;
const host = "web1";

function assertWellFormed(events: readonly Event[]): void {
  assert.equal(new Set(events.map((e) => e.service)).size, events.length, "one event per service");
  for (const e of events) {
    assert.equal(e.host, host);
    if (e.state === "ok") assert.ok(Number.isFinite(e.metric) && e.metric! >= 0, `${e.service} = ${e.metric}`);
    if (e.service.endsWith(".pct") && !e.service.startsWith("system.cpu.") && e.metric !== undefined) assert.ok(e.metric <= 1, `${e.service} = ${e.metric}`);
  }
}

describe("resolveProbeOptions", () => {
  it("fills the defaults, the ttl from the interval", () => {
    const o = resolveProbeOptions(undefined);
    assert.deepEqual(o, { procRoot: "/proc", sysRoot: "/sys", mounts: PROBE_DEFAULTS.mounts, interval: 10, ttl: 30, loopback: false });
    assert.equal(resolveProbeOptions({ interval: 15 }).ttl, 45);
    assert.equal(resolveProbeOptions({ interval: 15, ttl: 20 }).ttl, 20);
    assert.deepEqual(resolveProbeOptions({ mounts: { include: ["/data"] } }).mounts.include, ["/data"]);
  });

  it("gives settings defaultProbes takes back", () => {
    assert.equal(defaultProbes(resolveProbeOptions({ interval: 5 })).length, 10);
  });

  it("throws an error naming the field", () => {
    assert.throws(() => resolveProbeOptions({ ttl: -1 }), /^Error: collector\.probes\.ttl must be a positive number, got -1$/);
    assert.throws(() => resolveProbeOptions({ procRoot: "" }, "agent.probes"), /agent\.probes\.procRoot must be a non-empty string/);
    assert.throws(() => resolveProbeOptions({ mounts: { include: ["/", 3] } }), /collector\.probes\.mounts\.include\[1\] must be a non-empty string, got 3/);
    assert.throws(() => resolveProbeOptions({ mounts: { timeoutSeconds: 0 } }), /mounts\.timeoutSeconds must be a positive number/);
    assert.throws(() => resolveProbeOptions({ loopback: "yes" }), /loopback must be true or false/);
    assert.throws(() => resolveProbeOptions({ intervl: 10 }), /collector\.probes\.intervl is not a setting \(known: procRoot, /);
    assert.throws(() => resolveProbeOptions([]), /collector\.probes must be an object/);
  });
});

describe("defaultProbes", () => {
  const tree = new FixtureTree("normal");
  after(() => tree.cleanup());

  it("samples every probe of a fixture host, first once and then with rates", async () => {
    const probes = defaultProbes({ procRoot: tree.procRoot, sysRoot: tree.sysRoot, mounts: { include: ["/"] }, ttl: 45 });
    assert.deepEqual(probes.map((p) => p.name), ["cpu", "load", "memory", "swap", "swap-pages", "filesystem", "diskio", "network", "processes", "pressure"]);
    const first = await sampleProbes(probes, { host, now: T0 });
    assert.deepEqual(first.errors, []);
    assertWellFormed(first.events);
    tree.apply("normal-later");
    const second = await sampleProbes(probes, { host, now: T0 + 10 });
    assert.deepEqual(second.errors, []);
    assertWellFormed(second.events);
    assert.ok(second.events.length > first.events.length, "rates appear on the second sample");
    assert.ok(second.events.every((e) => e.ttl === 45 && e.time === T0 + 10));
    for (const service of ["system.cpu.total.norm.pct", "system.load.norm.1", "system.memory.actual.used.pct", "system.memory.swap.used.pct", "system.memory.swap.pages_per_sec", "system.filesystem.used.pct /", "system.diskio.iostat.busy sda", "system.network.in.bytes_per_sec eth0", "system.process.summary.blocked", "linux.pressure.io.some.10.pct"]) {
      assert.ok(second.events.some((e) => e.service === service), `missing ${service}`);
    }
  });

  it("samples an old kernel without PSI and without /sys without errors", async () => {
    const old = new FixtureTree("no-psi");
    try {
      const probes = defaultProbes({ procRoot: old.procRoot, sysRoot: old.sysRoot, mounts: { include: ["/"] } });
      await sampleProbes(probes, { host, now: T0 });
      const { events, errors } = await sampleProbes(probes, { host, now: T0 + 10 });
      assert.deepEqual(errors, []);
      assert.ok(!events.some((e) => e.service.startsWith("linux.pressure.")));
      assert.equal(metricOf(events, "system.load.cores"), 2);
    } finally {
      old.cleanup();
    }
  });

  it("reads this machine's /proc and /sys and gets sane numbers", async () => {
    const probes = defaultProbes();
    const now = Date.now() / 1000;
    const first = await sampleProbes(probes, { host, now });
    const second = await sampleProbes(probes, { host, now: now + 1 });
    assert.deepEqual([...first.errors, ...second.errors], []);
    assertWellFormed(first.events);
    assertWellFormed(second.events);
    const cores = metricOf(second.events, "system.cpu.cores");
    assert.ok(Number.isInteger(cores) && cores >= 1);
    assert.ok(metricOf(second.events, "system.memory.total") > 64 * 1024 * 1024);
    const used = metricOf(second.events, "system.memory.actual.used.pct");
    assert.ok(used > 0 && used < 1);
    assert.ok(metricOf(second.events, "system.load.1") >= 0);
    assert.ok(metricOf(second.events, "system.process.summary.total") >= 1);
    assert.ok(metricOf(second.events, "system.memory.swap.pages_per_sec") >= 0);
    for (const e of second.events.filter((x) => x.service.startsWith("system.cpu.") && x.service.endsWith(".pct"))) assert.ok(e.metric! <= cores, `${e.service} = ${e.metric}`);
  });
});

describe("sampleProbes", () => {
  it("records a failing probe and keeps the others' events", async () => {
    const ok: Probe = { name: "ok", sample: (ctx) => Promise.resolve([{ host: ctx.host, service: "x", time: ctx.now, metric: 1 }]) };
    const bad: Probe = { name: "bad", sample: () => Promise.reject(new Error("boom")) };
    const { events, errors } = await sampleProbes([bad, ok], { host, now: T0 });
    assert.deepEqual(events.map((e) => e.service), ["x"]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.probe, "bad");
  });
});
