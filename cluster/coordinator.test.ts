/**
 * Tests of the cluster protocol end to end under a virtual clock: simulated
 * engines (coordinator + the built-in swap-storm rule + a bare
 * clusterFraction) sharing an in-memory aggregates topic, fed by a fleet of
 * 50 hosts over 4 partitions, 15 of them swapping. Covers the merge against
 * a single engine, a partition moving between engines, an engine dying, and
 * leadership: exactly one engine sends cluster-wide pages, and a leader
 * change neither loses a transition nor pages twice.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRuleApi } from "../rules/define.ts";
import type { Intent } from "../rules/intents.ts";
import swapStorm from "../rules/builtin/swap-storm.rules.ts";
import { SWAP_PAGES_PER_SECOND } from "../rules/builtin/services.ts";
import { VirtualClock } from "../streams/clock.ts";
import { makeEvent, type Event } from "../streams/event.ts";
import { clusterFraction } from "../streams/eventindex/cluster.ts";
import type { Stream, StreamContext } from "../streams/stream.ts";
import { Fleet, MemoryTopic, partitionOf, SimEngine } from "./test-support.ts";

const T0 = 1_700_000_000;
const KEY = "swap-storm/swap storm:*";
const PARTITIONS = 4;

/** 50 hosts, h0..h49; host n swaps when n % 10 < 3: 15 of 50 (30%). */
function stormFleet(): Fleet {
  return new Fleet(50, PARTITIONS, (n) => n % 10 < 3);
}

/** A cluster of simulated engines on one virtual clock; hosts report every `every` seconds. */
class Sim {
  readonly clock = new VirtualClock(T0);
  readonly topic = new MemoryTopic(this.clock);
  /** partition → engine consuming it (undefined: nobody, e.g. while the group notices a death). */
  readonly owner = new Map<number, SimEngine>();

  constructor(
    readonly fleet: Fleet,
    readonly every = 10,
  ) {}

  engine(id: string, options: ConstructorParameters<typeof SimEngine>[3] = {}): SimEngine {
    return new SimEngine(id, this.topic, this.clock, options).start();
  }

  /** The group assigns `partitions` to `engine` (and the others lose them). */
  assign(assignment: ReadonlyMap<SimEngine, readonly number[]>): void {
    this.owner.clear();
    for (const [engine, partitions] of assignment) {
      for (const p of partitions) this.owner.set(p, engine);
      engine.coordinator.assign("events", partitions);
    }
  }

  /** Runs `seconds` in 1-second steps, the fleet reporting every `every` seconds (relative to T0). */
  run(seconds: number, each?: () => void): void {
    for (let i = 0; i < seconds; i++) {
      const t = this.clock.now();
      if (Math.round(t - T0) % this.every === 0) this.fleet.report(t, (p) => this.owner.get(p));
      each?.();
      this.clock.advanceBy(1);
    }
  }
}

/** The swap-storm rule and a bare clusterFraction on one engine with no link: the reference. */
function singleEngine(clock: VirtualClock): { stream: Stream<Event>; intents: Intent[]; fractions: Event[] } {
  const intents: Intent[] = [];
  const fractions: Event[] = [];
  const ctx: StreamContext = { clock, onError: (err) => assert.fail(String(err)) };
  const built = swapStorm.build(createRuleApi("swap-storm", ctx, (i) => void intents.push(i)).api);
  assert.equal(typeof built, "function");
  const rule = built as Stream<Event>;
  const fraction = clusterFraction(ctx, { service: SWAP_PAGES_PER_SECOND, name: "swap fraction", predicate: (e) => (e.metric ?? 0) > 100 }, (e) => void fractions.push(e));
  return {
    stream: (e) => {
      rule(e);
      fraction(e);
    },
    intents,
    fractions,
  };
}

function counts(e: Event | undefined): [number, number] | undefined {
  return e === undefined ? undefined : [Number(e.attributes?.matching), Number(e.attributes?.live)];
}

/** Hosts of the fleet in `partitions`: [swapping, all]. */
function hostsIn(fleet: Fleet, partitions: readonly number[]): [number, number] {
  let swapping = 0;
  let all = 0;
  for (let n = 0; n < fleet.hosts; n++) {
    if (!partitions.includes(partitionOf(`h${n}`, fleet.partitions))) continue;
    all++;
    if (fleet.swapping(n)) swapping++;
  }
  return [swapping, all];
}

