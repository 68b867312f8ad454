/**
 * The bus conformance suite: one set of node:test cases every `Bus`
 * implementation must pass, so the in-process bus and the Kafka bus are
 * interchangeable where an engine or a collector can tell. Run it from a
 * test file with a harness that makes fresh buses (bus/inprocess.test.ts,
 * test/kafka/conformance.test.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VirtualClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import { makeEvent } from "../streams/event.ts";
import type { Bus, Subscription } from "./bus.ts";
import { idOf, numbered, orderProblems, Recorder, Watch } from "./test-support.ts";

/** How the suite gets buses to test. */
export interface ConformanceHarness {
  /**
   * A new bus whose topics are empty and unused by any other bus the
   * harness made (Kafka: fresh topic names). The suite closes it.
   */
  makeBus(): Promise<Bus>;
  /** Partitions per topic on the buses `makeBus` returns. */
  readonly partitions: number;
  /** Longest wait for deliveries, group joins and hand-overs, in ms. */
  readonly timeoutMs: number;
}

const T0 = 1_700_000_000;

async function withBus(harness: ConformanceHarness, body: (bus: Bus) => Promise<void>): Promise<void> {
  const bus = await harness.makeBus();
  try {
    await body(bus);
  } finally {
    await bus.close();
  }
}

function exactlyOnce(events: readonly unknown[], from: number, count: number): string | undefined {
  const seen = new Map<number, number>();
  for (const e of events) seen.set(idOf(e), (seen.get(idOf(e)) ?? 0) + 1);
  const missing: number[] = [];
  const twice: number[] = [];
  for (let i = from; i < from + count; i++) {
    const n = seen.get(i) ?? 0;
    if (n === 0) missing.push(i);
    if (n > 1) twice.push(i);
  }
  const extra = [...seen.keys()].filter((k) => k < from || k >= from + count);
  if (missing.length + twice.length + extra.length === 0) return undefined;
  return `missing ${missing.length} (${missing.slice(0, 5).join(",")}), twice ${twice.length} (${twice.slice(0, 5).join(",")}), unexpected ${extra.length} (${extra.slice(0, 5).join(",")})`;
}

/**
 * Defines the conformance cases for one implementation under `describe(name)`.
 *
 * @example
 * busConformance("in-process bus", { makeBus: async () => new InProcessBus(), partitions: 8, timeoutMs: 5_000 });
 */
