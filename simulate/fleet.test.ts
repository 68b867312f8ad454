/**
 * Tests of the fleet simulator under the virtual clock: a seed gives the same
 * readings every run; the swap storm makes the built-in swap-storm rule page
 * once and resolve after recovery; a partition silences its group; the
 * filling disk crosses the filesystem rule's threshold; bad settings are
 * refused by name.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BUILTIN_RULES_DIR } from "../cli/app.ts";
import type { Intent } from "../rules/intents.ts";
import { loadRules } from "../rules/loader.ts";
import { VirtualClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import type { Event } from "../streams/event.ts";
import { fanout } from "../streams/stream.ts";
import { SimulatedFleet } from "./fleet.ts";

function run(scenario: string, seconds: number, hosts = 50, seed = 7) {
  const clock = new VirtualClock(1_700_000_000);
  const engine = new Engine({ clock });
  const intents: Intent[] = [];
  const loaded = loadRules(BUILTIN_RULES_DIR, { context: () => engine.ctx, sink: (i) => intents.push(i) });
  assert.ok(loaded.ok);
  engine.setStream(fanout(engine.ctx, "rules", loaded.value.map((r) => r.stream)));
  const sim = new SimulatedFleet({ hosts, scenario, seed, clock, publish: (evs) => void engine.submitAll(evs), settings: { start: 60, duration: 300 } });
  sim.start();
  clock.advanceBy(seconds);
  return { intents, sim, engine };
}

describe("SimulatedFleet", () => {
  it("is deterministic for a seed", () => {
    const sample = (seed: number): Event[] => {
      const clock = new VirtualClock(1000);
      let last: Event[] = [];
      const sim = new SimulatedFleet({ hosts: 20, scenario: "swap-storm", seed, clock, publish: (e) => void (last = e), settings: { start: 0 } });
      sim.start();
      clock.advanceBy(30);
      return last;
    };
    assert.deepEqual(sample(42), sample(42));
    assert.notDeepEqual(sample(42), sample(43));
  });

  it("a swap storm on 30% of 50 hosts pages once (critical) and resolves after recovery", () => {
    const { intents } = run("swap-storm", 900);
    const storm = intents.filter((i) => (i.kind === "page" || i.kind === "resolve") && i.rule.endsWith("swap storm"));
    // The first verdict (no storm yet) is a resolve that closes nothing; then one page and its resolve.
    assert.deepEqual(storm.map((i) => i.kind), ["resolve", "page", "resolve"]);
    const page = storm[1]!;
    assert.ok(page.kind === "page" && page.severity === "critical");
    // The page goes out as soon as the fraction crosses 20% within the first sample with the storm.
    assert.match(page.kind === "page" ? page.summary : "", /^swap storm: 2\d% of hosts swapping \(1\d of 50/);
    const drains = new Set(intents.filter((i) => i.kind === "drain").map((i) => (i.kind === "drain" ? i.host : "")));
    assert.equal(drains.size, 15, "each swapping host fails its free-swap check and is drained by all-checks-pass");
  });

  it("a partition silences its group: host-gone-silent pages and drains", () => {
    const { intents } = run("partition", 200);
    const silent = intents.filter((i) => i.kind === "page" && i.rule.endsWith("host gone silent"));
    assert.equal(silent.length, 10);
  });

  it("a filling disk pages the filesystem rule for /data on one host", () => {
    const { intents } = run("filling-disk", 400);
    const pages = intents.filter((i) => i.kind === "page" && i.rule.includes("filesystem"));
    assert.ok(pages.length >= 1);
    assert.equal(new Set(pages.map((p) => (p.kind === "page" ? p.host : ""))).size, 1);
    assert.match(pages[0]!.kind === "page" ? pages[0]!.key : "", /\/data/);
  });

  it("refuses bad settings by name", () => {
    const clock = new VirtualClock(0);
    const publish = (): void => {};
    assert.throws(() => new SimulatedFleet({ hosts: 0, scenario: "healthy", seed: 1, clock, publish }), /--hosts must be/);
    assert.throws(() => new SimulatedFleet({ hosts: 3, scenario: "meteor", seed: 1, clock, publish }), /unknown scenario "meteor"; known: healthy, swap-storm/);
    assert.throws(() => new SimulatedFleet({ hosts: 3, scenario: "healthy", seed: 1.5, clock, publish }), /--seed must be an integer/);
  });
});