describe("cluster coordinator", () => {
  it("two engines with disjoint partitions merge to exactly the single engine's fraction, and only the leader pages", () => {
    const sim = new Sim(stormFleet());
    const reference = singleEngine(sim.clock);
    const a = sim.engine("a");
    const b = sim.engine("b");
    sim.assign(new Map([[a, [0, 1]], [b, [2, 3]]]));
    sim.run(30, () => {
      const t = sim.clock.now();
      if (Math.round(t - T0) % sim.every === 0) for (const e of sim.fleet.all(t)) reference.stream(e);
    });

    assert.deepEqual(counts(reference.fractions.at(-1)), [15, 50]);
    assert.deepEqual(a.lastFraction(), [15, 50]);
    assert.deepEqual(b.lastFraction(), [15, 50]);
    assert.equal(a.fractions.at(-1)!.metric, reference.fractions.at(-1)!.metric);
    assert.equal(a.fractions.at(-1)!.metric, 0.3);
    // Neither engine alone sees more than its own hosts, yet both emit the whole.
    assert.ok(hostsIn(sim.fleet, [0, 1])[1] < 50 && hostsIn(sim.fleet, [2, 3])[1] < 50);
    assert.equal(a.coordinator.isLeader, true);
    assert.equal(b.coordinator.isLeader, false);

    // The single engine's first verdict (no storm while the first hosts report) resolves nothing, then the page.
    assert.deepEqual(reference.intents.map((i) => i.kind), ["resolve", "page"]);
    assert.deepEqual(a.alerts(), [`page ${KEY}`], "the leader (owner of partition 0) pages");
    assert.deepEqual(b.alerts(), [], "the other engine computes the same but sends nothing");
    assert.equal(b.coordinator.stats.gate.held, 1);
    const page = a.intents[0]!;
    assert.equal(page.kind, "page");
    assert.match((page as { summary: string }).summary, /30% of hosts swapping \(15 of 50: /);
  });

  it("a partition moving from A to B never counts a host twice, and the count does not dip while B learns the hosts", () => {
    const sim = new Sim(stormFleet());
    const a = sim.engine("a");
    const b = sim.engine("b");
    sim.assign(new Map([[a, [0, 1]], [b, [2, 3]]]));
    sim.run(35); // the move happens between two reports: B has none of partition 1's hosts for 5 seconds
    assert.deepEqual(a.lastFraction(), [15, 50]);
    const before = [a.fractions.length, b.fractions.length];

    sim.assign(new Map([[a, [0]], [b, [1, 2, 3]]]));
    sim.run(60);
    assert.deepEqual([a.fractions.length, b.fractions.length], before, "the merged counts stayed 15 of 50 throughout: no emission at all");
    assert.equal(b.coordinator.owners().get("events/1"), "b", "after the warm-up, B's partial counts for partition 1");
    assert.equal(a.coordinator.owners().get("events/1"), "b", "and A agrees");
    assert.deepEqual([...a.alerts(), ...b.alerts()], [`page ${KEY}`]);
  });

  it("without a warm-up the count dips while the new owner learns the hosts, but still never exceeds the fleet", () => {
    const sim = new Sim(stormFleet());
    const a = sim.engine("a", { warmup: 0 });
    const b = sim.engine("b", { warmup: 0 });
    sim.assign(new Map([[a, [0, 1]], [b, [2, 3]]]));
    sim.run(35);
    const from = b.fractions.length;
    sim.assign(new Map([[a, [0]], [b, [1, 2, 3]]]));
    sim.run(30);
    const seen = b.fractions.slice(from).map(counts);
    const [, moved] = hostsIn(sim.fleet, [1]);
    assert.ok(seen.some((c) => c![1] === 50 - moved), `the count dipped by partition 1's ${moved} hosts: ${JSON.stringify(seen)}`);
    assert.ok(seen.every((c) => c![1] <= 50), "never more than 50 live hosts");
    assert.deepEqual(seen.at(-1), [15, 50]);
  });

  it("an engine that dies: its partials count until their TTL, then only the living engines' partials count", () => {
    const sim = new Sim(stormFleet());
    const a = sim.engine("a");
    const b = sim.engine("b");
    sim.assign(new Map([[a, [0, 1]], [b, [2, 3]]]));
    sim.run(30);
    a.kill();
    sim.assign(new Map([[b, [2, 3]]])); // nobody takes A's partitions (say the group has not noticed yet)
    b.coordinator.assign("events", [2, 3]);
    const lastFromA = Math.max(...sim.topic.log.filter((m) => m.engine === "a").map((m) => m.time));
    sim.run(Math.floor(lastFromA + 59 - sim.clock.now()));
    assert.deepEqual(b.lastFraction(), [15, 50], "A's last partials still count within their TTL");
    sim.run(3);
    assert.deepEqual(b.lastFraction(), hostsIn(sim.fleet, [2, 3]), "after the TTL, only B's own partitions count");
    assert.equal(b.coordinator.owners().get("events/0"), undefined);
  });

  it("the leader dies: the survivor takes over partitions and leadership, the page stays open without a second trigger, and resolves once", () => {
    const sim = new Sim(stormFleet());
    const a = sim.engine("a");
    const b = sim.engine("b");
    sim.assign(new Map([[a, [0, 1]], [b, [2, 3]]]));
    sim.run(35);
    assert.deepEqual(a.alerts(), [`page ${KEY}`]);
    const bFractions = b.fractions.length;

    a.kill();
    sim.owner.delete(0);
    sim.owner.delete(1);
    sim.run(10); // the group's session timeout: A's partitions are consumed by nobody
    sim.assign(new Map([[b, [0, 1, 2, 3]]]));
    assert.equal(b.coordinator.isLeader, true);
    sim.run(90);
    assert.equal(b.fractions.length, bFractions, "15 of 50 throughout: A's last partials bridged the gap until B's warmed up");
    assert.deepEqual([...b.coordinator.owners().values()], ["b", "b", "b", "b", "b"]);
    assert.deepEqual(b.alerts(), [], "B knew from A's announcement that the page was open: no second trigger");

    sim.fleet.swapping = () => false;
    sim.run(20);
    assert.deepEqual(b.lastFraction(), [0, 50]);
    assert.deepEqual(b.alerts(), [`resolve ${KEY}`]);
    assert.deepEqual(a.alerts(), [`page ${KEY}`]);
  });

  it("a resolve computed while no engine leads is sent by the next leader when it takes over", () => {
    const sim = new Sim(stormFleet());
    const a = sim.engine("a");
    const b = sim.engine("b");
    sim.assign(new Map([[a, [0]], [b, [1, 2, 3]]]));
    sim.run(30);
    assert.deepEqual(a.alerts(), [`page ${KEY}`]);
    assert.deepEqual(hostsIn(sim.fleet, [0]), [5, 13]);
    a.kill();
    sim.owner.delete(0);
    // The fleet recovers while nobody leads: B sees its own partitions recover, and A's last word for partition 0
    // (5 swapping) brings the fraction to 10%, below the hold threshold.
    sim.fleet.swapping = () => false;
    sim.run(10);
    assert.deepEqual(b.lastFraction(), [5, 50]);
    assert.equal(b.coordinator.stats.gate.held, 2, "B held the page and then the resolve");
    assert.deepEqual(b.alerts(), []);
    sim.assign(new Map([[b, [0, 1, 2, 3]]]));
    assert.deepEqual(b.alerts(), [`resolve ${KEY}`], "the transition the dead leader never sent, sent at the takeover");
    assert.equal(b.coordinator.stats.gate.replayed, 1);
    sim.run(60);
    assert.deepEqual(b.alerts(), [`resolve ${KEY}`]);
    assert.deepEqual(b.lastFraction(), [0, 50]);
  });

  it("an engine that starts late and becomes leader does not page again for an alert already open", () => {
    const sim = new Sim(stormFleet());
    const a = sim.engine("a");
    sim.assign(new Map([[a, [0, 1, 2, 3]]]));
    sim.run(30);
    assert.deepEqual(a.alerts(), [`page ${KEY}`]);

    const c = sim.engine("c");
    sim.assign(new Map([[c, [0, 1]], [a, [2, 3]]])); // the group hands partition 0 to the newcomer
    assert.equal(c.coordinator.isLeader, true);
    assert.equal(c.coordinator.isReady, false, "C has not heard the cluster long enough yet");
    sim.run(60);
    assert.deepEqual(c.lastFraction(), [15, 50]);
    assert.deepEqual(c.alerts(), [], "C re-derived the open alert and absorbed it");
    assert.equal(c.coordinator.stats.gate.absorbed, 1);

    sim.fleet.swapping = () => false;
    sim.run(20);
    assert.deepEqual([...a.alerts(), ...c.alerts()], [`page ${KEY}`, `resolve ${KEY}`]);
    assert.deepEqual(c.alerts(), [`resolve ${KEY}`]);
  });

  it("a clean stop releases the engine's partitions at once; its last partials bridge the handover", () => {
    const sim = new Sim(stormFleet());
    const a = sim.engine("a");
    const b = sim.engine("b");
    sim.assign(new Map([[a, [0, 1]], [b, [2, 3]]]));
    sim.run(35);
    const bFractions = b.fractions.length;
    a.coordinator.stop();
    const last = sim.topic.log.at(-1)!;
    assert.equal(last.engine, "a");
    assert.deepEqual(last.slots, [], "the last message claims nothing");
    sim.assign(new Map([[b, [0, 1, 2, 3]]]));
    sim.run(60);
    assert.equal(b.fractions.length, bFractions);
    assert.deepEqual(b.alerts(), []);
    assert.deepEqual(b.lastFraction(), [15, 50]);
  });

  it("forgets the hosts of a lost partition (index and aggregates) and ignores late batches from it", () => {
    const sim = new Sim(stormFleet());
    const forgotten: string[] = [];
    const a = sim.engine("a", { forgetHost: (h) => void forgotten.push(h) });
    sim.assign(new Map([[a, [0, 1, 2, 3]]]));
    sim.run(15);
    sim.assign(new Map([[a, [0, 2, 3]]]));
    const [, inOne] = hostsIn(sim.fleet, [1]);
    assert.equal(forgotten.length, inOne);
    assert.ok(forgotten.every((h) => partitionOf(h, PARTITIONS) === 1));
    // A batch of partition 1 still in flight when the assignment changed: its hosts get no slot of A's.
    a.feed(1, sim.fleet.all(sim.clock.now()).filter((e) => partitionOf(e.host, PARTITIONS) === 1));
    assert.equal(a.coordinator.forRule("probe").link.slotOf("h1"), undefined);
  });

  it("freezes the merged view while the aggregates topic is down instead of letting every claim expire", () => {
    const sim = new Sim(stormFleet());
    const a = sim.engine("a");
    const b = sim.engine("b");
    sim.assign(new Map([[a, [0, 1]], [b, [2, 3]]]));
    sim.run(30);
    const before = [a.fractions.length, b.fractions.length];
    sim.topic.setDown(true);
    sim.run(120); // two TTLs: every claim would have expired
    assert.deepEqual([a.fractions.length, b.fractions.length], before, "still 15 of 50: no resolve for want of news");
    assert.deepEqual([...a.alerts(), ...b.alerts()], [`page ${KEY}`]);
    sim.topic.setDown(false);
    sim.fleet.swapping = () => false;
    sim.run(20);
    assert.deepEqual(a.lastFraction(), [0, 50]);
    assert.deepEqual([...a.alerts(), ...b.alerts()], [`page ${KEY}`, `resolve ${KEY}`]);
  });

  it("keeps a host that also arrives on the tasks topic until it loses the host's partition on both topics", () => {
    const sim = new Sim(stormFleet());
    const forgotten: string[] = [];
    const a = sim.engine("a", { forgetHost: (h) => void forgotten.push(h) });
    sim.assign(new Map([[a, [0, 1, 2, 3]]]));
    a.coordinator.assign("tasks", [0, 1, 2, 3]);
    sim.run(15);
    // The tasks group split its partitions differently: h1's task events come through tasks/2.
    a.feed(2, [makeEvent({ host: "h1", service: "task failed", time: sim.clock.now() })], "tasks");
    const link = a.coordinator.forRule("probe").link;
    a.coordinator.assign("tasks", [0, 1, 3]);
    assert.equal(forgotten.length, 0, "h1 still arrives here through events/1");
    assert.equal(link.slotOf("h1"), "events/1");
    sim.run(10);
    assert.deepEqual(a.lastFraction(), [15, 50], "the swap aggregate never moved h1 out of events/1");
    a.coordinator.assign("events", [0, 2, 3]);
    assert.ok(forgotten.includes("h1"));
  });

  it("stops scheduling timers once stopped", () => {
    const sim = new Sim(stormFleet());
    const a = sim.engine("a");
    sim.assign(new Map([[a, [0]]]));
    sim.run(20);
    a.coordinator.stop();
    const published = a.coordinator.stats.published;
    sim.clock.advanceBy(600);
    assert.equal(a.coordinator.stats.published, published);
  });
});
