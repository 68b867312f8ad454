/**
 * End-to-end test of scale-out: two `satellite engine --kafka` child
 * processes on librdkafka's mock cluster share the partitions of
 * `satellite.events`; a producer publishes 50 hosts' swap rates every second,
 * 15 of them swapping. The built-in swap-storm rule (a cluster-wide
 * fraction) must page exactly once across both engines, with every host
 * counted once ("of 50"); after SIGKILL of the leader, the survivor takes
 * over the partitions and the leadership with the alert still open (no
 * resolve, no second page), and when the hosts recover it resolves exactly
 * once. Real processes, sockets and time, bounded: every wait is on output
 * with a timeout, the whole test on the order of a minute. Skipped, with the
 * reason, only when gcc or librdkafka-dev is missing.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { KafkaBus } from "../bus/kafka.ts";
import { SWAP_PAGES_PER_SECOND } from "../rules/builtin/services.ts";
import { makeEvent } from "../streams/event.ts";
import { mockClusterMissing, startMockCluster, type MockCluster } from "./kafka/mock-cluster.ts";
import { SatelliteProcess } from "./satellite-process.ts";

const PARTITIONS = 6;
const HOSTS = 50;
const SWAPPING = 15;
const KEY = "swap-storm/swap storm:*";
const PAGE = /^page critical swap-storm\/swap storm:\*: (.*)$/gm;
const RESOLVE = /^resolve swap-storm\/swap storm:\*/gm;
const MERGED = /aggregate builtin\/swap-storm\/swapping hosts: (\d+) of (\d+) hosts/g;
/** Protocol timings for the test: publish every second, a new owner warms up for 3 s, a dead engine's partitions move after 6 s. */
const TIMINGS = ["--publish-interval", "1", "--partial-ttl", "20", "--warmup", "3", "--session-timeout", "6000"];

/** One `satellite engine` child process and what it logged about partitions, pages and counts. */
class EngineProcess extends SatelliteProcess {
  constructor(
    readonly id: string,
    brokers: readonly string[],
  ) {
    super(`engine ${id}`, ["engine", "--kafka", brokers.join(","), "--engine-id", id, "--rules", "test/fixtures/no-such-dir", "--log-aggregates", ...TIMINGS]);
  }

  /** The partitions of the events topic it was last assigned. */
  partitions(): number[] {
    const all = [...this.output.matchAll(/assigned events partitions \[([\d,]*)\]/g)];
    const last = all.at(-1)?.[1];
    return last === undefined || last === "" ? [] : last.split(",").map(Number);
  }

  pages(): string[] {
    return [...this.output.matchAll(PAGE)].map((m) => m[1]!);
  }

  resolves(): number {
    return [...this.output.matchAll(RESOLVE)].length;
  }

  /** Every merged count of the swap-storm aggregate it logged: [matching, live]. */
  merged(): [number, number][] {
    return [...this.output.matchAll(MERGED)].map((m) => [Number(m[1]), Number(m[2])]);
  }
}

