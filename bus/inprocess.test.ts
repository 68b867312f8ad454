/**
 * Tests of the in-process bus: the shared conformance suite, then what only
 * the in-process bus promises (its bounded queue, batching limits, option
 * validation, dead letters kept for inspection).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { busConformance } from "./conformance.ts";
import { InProcessBus } from "./inprocess.ts";
import { idOf, numbered, Recorder } from "./test-support.ts";

busConformance("in-process bus", { makeBus: () => Promise.resolve(new InProcessBus({ partitions: 8 })), partitions: 8, timeoutMs: 5_000 });

describe("InProcessBus beyond the conformance suite", () => {
  it("makes publish wait while the topic holds maxQueuedEvents (backpressure), and loses nothing", async () => {
    const bus = new InProcessBus({ maxQueuedEvents: 100, partitions: 1 });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const rec = new Recorder(async (events) => {
      await gate;
      return { accepted: events.length, rejected: [] };
    });
    await bus.subscribe("events", rec.handler);
    await bus.publish("events", numbered(0, 100, 4));
    let admitted = false;
    const second = bus.publish("events", numbered(100, 10, 4)).then(() => (admitted = true));
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(admitted, false, "the queue is full while the handler holds the first batch");
    assert.equal(bus.stats.queuedEvents, 110);
    open();
    await second;
    await bus.idle();
    assert.deepEqual(rec.events.map(idOf), Array.from({ length: 110 }, (_, i) => i));
    assert.equal(bus.stats.queuedEvents, 0);
    await bus.close();
  });

  it("admits a single publish larger than the whole queue when the queue is empty", async () => {
    const bus = new InProcessBus({ maxQueuedEvents: 10 });
    const rec = new Recorder();
    await bus.subscribe("events", rec.handler);
    await bus.publish("events", numbered(0, 50, 5));
    await bus.idle();
    assert.equal(rec.events.length, 50);
    await bus.close();
  });

  it("hands a handler at most maxBatchEvents at once, joining small publishes and splitting large ones", async () => {
    const bus = new InProcessBus({ maxBatchEvents: 25, partitions: 1 });
    for (let i = 0; i < 100; i += 5) await bus.publish("events", numbered(i, 5, 1));
    await bus.publish("events", numbered(100, 60, 1));
    const rec = new Recorder();
    await bus.subscribe("events", rec.handler);
    await bus.idle();
    assert.ok(rec.deliveries.every((d) => d.events.length <= 25), rec.deliveries.map((d) => d.events.length).join(","));
    assert.ok(rec.deliveries.some((d) => d.events.length === 25), "small publishes are joined");
    assert.deepEqual(rec.events.map(idOf), Array.from({ length: 160 }, (_, i) => i));
    await bus.close();
  });

  it("never runs two batches of one partition at once, so an asynchronous handler keeps per-host order", async () => {
    const bus = new InProcessBus({ partitions: 2, maxBatchEvents: 3 });
    let running = 0;
    let most = 0;
    const byPartition = new Map<number, number>();
    const rec = new Recorder(async (events, origin) => {
      byPartition.set(origin.partition, (byPartition.get(origin.partition) ?? 0) + 1);
      running++;
      most = Math.max(most, byPartition.get(origin.partition)!);
      await new Promise<void>((resolve) => setImmediate(resolve));
      running--;
      byPartition.set(origin.partition, byPartition.get(origin.partition)! - 1);
      return { accepted: events.length, rejected: [] };
    });
    await bus.subscribe("events", rec.handler);
    await bus.publish("events", numbered(0, 60, 6));
    await bus.idle();
    assert.equal(most, 1, "one batch at a time per partition");
    assert.equal(running, 0);
    assert.equal(rec.events.length, 60);
    await bus.close();
  });

  it("keeps the batches whose handler failed, with the reason, for inspection", async () => {
    const bus = new InProcessBus();
    await bus.subscribe("events", () => {
      throw new Error("boom");
    });
    await bus.publish("events", numbered(0, 3, 1));
    await bus.idle();
    assert.equal(bus.deadLetters.length, 1);
    assert.equal(bus.deadLetters[0]!.reason, "handler_error");
    assert.match(bus.deadLetters[0]!.detail, /boom/);
    assert.equal(bus.deadLetters[0]!.events.length, 3);
    await bus.close();
  });

  it("supports one consumer group per topic and says so", async () => {
    const bus = new InProcessBus();
    await bus.subscribe("events", () => undefined, { group: "a" });
    await assert.rejects(bus.subscribe("events", () => undefined, { group: "b" }), /one consumer group per topic/);
    await bus.subscribe("tasks", () => undefined, { group: "b" });
    await bus.close();
  });

  it("refuses bad options with an error naming the field", () => {
    assert.throws(() => new InProcessBus({ partitions: 0 }), /partitions must be a positive integer, got 0/);
    assert.throws(() => new InProcessBus({ maxQueuedEvents: 1.5 }), /maxQueuedEvents/);
    assert.throws(() => new InProcessBus({ maxBatchEvents: -1 }), /maxBatchEvents/);
  });

  it("rejects publishes still waiting for room when it closes, and discards what was never processed", async () => {
    const bus = new InProcessBus({ maxQueuedEvents: 5 });
    await bus.publish("events", numbered(0, 5, 1));
    const waiting = bus.publish("events", numbered(5, 5, 1));
    await bus.close();
    await assert.rejects(waiting, /closed/);
    assert.equal(bus.stats.queuedEvents, 0);
  });
});
