/**
 * Tests of the agent loop under a `VirtualClock`, with fake probes: ticks
 * every interval (10 s by default, 1 s works), a slow probe skipped (and
 * counted) without delaying the others or the next tick, failures counted,
 * the heartbeat every 10 s with ttl 30 whatever the interval, a silent
 * agent's heartbeat expiring in a real engine, checks run on their own
 * schedule, `once`, `stop`, and a sink that never waits.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VirtualClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import { makeEvent, type Event } from "../streams/event.ts";
import { Agent, type AgentProbe } from "./agent.ts";
import type { Check } from "./checks/check.ts";

const T0 = 1_700_000_000;

/** A probe answering at once with one event whose metric counts its samples. */
function countingProbe(name: string): AgentProbe & { calls: number[] } {
  const calls: number[] = [];
  return {
    name,
    calls,
    sample: (ctx) => {
      calls.push(ctx.now);
      return Promise.resolve([makeEvent({ host: ctx.host, service: name, time: ctx.now, metric: calls.length, ttl: 30 })]);
    },
  };
}

/** A probe whose samples the test finishes by hand. */
function manualProbe(name: string): AgentProbe & { pending: ((events: Event[]) => void)[]; calls: number } {
  const probe = {
    name,
    pending: [] as ((events: Event[]) => void)[],
    calls: 0,
    sample: () => {
      probe.calls++;
      return new Promise<Event[]>((resolve) => probe.pending.push(resolve));
    },
  };
  return probe;
}

function setup(probes: AgentProbe[], options: { intervalSeconds?: number; checks?: Check[] } = {}): { clock: VirtualClock; agent: Agent; events: Event[] } {
  const clock = new VirtualClock(T0);
  const events: Event[] = [];
  const agent = new Agent({ clock, host: "web1", probes, sink: (batch) => events.push(...batch), ...options });
  return { clock, agent, events };
}

/** Lets pending samples finish (their promises settle before the next macrotask). */
function settle(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** Moves the clock one second at a time, letting samples finish in between. */
async function run(clock: VirtualClock, seconds: number): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    clock.advanceBy(1);
    await settle();
  }
}