describe("satellite engine: two engines sharing the partitions", { skip: mockClusterMissing() }, () => {
  let cluster: MockCluster | undefined;
  let producer: KafkaBus | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const engines: EngineProcess[] = [];

  after(async () => {
    clearInterval(ticker);
    for (const e of engines) e.kill("SIGKILL");
    await producer?.close();
    await cluster?.stop();
  });

  it("a cluster-wide rule sees every host once, pages once, and survives the death of the leader", { timeout: 180_000 }, async () => {
    cluster = await startMockCluster({
      brokers: 3,
      topics: [
        { name: "satellite.events", partitions: PARTITIONS },
        { name: "satellite.tasks", partitions: PARTITIONS },
        { name: "satellite.dlq", partitions: 1 },
        { name: "satellite.aggregates", partitions: 1 },
        { name: "satellite.intents", partitions: 1 },
      ],
    });
    const a = new EngineProcess("engine-a", cluster.bootstrap);
    const b = new EngineProcess("engine-b", cluster.bootstrap);
    engines.push(a, b);
    await Promise.all([a.until("ready line", (o) => /engine engine-a ready/.test(o), 60_000), b.until("ready line", (o) => /engine engine-b ready/.test(o), 60_000)]);
    // Both in the group, sharing the six partitions.
    const shared = (): boolean => a.partitions().length > 0 && b.partitions().length > 0 && new Set([...a.partitions(), ...b.partitions()]).size === PARTITIONS && a.partitions().length + b.partitions().length === PARTITIONS;
    await a.until("a share of the partitions", shared, 60_000);

    // 50 hosts report every second, none swapping until both engines count all of them; then hosts 0..14 swap.
    let swapping = 0;
    producer = new KafkaBus({ brokers: cluster.bootstrap, logLevel: "nothing", producer: { lingerMs: 5 } });
    const bus = producer;
    const report = (): void => {
      const now = Date.now() / 1000;
      const events = Array.from({ length: HOSTS }, (_, n) => makeEvent({ host: `host-${n}`, service: SWAP_PAGES_PER_SECOND, time: now, metric: n < swapping ? 500 : 0, ttl: 30 }));
      void bus.publish("events", events).then(() => bus.flush());
    };
    report();
    ticker = setInterval(report, 1000);
    const whole = (e: EngineProcess) => (): boolean => e.merged().at(-1)?.[1] === HOSTS;
    await Promise.all([a.until("a merged count of 50 hosts", whole(a), 30_000), b.until("a merged count of 50 hosts", whole(b), 30_000)]);
    swapping = SWAPPING;

    // Exactly one engine, the leader, pages; every host counted once.
    await a.until("the swap storm page", () => a.pages().length + b.pages().length > 0, 60_000);
    await delay(3000); // let both engines settle and the leader announce the open alert
    const leader = a.pages().length > 0 ? a : b;
    const survivor = leader === a ? b : a;
    assert.equal(leader.pages().length, 1, leader.output);
    assert.equal(survivor.pages().length, 0, `only the leader sends cluster-wide pages:\n${survivor.output}`);
    assert.match(leader.pages()[0]!, /^swap storm: \d+(\.\d+)?% of hosts swapping \(\d+ of 50: /, "all 50 hosts, each counted once");
    assert.ok(leader.partitions().includes(0), "the leader owns partition 0");
    assert.deepEqual(leader.merged().at(-1), [SWAPPING, HOSTS]);
    assert.deepEqual(survivor.merged().at(-1), [SWAPPING, HOSTS], "the other engine merged the same counts");

    // SIGKILL the leader: the survivor takes over its partitions and the leadership.
    const mergedBefore = survivor.merged().length;
    const outputBefore = survivor.output.length;
    leader.kill("SIGKILL");
    await survivor.until(
      "all partitions and the leadership",
      (o) => o.slice(outputBefore).includes(`assigned events partitions [${[...Array(PARTITIONS).keys()].join(",")}] (leader)`),
      60_000,
    );
    await delay(6000); // the survivor's new partitions warm up (3 s) and their partials replace the dead engine's
    assert.equal(survivor.pages().length, 0, `no second trigger for ${KEY}:\n${survivor.output.slice(outputBefore)}`);
    assert.equal(survivor.resolves(), 0, `the storm goes on, so no resolve:\n${survivor.output.slice(outputBefore)}`);
    const after = survivor.merged().slice(mergedBefore);
    assert.ok(after.every(([, live]) => live <= HOSTS), `never more than 50 live hosts: ${JSON.stringify(after)}`);
    assert.deepEqual(survivor.merged().at(-1), [SWAPPING, HOSTS]);

    // The fleet recovers: exactly one resolve.
    swapping = 0;
    await survivor.until("the resolve", () => survivor.resolves() > 0, 30_000);
    await delay(2000);
    assert.equal(survivor.resolves(), 1, survivor.output);
    // The dead leader may have sent the rule's first verdict (no storm yet: a resolve that closes nothing), never one after its page.
    const pagedAt = leader.output.search(PAGE);
    assert.equal([...leader.output.slice(pagedAt).matchAll(RESOLVE)].length, 0, leader.output);
    assert.equal(leader.pages().length + survivor.pages().length, 1, "one page in all");
    assert.ok(
      [...a.merged(), ...b.merged()].every(([, live]) => live <= HOSTS),
      "no engine ever counted a host twice",
    );

    clearInterval(ticker);
    survivor.kill("SIGTERM");
    const [code] = (await once(survivor.child, "exit")) as [number | null];
    assert.equal(code, 0, survivor.output);
  });
});
