/**
 * Tests of what the Kafka consumer does with one message, without Kafka:
 * process and count, skip what was processed, set aside what is malformed or
 * fails in the handler, never throw.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VirtualClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import { emptyStats, type BatchHandler } from "./bus.ts";
import { DEFAULT_MESSAGE_LIMITS } from "./codec.ts";
import { PartitionDedup } from "./dedup.ts";
import { handleMessage, HANDLER_ERROR, type ConsumerCounters, type DeadLetter, type HandlingContext } from "./message-handler.ts";

const T0 = 1_700_000_000;

function setup(handler: BatchHandler): { ctx: HandlingContext; letters: DeadLetter[]; stats: ConsumerCounters; dedup: PartitionDedup } {
  const letters: DeadLetter[] = [];
  const stats: ConsumerCounters = { ...emptyStats(), malformedByReason: new Map() };
  const ctx: HandlingContext = { topic: "events", kafkaTopic: "satellite.events", handler, limits: DEFAULT_MESSAGE_LIMITS, stats, deadLetter: (l) => letters.push(l) };
  return { ctx, letters, stats, dedup: new PartitionDedup() };
}

/** Handles a message with a synchronous handler; the call must finish synchronously. */
function handleSync(ctx: HandlingContext, dedup: PartitionDedup, partition: number, message: ReturnType<typeof msg>): void {
  assert.equal(handleMessage(ctx, dedup, partition, message), undefined, "a synchronous handler finishes synchronously");
}

function msg(offset: number, value: string | null, key: string | null = "web1") {
  return { offset: String(offset), key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value) };
}

const good = (producer?: string, seq?: number): string =>
  JSON.stringify({ v: 1, ...(producer === undefined ? {} : { producer, seq }), events: [{ host: "web1", service: "cpu", time: T0, metric: 1 }, { host: "web1", service: "", time: T0 }] });