describe("Agent", () => {
  it("samples every probe at start and every 10 s by default", async () => {
    const cpu = countingProbe("cpu");
    const mem = countingProbe("mem");
    const { clock, agent, events } = setup([cpu, mem]);
    agent.start();
    clock.runDue();
    await settle();
    await run(clock, 35);
    assert.deepEqual(cpu.calls.map((t) => t - T0), [0, 10, 20, 30]);
    assert.deepEqual(mem.calls.map((t) => t - T0), [0, 10, 20, 30]);
    assert.equal(events.filter((e) => e.service === "cpu").length, 4);
    assert.equal(agent.stats.ticks, 4);
    await agent.stop();
  });

  it("supports a 1 s interval", async () => {
    const cpu = countingProbe("cpu");
    const { clock, agent } = setup([cpu], { intervalSeconds: 1 });
    agent.start();
    clock.runDue();
    await settle();
    await run(clock, 5);
    assert.deepEqual(cpu.calls.map((t) => t - T0), [0, 1, 2, 3, 4, 5]);
    await agent.stop();
  });

  it("skips a slow probe's ticks (counted) without delaying the other probes or the next tick", async () => {
    const slow = manualProbe("slow");
    const fast = countingProbe("fast");
    const { clock, agent, events } = setup([slow, fast]);
    agent.start();
    clock.runDue();
    await settle();
    await run(clock, 25);
    assert.deepEqual(fast.calls.map((t) => t - T0), [0, 10, 20], "the fast probe is sampled on time");
    assert.equal(slow.calls, 1, "the slow probe is not sampled again while busy");
    assert.equal(agent.stats.probes.get("slow")!.skipped, 2);
    assert.equal(agent.stats.probes.get("fast")!.skipped, 0);
    slow.pending[0]!([makeEvent({ host: "web1", service: "slow", time: T0, metric: 1 })]);
    await settle();
    await run(clock, 10);
    assert.equal(slow.calls, 2, "sampled again at the first tick after it finished");
    assert.equal(agent.stats.probes.get("slow")!.lastSeconds, 25);
    assert.ok(events.some((e) => e.service === "slow"));
    slow.pending[1]!([]);
    await agent.stop();
  });

  it("counts a failing probe and goes on with the others", async () => {
    const lines: string[] = [];
    const broken: AgentProbe = { name: "broken", sample: () => Promise.reject(new Error("no /proc/stat")) };
    const throws: AgentProbe = {
      name: "throws",
      sample: () => {
        throw new Error("sync");
      },
    };
    const fine = countingProbe("fine");
    const clock = new VirtualClock(T0);
    const agent = new Agent({ clock, host: "web1", probes: [broken, throws, fine], sink: () => undefined, log: (l) => lines.push(l) });
    agent.start();
    clock.runDue();
    await settle();
    await run(clock, 10);
    assert.equal(agent.stats.probes.get("broken")!.errors, 2);
    assert.equal(agent.stats.probes.get("throws")!.errors, 2);
    assert.equal(fine.calls.length, 2);
    assert.ok(lines.some((l) => l === "probe broken failed: no /proc/stat"));
    await agent.stop();
  });

  it("sends a heartbeat at start and every 10 s, ttl 30, whatever the probe interval", async () => {
    const { clock, agent, events } = setup([], { intervalSeconds: 1 });
    agent.start();
    clock.runDue();
    await settle();
    await run(clock, 25);
    const beats = events.filter((e) => e.service === "heartbeat");
    assert.deepEqual(beats.map((e) => e.time - T0), [0, 10, 20]);
    assert.deepEqual(beats.map((e) => e.metric), [0, 10, 20], "metric = seconds since start");
    assert.ok(beats.every((e) => e.ttl === 30 && e.state === "ok" && e.host === "web1"));
    await agent.stop();
  });

  it("lets a silent host expire in the engine: its last heartbeat runs out 30 s after it was sent", async () => {
    const clock = new VirtualClock(T0);
    const engine = new Engine({ clock });
    const seen: Event[] = [];
    engine.setStream((e) => seen.push(e));
    const agent = new Agent({ clock, host: "web1", probes: [], sink: (events) => engine.submitAll(events) });
    agent.start();
    clock.runDue();
    await settle();
    await run(clock, 25);
    assert.equal(engine.index.lookup("web1", "heartbeat")?.state, "ok");
    await agent.stop(); // at T0 + 25; the last beat was at T0 + 20
    await run(clock, 24);
    assert.equal(seen.filter((e) => e.state === "expired").length, 0, "still alive 29 s after the last beat");
    await run(clock, 2);
    assert.deepEqual(
      seen.filter((e) => e.state === "expired").map((e) => [e.host, e.service]),
      [["web1", "heartbeat"]],
    );
  });

  it("runs the checks on their own schedule", async () => {
    const runs: number[] = [];
    const check: Check = { name: "custom", schedule: { kind: "interval", seconds: 15 }, timeoutSeconds: 5, ttlPeriods: 3, tags: [], run: () => (runs.push(clock.now()), Promise.resolve([{ state: "ok" }])) };
    const { clock, agent, events } = setup([], { checks: [check] });
    agent.start();
    clock.runDue();
    await settle();
    await run(clock, 31);
    assert.deepEqual(runs.map((t) => t - T0), [0, 15, 30]);
    assert.ok(events.filter((e) => e.service === "custom").every((e) => e.tags?.includes("check") === true && e.ttl === 45));
    await agent.stop();
  });

  it("once: a heartbeat, every probe and every check, and resolves with their events", async () => {
    const check: Check = { name: "custom", schedule: { kind: "interval", seconds: 60 }, timeoutSeconds: 5, ttlPeriods: 3, tags: [], run: () => Promise.resolve([{ state: "ok" }]) };
    const { agent, events } = setup([countingProbe("cpu"), countingProbe("mem")], { checks: [check] });
    const once = await agent.once();
    assert.deepEqual(once.map((e) => e.service).sort(), ["cpu", "custom", "heartbeat", "mem"]);
    assert.deepEqual(events.map((e) => e.service).sort(), ["cpu", "custom", "heartbeat", "mem"]);
  });

  it("stop: no more ticks, beats or checks, no timer left", async () => {
    const cpu = countingProbe("cpu");
    const { clock, agent, events } = setup([cpu]);
    agent.start();
    clock.runDue();
    await settle();
    await run(clock, 1);
    await agent.stop();
    const before = events.length;
    await run(clock, 60);
    assert.equal(events.length, before);
    assert.equal(clock.pending, 0);
  });

  it("never waits for the sink's consumer: a sink that queues keeps the loop on time", async () => {
    // The sink contract is synchronous; what is behind it (a send that never finishes) cannot hold a tick.
    const queued: Event[][] = [];
    const clock = new VirtualClock(T0);
    const cpu = countingProbe("cpu");
    const agent = new Agent({ clock, host: "web1", probes: [cpu], sink: (events) => void queued.push([...events]) });
    agent.start();
    clock.runDue();
    await settle();
    await run(clock, 30);
    assert.equal(cpu.calls.length, 4);
    await agent.stop();
  });

  it("rejects a bad interval, an empty host and two probes with one name", () => {
    const clock = new VirtualClock(T0);
    assert.throws(() => new Agent({ clock, host: "web1", probes: [], sink: () => undefined, intervalSeconds: 0 }), { message: "collector.intervalSeconds must be a positive number, got 0" });
    assert.throws(() => new Agent({ clock, host: "", probes: [], sink: () => undefined }), { message: /collector\.host must be a non-empty string/ });
    assert.throws(() => new Agent({ clock, host: "a", probes: [countingProbe("x"), countingProbe("x")], sink: () => undefined }), { message: /two probes are named "x"/ });
  });
});