export function busConformance(name: string, harness: ConformanceHarness): void {
  const within = harness.timeoutMs;

  describe(`${name}: Bus conformance`, () => {
    it("delivers every event exactly once, in order per host, many per batch, including events published before anyone subscribed", async () => {
      await withBus(harness, async (bus) => {
        for (let i = 0; i < 2000; i += 100) await bus.publish("events", numbered(i, 100, 10));
        const rec = new Recorder();
        await bus.subscribe("events", rec.handler);
        for (let i = 2000; i < 4000; i += 100) await bus.publish("events", numbered(i, 100, 10));
        await bus.flush();
        await rec.watch.until(() => rec.events.length >= 4000, within, "4000 events", () => `${rec.events.length} so far`);
        assert.equal(exactlyOnce(rec.events, 0, 4000), undefined);
        assert.deepEqual(orderProblems(rec.events), []);
        assert.ok(rec.deliveries.some((d) => d.events.length > 1), "events travel in batches");
        assert.equal(bus.stats.publishedEvents, 4000);
        assert.equal(bus.stats.deliveredEvents, 4000);
        for (const d of rec.deliveries) {
          assert.equal(d.origin.topic, "events");
          assert.ok(Number.isInteger(d.origin.partition) && d.origin.partition >= 0 && d.origin.partition < harness.partitions, `partition ${d.origin.partition}`);
        }
      });
    });

    it("keeps the events and tasks topics apart", async () => {
      await withBus(harness, async (bus) => {
        const events = new Recorder();
        const tasks = new Recorder();
        await Promise.all([bus.subscribe("events", events.handler), bus.subscribe("tasks", tasks.handler)]);
        await bus.publish("events", numbered(0, 50, 5));
        await bus.publish("tasks", numbered(1000, 30, 3));
        await events.watch.until(() => events.events.length >= 50, within, "50 events");
        await tasks.watch.until(() => tasks.events.length >= 30, within, "30 tasks");
        assert.equal(exactlyOnce(events.events, 0, 50), undefined);
        assert.equal(exactlyOnce(tasks.events, 1000, 30), undefined);
        assert.ok(tasks.deliveries.every((d) => d.origin.topic === "tasks"));
      });
    });

    it("counts the events the handler rejects (the engine's per-event validation) and delivers the rest", async () => {
      await withBus(harness, async (bus) => {
        const engine = new Engine({ clock: new VirtualClock(T0) });
        const rec = new Recorder((events) => engine.submitAll(events));
        await bus.subscribe("events", rec.handler);
        const mixed = numbered(0, 100, 4).map((e, i) => (i % 10 === 3 ? makeEvent({ ...e, service: "" }) : e));
        await bus.publish("events", mixed);
        await rec.watch.until(() => rec.events.length >= 100, within, "100 events");
        await rec.watch.until(() => bus.stats.rejectedEvents >= 10, within, "10 rejections counted", () => `${bus.stats.rejectedEvents}`);
        assert.equal(bus.stats.rejectedEvents, 10);
        assert.equal(engine.stats.accepted, 90);
        assert.equal(engine.stats.rejected.get("missing_service"), 10);
        assert.equal(bus.stats.malformedMessages, 0, "a rejected event is not a malformed message");
        assert.equal(bus.stats.handlerErrors, 0);
      });
    });

    it("survives a handler that throws: the failed batch is counted and set aside, later batches are delivered", async () => {
      await withBus(harness, async (bus) => {
        const rec = new Recorder((events) => {
          if (events.some((e) => idOf(e) === -1)) throw new Error("poison");
          return { accepted: events.length, rejected: [] };
        });
        const watch = rec.watch;
        await bus.publish("events", [makeEvent({ host: "poison", service: "seq", time: T0, metric: -1 })]);
        await bus.flush();
        await bus.subscribe("events", rec.handler);
        await watch.until(() => bus.stats.handlerErrors >= 1, within, "the poison batch to fail");
        await bus.publish("events", numbered(0, 100, 7));
        await rec.watch.until(() => rec.events.filter((e) => idOf(e) >= 0).length >= 100, within, "100 good events after the poison");
        assert.equal(exactlyOnce(rec.events.filter((e) => idOf(e) >= 0), 0, 100), undefined);
        assert.equal(bus.stats.handlerErrors, 1);
        assert.equal(bus.stats.deadLettered, 1);
      });
    });

    it("splits the partitions between the members of a group: each event reaches exactly one member, each host exactly one member, in order", async () => {
      await withBus(harness, async (bus) => {
        const watch = new Watch();
        const a = new Recorder(undefined, watch);
        const b = new Recorder(undefined, watch);
        const subs: Subscription[] = [];
        const onAssign = (): void => watch.check();
        subs.push(await bus.subscribe("events", a.handler, { onAssign }));
        subs.push(await bus.subscribe("events", b.handler, { onAssign }));
        const [sa, sb] = subs as [Subscription, Subscription];
        const settled = (): boolean =>
          sa.assigned.length > 0 && sb.assigned.length > 0 && sa.assigned.length + sb.assigned.length === harness.partitions && sa.assigned.every((p) => !sb.assigned.includes(p));
        await watch.until(settled, within, "both members to be assigned disjoint partitions", () => `a=${sa.assigned.join(",")} b=${sb.assigned.join(",")}`);
        for (let i = 0; i < 2000; i += 200) await bus.publish("events", numbered(i, 200, 50));
        const count = (): number => a.events.length + b.events.length;
        await watch.until(() => count() >= 2000, within, "2000 events over both members", () => `a=${a.events.length} b=${b.events.length}`);
        assert.equal(exactlyOnce([...a.events, ...b.events], 0, 2000), undefined);
        assert.ok(a.events.length > 0 && b.events.length > 0, `both members got events (a=${a.events.length}, b=${b.events.length})`);
        assert.deepEqual(orderProblems(a.events), []);
        assert.deepEqual(orderProblems(b.events), []);
        const hostsOf = (r: Recorder): Set<string> => new Set(r.events.map((e) => (e as { host: string }).host));
        const shared = [...hostsOf(a)].filter((h) => hostsOf(b).has(h));
        assert.deepEqual(shared, [], "no host is split between members");
        for (const d of a.deliveries) assert.ok(sa.assigned.includes(d.origin.partition));
        for (const d of b.deliveries) assert.ok(sb.assigned.includes(d.origin.partition));
      });
    });

    it("hands over when a member stops: the next member gets exactly the events the first did not process", async () => {
      await withBus(harness, async (bus) => {
        const a = new Recorder();
        const subA = await bus.subscribe("events", a.handler);
        await bus.publish("events", numbered(0, 500, 10));
        await a.watch.until(() => a.events.length >= 500, within, "500 events at the first member");
        await subA.stop();
        assert.deepEqual(subA.assigned, [], "a stopped member holds no partitions");
        await bus.publish("events", numbered(500, 500, 10));
        await bus.flush();
        const b = new Recorder();
        await bus.subscribe("events", b.handler);
        await b.watch.until(() => b.events.length >= 500, within, "500 events at the second member");
        assert.equal(exactlyOnce(a.events, 0, 500), undefined);
        assert.equal(exactlyOnce(b.events, 500, 500), undefined, "nothing the first member processed comes again");
      });
    });

    it("flush hands everything over; close is idempotent and refuses later publishes", async () => {
      const bus = await harness.makeBus();
      const rec = new Recorder();
      await bus.subscribe("events", rec.handler);
      await bus.publish("events", numbered(0, 300, 3));
      await bus.flush();
      await rec.watch.until(() => rec.events.length >= 300, within, "300 events");
      await rec.watch.until(() => bus.stats.queuedEvents === 0, within, "nothing left queued", () => `${bus.stats.queuedEvents}`);
      await bus.close();
      await bus.close();
      await assert.rejects(bus.publish("events", numbered(300, 1, 1)), /after close/);
    });
  });
}