describe("handleMessage", () => {
  it("hands the events to the handler with their origin and counts the handler's rejections", () => {
    const engine = new Engine({ clock: new VirtualClock(T0) });
    const origins: unknown[] = [];
    const { ctx, stats, dedup, letters } = setup((events, origin) => {
      origins.push(origin);
      return engine.submitAll(events);
    });
    assert.equal(handleMessage(ctx, dedup, 3, msg(17, good())), undefined, "a synchronous handler finishes synchronously");
    assert.deepEqual(origins, [{ topic: "events", partition: 3, offset: 17 }]);
    assert.equal(stats.deliveredEvents, 2);
    assert.equal(stats.rejectedEvents, 1, "the event with an empty service is a rejection, not a malformed message");
    assert.equal(stats.malformedMessages, 0);
    assert.equal(engine.stats.accepted, 1);
    assert.deepEqual(letters, []);
    assert.equal(dedup.processedOffset, 17);
  });

  it("sets a malformed message aside with its reason and position, marks it done and moves on", () => {
    const seen: unknown[] = [];
    const { ctx, stats, dedup, letters } = setup((events) => void seen.push(...events));
    handleSync(ctx, dedup, 1, msg(4, "{not json", "db7"));
    assert.equal(stats.malformedMessages, 1);
    assert.equal(stats.deadLettered, 1);
    assert.equal(stats.malformedByReason.get("bad_json"), 1);
    assert.equal(letters.length, 1);
    const letter = letters[0]!;
    assert.equal(letter.reason, "bad_json");
    assert.match(letter.detail, /not JSON/);
    assert.deepEqual([letter.topic, letter.partition, letter.offset, letter.key?.toString(), letter.value?.toString()], ["satellite.events", 1, "4", "db7", "{not json"]);
    assert.equal(dedup.processedOffset, 4);
    handleSync(ctx, dedup, 1, msg(5, good()));
    assert.equal(seen.length, 2, "the next message is processed");
  });

  it("only counts and skips a malformed message when told not to set it aside (a second reader of the topic)", () => {
    const seen: unknown[] = [];
    const { ctx, stats, dedup, letters } = setup((events) => void seen.push(...events));
    const quiet: HandlingContext = { ...ctx, setAsideMalformed: false };
    handleSync(quiet, dedup, 1, msg(4, "{not json", "db7"));
    assert.equal(stats.malformedMessages, 1);
    assert.equal(stats.malformedByReason.get("bad_json"), 1);
    assert.equal(stats.deadLettered, 0);
    assert.equal(letters.length, 0);
    assert.equal(dedup.processedOffset, 4, "skipped: done with");
    const failing: HandlingContext = { ...quiet, handler: () => { throw new Error("boom"); } };
    handleSync(failing, dedup, 1, msg(5, good()));
    assert.equal(letters.length, 1, "a handler failure is still set aside");
    assert.equal(letters[0]!.reason, HANDLER_ERROR);
  });

  it("skips a message redelivered at an offset already processed", () => {
    let calls = 0;
    const { ctx, stats, dedup } = setup(() => void calls++);
    handleSync(ctx, dedup, 0, msg(10, good()));
    handleSync(ctx, dedup, 0, msg(10, good()));
    handleSync(ctx, dedup, 0, msg(9, good()));
    assert.equal(calls, 1);
    assert.equal(stats.duplicatesSkipped, 2);
  });

  it("skips a copy a producer wrote twice (same producer and sequence at a new offset)", () => {
    let calls = 0;
    const { ctx, stats, dedup } = setup(() => void calls++);
    handleSync(ctx, dedup, 0, msg(0, good("p1", 5)));
    handleSync(ctx, dedup, 0, msg(1, good("p1", 5)));
    handleSync(ctx, dedup, 0, msg(2, good("p2", 5)));
    handleSync(ctx, dedup, 0, msg(3, good("p1", 6)));
    assert.equal(calls, 3);
    assert.equal(stats.duplicatesSkipped, 1);
    assert.equal(dedup.processedOffset, 3);
  });

  it("dead-letters the message whose handler throws, as handler_error, and does not throw", () => {
    const { ctx, stats, dedup, letters } = setup(() => {
      throw new Error("rule exploded");
    });
    assert.doesNotThrow(() => handleSync(ctx, dedup, 2, msg(8, good())));
    assert.equal(stats.handlerErrors, 1);
    assert.equal(letters[0]?.reason, HANDLER_ERROR);
    assert.match(letters[0]?.detail ?? "", /rule exploded/);
    assert.equal(dedup.processedOffset, 8);
  });

  it("waits for an asynchronous handler and counts what it resolves with; a rejection is a handler error", async () => {
    const { ctx, stats, dedup, letters } = setup(async (events) => {
      await Promise.resolve();
      if (events.length === 2 && (events[0] as { metric?: number }).metric === 1 && stats.deliveredEvents > 2) throw new Error("second time fails");
      return { accepted: 1, rejected: [{}] };
    });
    const first = handleMessage(ctx, dedup, 0, msg(0, good()));
    assert.ok(first instanceof Promise);
    assert.equal(dedup.processedOffset, -1, "not done before the handler settles");
    await first;
    assert.equal(dedup.processedOffset, 0);
    assert.equal(stats.rejectedEvents, 1);
    await handleMessage(ctx, dedup, 0, msg(1, good()));
    assert.equal(stats.handlerErrors, 1);
    assert.equal(letters[0]?.reason, HANDLER_ERROR);
    assert.equal(dedup.processedOffset, 1);
  });

  it("survives a dead-letter sink that throws", () => {
    const { ctx, stats, dedup } = setup(() => undefined);
    const throwing: HandlingContext = {
      ...ctx,
      deadLetter: () => {
        throw new Error("sink down");
      },
    };
    assert.doesNotThrow(() => handleSync(throwing, dedup, 0, msg(0, null)));
    assert.equal(stats.deadLettered, 1);
    assert.equal(stats.malformedByReason.get("empty"), 1);
  });
});
