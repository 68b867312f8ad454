/**
 * Tests of the fleet model and the metric history under the virtual clock:
 * health from the worst live event, silent after the heartbeat expires,
 * schedulability carried, only changed tiles reported, silent hosts
 * forgotten after a while; history buckets, retention and the unwritten step.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { openDatabase } from "../../store/database.ts";
import { VirtualClock } from "../../streams/clock.ts";
import { Engine } from "../../streams/engine.ts";
import { FleetModel, type HostTile } from "./fleet.ts";
import { MetricHistory } from "./history.ts";

function setup(schedulable?: (host: string) => { schedulable: boolean; reasons: string[] } | undefined) {
  const clock = new VirtualClock(1000);
  const engine = new Engine({ clock });
  const fleet = new FleetModel({ index: engine.index, clock, schedulability: schedulable, forgetSilentAfterSeconds: 600 });
  const changes: HostTile[][] = [];
  fleet.onChange((c) => changes.push([...c]));
  return { clock, engine, fleet, changes };
}

describe("FleetModel", () => {
  it("colours a host by its worst live event and names the event; task events and cluster events colour nothing", () => {
    const { engine, fleet, clock } = setup();
    engine.submitAll([
      { host: "a", service: "heartbeat", time: 1000, state: "ok", ttl: 30 },
      { host: "a", service: "disk", time: 1000, state: "warning", description: "85% full", ttl: 30 },
      { host: "b", service: "heartbeat", time: 1000, state: "ok", ttl: 30 },
      { host: "b", service: "swap", time: 1000, state: "critical", metric: 900, ttl: 30 },
      { host: "c", service: "heartbeat", time: 1000, state: "ok", ttl: 30 },
      { host: "c", service: "task failed", time: 1000, state: "critical", ttl: 600, attributes: { task_id: "t1" } },
      { host: "*", service: "cluster", time: 1000, state: "critical", ttl: 30 },
    ]);
    fleet.start();
    assert.deepEqual(fleet.all().map((t) => [t.host, t.health, t.reason]), [
      ["a", "warning", "disk: 85% full"],
      ["b", "critical", "swap: critical (900)"],
      ["c", "ok", ""],
    ]);
    const pending = clock.pending;
    fleet.stop();
    assert.equal(clock.pending, pending - 1, "stop cancels the scan timer");
  });

  it("reports only changed tiles, and a host turns silent when its heartbeat expires", () => {
    const { engine, fleet, clock, changes } = setup();
    engine.submitAll([
      { host: "a", service: "heartbeat", time: 1000, state: "ok", ttl: 30 },
      { host: "a", service: "load", time: 1000, state: "ok", ttl: 300 },
    ]);
    fleet.start();
    assert.equal(changes.length, 1);
    clock.advanceBy(5);
    engine.submit({ host: "a", service: "load", time: 1005, state: "ok", ttl: 300 });
    clock.advanceBy(5);
    assert.equal(changes.length, 1, "nothing changed that the page shows");
    clock.advanceBy(30); // heartbeat expired at 1030
    assert.equal(changes.length, 2);
    assert.deepEqual([changes[1]![0]!.host, changes[1]![0]!.health, changes[1]![0]!.reason], ["a", "silent", "heartbeat expired"]);
    fleet.stop();
  });

  it("keeps a host whose events all expired as silent, then forgets it", () => {
    const { engine, fleet, clock } = setup();
    engine.submit({ host: "gone", service: "heartbeat", time: 1000, state: "ok", ttl: 10 });
    fleet.start();
    clock.advanceBy(20);
    assert.equal(fleet.get("gone")?.health, "silent");
    clock.advanceBy(700);
    assert.equal(fleet.get("gone"), undefined);
    fleet.stop();
  });

  it("carries the scheduler's view and notices when it changes", () => {
    let out = false;
    const { engine, fleet, clock, changes } = setup((h) => (h === "a" ? { schedulable: !out, reasons: out ? ["drained by swap-storm: swapping"] : [] } : undefined));
    engine.submit({ host: "a", service: "heartbeat", time: 1000, state: "ok", ttl: 60 });
    fleet.start();
    assert.equal(fleet.get("a")?.schedulable, true);
    out = true;
    clock.advanceBy(1);
    assert.equal(changes.length, 2);
    assert.deepEqual([fleet.get("a")?.schedulable, fleet.get("a")?.scheduleReasons], [false, ["drained by swap-storm: swapping"]]);
    fleet.stop();
  });

  it("scans 5,000 hosts with 20 services each", () => {
    const { engine, fleet } = setup();
    const events = [];
    for (let h = 0; h < 5000; h++) for (let s = 0; s < 20; s++) events.push({ host: `h${h}`, service: `s${s}`, time: 1000, state: s === 0 && h % 100 === 0 ? "critical" : "ok", ttl: 60 });
    engine.submitAll(events);
    const changed = fleet.scan();
    assert.equal(changed.length, 5000);
    assert.equal(fleet.all().filter((t) => t.health === "critical").length, 50);
    assert.equal(fleet.scan().length, 0);
  });
});

describe("MetricHistory", () => {
  it("keeps the last value per series and step, serves unwritten points, and prunes old ones", () => {
    const clock = new VirtualClock(1000);
    const history = new MetricHistory({ db: openDatabase(":memory:"), clock, stepSeconds: 10, retentionSeconds: 60 });
    history.start();
    history.record({ host: "a", service: "load", time: 1001, metric: 1 });
    history.record({ host: "a", service: "load", time: 1004, metric: 2 });
    history.record({ host: "a", service: "note", time: 1004 });
    history.record({ host: "*", service: "cluster", time: 1004, metric: 5 });
    assert.deepEqual(history.seriesOf("a", 0), [{ service: "load", points: [[1000, 2]] }]);
    clock.advanceBy(10);
    history.record({ host: "a", service: "load", time: 1012, metric: 3 });
    assert.deepEqual(history.seriesOf("a", 0), [{ service: "load", points: [[1000, 2], [1010, 3]] }]);
    clock.advanceBy(100);
    assert.deepEqual(history.seriesOf("a", 0), [], "older than the retention");
    history.stop();
    assert.equal(clock.pending, 0);
  });
});
