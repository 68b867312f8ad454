/**
 * Tests of the collector's settings: every default, destinations, the
 * default checks on, tuned or off, and errors that name the field.
 */
import assert from "node:assert/strict";
import os from "node:os";
import { describe, it } from "node:test";
import { VirtualClock } from "../streams/clock.ts";
import { collectorTransports } from "./collector.ts";
import { COLLECTOR_DEFAULTS, resolveCollectorOptions } from "./options.ts";

describe("resolveCollectorOptions", () => {
  it("fills every default: this host, 10 s, heartbeat, the default checks, no destination, a buffer under data/", () => {
    const o = resolveCollectorOptions();
    assert.equal(o.host, os.hostname());
    assert.equal(o.intervalSeconds, 10);
    assert.equal(o.heartbeat, true);
    assert.equal(o.probes.interval, 10);
    assert.equal(o.probes.ttl, 30);
    assert.deepEqual(o.checks.map((c) => c.name), ["free memory in MB", "free swap in MB", "percentage used of /", "df returns in timely fashion", "number of processes in uninterruptible sleep", "load average over past 15 minutes"]);
    assert.deepEqual([o.kafka, o.riemann, o.http], [undefined, [], undefined]);
    assert.equal(o.bufferDir, COLLECTOR_DEFAULTS.bufferDir);
    assert.equal(o.bufferMaxBytes, 64 * 1024 * 1024);
  });

  it("gives the probes the collector's interval unless they set their own", () => {
    assert.equal(resolveCollectorOptions({ intervalSeconds: 1 }).probes.ttl, 3);
    assert.equal(resolveCollectorOptions({ intervalSeconds: 1, probes: { interval: 5 } }).probes.interval, 5);
  });

  it("turns default checks off, tunes them, and adds command checks after them", () => {
    assert.deepEqual(resolveCollectorOptions({ defaultChecks: false }).checks, []);
    const o = resolveCollectorOptions({ defaultChecks: { diskPaths: ["/", "/var"] }, checks: [{ name: "mine", command: "true" }] });
    assert.deepEqual(o.checks.map((c) => c.name).slice(2, 4), ["percentage used of /", "percentage used of /var"]);
    assert.equal(o.checks[o.checks.length - 1]!.name, "mine");
  });

  it("builds one transport per destination, one per Riemann engine", () => {
    const o = resolveCollectorOptions({ kafka: { brokers: ["k1:9092", "k2:9092"] }, riemann: ["10.0.0.5:5555", "10.0.0.6:5555"], http: { url: "http://10.0.0.7:5001" } });
    assert.deepEqual(
      collectorTransports(o, new VirtualClock(0)).map((t) => t.name),
      ["kafka k1:9092,k2:9092", "riemann 10.0.0.5:5555", "riemann 10.0.0.6:5555", "http 10.0.0.7:5001"],
    );
  });

  const errors: [string, unknown, string | RegExp][] = [
    ["a zero interval", { intervalSeconds: 0 }, "collector.intervalSeconds must be a positive number, got 0"],
    ["an empty host", { host: "" }, 'collector.host must be a non-empty string, got ""'],
    ["a non-boolean heartbeat", { heartbeat: "yes" }, 'collector.heartbeat must be true or false, got "yes"'],
    ["a bad broker", { kafka: { brokers: ["k1"] } }, 'collector.kafka.brokers[0] must be host:port, got "k1"'],
    ["no brokers", { kafka: { brokers: [] } }, "collector.kafka.brokers must list at least one host:port, got []"],
    ["a bad Riemann endpoint", { riemann: ["10.0.0.5"] }, 'collector.riemann[0] must be host:port, got "10.0.0.5"'],
    ["an engine twice", { riemann: ["a:1", "a:1"] }, "collector.riemann lists an engine twice"],
    ["a bad URL", { http: { url: "ftp://x" } }, 'collector.http.url must be an http or https URL, got "ftp://x"'],
    ["a tiny buffer", { bufferMaxBytes: 10 }, "collector.bufferMaxBytes must be an integer >= 1024, got 10"],
    ["retries backwards", { retryInitialSeconds: 10, retryMaxSeconds: 1 }, "collector.retryMaxSeconds (1) must be >= retryInitialSeconds (10)"],
    ["a bad default-check setting", { defaultChecks: { maxLoad15: 0 } }, "collector.defaultChecks.maxLoad15 must be a positive number, got 0"],
    ["a bad check", { checks: [{ name: "x" }] }, /^collector\.checks\[0\]\.command must be a non-empty string/],
    ["a check named like a default one", { checks: [{ name: "free memory in MB", command: "true" }] }, /two checks are named "free memory in MB"/],
    ["a bad probe setting", { probes: { ttl: -1 } }, "collector.probes.ttl must be a positive number, got -1"],
    ["an unknown field", { intervall: 5 }, /^collector\.intervall is not a collector setting/],
  ];
  for (const [what, raw, message] of errors) {
    it(`rejects ${what}`, () => {
      assert.throws(() => resolveCollectorOptions(raw), { message });
    });
  }
});
