/**
 * The whole loop, end to end, on one machine and under the virtual clock:
 * an all-in-one Satellite (store, in-process bus, built-in rules, alerting
 * with the PagerDuty outbox, scheduler and host health, web page) with a
 * simulated fleet of 50 hosts running tasks, and the PagerDuty-compatible
 * receiver on a real socket. A swap storm on 30% of the hosts gives exactly
 * one critical page; the swapping hosts fail their checks and the rules ask
 * to drain all 15, but the guard lets at most 10% of the fleet go and pages
 * "remediation guard engaged" instead; when the storm ends the pages resolve
 * by themselves and the drained hosts return after the damping time.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../config/resolve.ts";
import { startSatellite, type Satellite } from "../cli/satellite.ts";
import { startPagerDutyReceiver, type PagerDutyReceiver } from "../notify/receiver.ts";
import { VirtualClock } from "../streams/clock.ts";

const ROUTING_KEY = "0123456789abcdef0123456789abcdef";
const START = 1_800_000_000;
const STORM_START = 120;
const STORM_SECONDS = 600;

describe("the whole loop: 50 simulated hosts, a swap storm on 30% of them", () => {
  let dir: string;
  let receiver: PagerDutyReceiver;
  let sat: Satellite;
  const clock = new VirtualClock(START);
  /** Most hosts out of scheduling at once, and when the last one came back. */
  let maxOut = 0;
  const outSeries: [number, number][] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "sat-loop-"));
    receiver = await startPagerDutyReceiver({ port: 0 });
    const config = resolveConfig({ dataDir: dir, server: { httpPort: 0, riemannPort: 0 }, rules: { dir: join(dir, "none") } }, {});
    sat = await startSatellite(config, {
      log: () => {},
      clock,
      collector: false,
      env: { PAGERDUTY_ROUTING_KEY: ROUTING_KEY, PAGERDUTY_EVENTS_URL: receiver.url },
      simulate: { hosts: 50, scenario: "swap-storm", seed: 3, settings: { start: STORM_START, duration: STORM_SECONDS } },
    });
  });

  after(async () => {
    await sat?.close();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Lets every asynchronous hand-off finish: simulated agents, the bus, the outbox's HTTP sends. */
  async function settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await sat.simulation?.idle();
      await sat.bus.idle();
      await sat.alerting.notifier.idle();
    }
  }

  async function runUntil(t: number): Promise<void> {
    while (clock.now() < START + t) {
      clock.advanceBy(1);
      await settle();
      const out = sat.scheduler!.scheduler.hosts().filter((h) => h.state === "alive" && !h.schedulable).length;
      maxOut = Math.max(maxOut, out);
      outSeries.push([clock.now() - START, out]);
    }
  }

  it("before the storm: 50 hosts registered and schedulable, jobs running, no page", async () => {
    // The simulation's settings: the storm starts 120 s in and lasts 600 s.
    await runUntil(STORM_START - 5);
    const hosts = sat.scheduler!.scheduler.hosts();
    assert.equal(hosts.filter((h) => h.state === "alive" && h.schedulable).length, 50);
    assert.ok(hosts.reduce((n, h) => n + h.tasks, 0) > 0, "the workload's tasks run on the simulated hosts");
    assert.equal(receiver.received.length, 0);
  });

  it("during the storm: exactly one critical page; the guard caps the drains at 10% and pages instead", async () => {
    await runUntil(STORM_START + 300);
    const triggers = receiver.received.filter((r) => r.action === "trigger");
    const critical = triggers.filter((r) => (r.payload as { severity?: string } | undefined)?.severity === "critical");
    assert.equal(critical.length, 1, `critical triggers: ${critical.map((r) => r.dedupKey).join(", ")}`);
    assert.match(critical[0]!.dedupKey, /swap-storm\/swap storm/);
    assert.equal(receiver.incidents(critical[0]!.dedupKey).length, 1);
    const guard = triggers.filter((r) => r.dedupKey.startsWith("scheduler/remediation guard"));
    assert.equal(guard.length, 1, "one guard page");
    assert.match(String((guard[0]!.payload as { summary?: string }).summary), /remediation guard engaged/);
    assert.equal(maxOut, 5, "at most 10% of 50 hosts taken out by automation");
  });

  it("after the storm: the pages resolve by themselves and the hosts return after the damping time", async () => {
    await runUntil(STORM_START + STORM_SECONDS + 300 + 400);
    const incidents = receiver.incidents();
    const open = incidents.filter((i) => i.status !== "resolved");
    assert.deepEqual(open.map((i) => i.dedupKey), [], "every incident resolved");
    assert.equal(receiver.received.filter((r) => r.action === "trigger" && (r.payload as { severity?: string }).severity === "critical").length, 1, "still one critical page");
    const hosts = sat.scheduler!.scheduler.hosts();
    assert.equal(hosts.filter((h) => h.state === "alive" && h.schedulable).length, 50, "every host back");
    const lastOut = outSeries.filter(([, n]) => n > 0).at(-1)?.[0] ?? 0;
    assert.ok(lastOut >= STORM_START + STORM_SECONDS + 300 - 20, `hosts came back at ${lastOut} s, after the 300 s damping that follows the storm's end at ${STORM_START + STORM_SECONDS} s`);
  });
});
