/**
 * Bounded fuzz test of the Kafka consumer's message handling (issue 3, item
 * 6): 120,000 mutated messages, from a seeded generator so a failure
 * reproduces, go straight into `handleMessage` (the function the Kafka bus
 * calls for every fetched message) with a real engine as the handler. The
 * consumer must never throw; every message must end up processed, dead-
 * lettered with a reason, or skipped as a duplicate; bad input must be
 * counted; and good messages sent afterwards must all be processed.
 * test/kafka/fuzz.test.ts sends a few hundred such messages through the mock
 * broker as well.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VirtualClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import { emptyStats } from "./bus.ts";
import { DEFAULT_MESSAGE_LIMITS, encodeMessage } from "./codec.ts";
import { PartitionDedup } from "./dedup.ts";
import { handleMessage, type ConsumerCounters, type DeadLetter, type HandlingContext } from "./message-handler.ts";
import { mutate, Rng, seedMessages } from "./fuzz-support.ts";
import { numbered } from "./test-support.ts";

const T0 = 1_700_000_000;
const MUTATED = 120_000;

describe("fuzzing the Kafka consumer's message handling", () => {
  it(`survives ${MUTATED.toLocaleString("en")} mutated messages, counts and dead-letters the bad ones, then processes good input`, () => {
    const engine = new Engine({ clock: new VirtualClock(T0) });
    const stats: ConsumerCounters = { ...emptyStats(), malformedByReason: new Map() };
    const letters: DeadLetter[] = [];
    let handled = 0;
    const ctx: HandlingContext = {
      topic: "events",
      kafkaTopic: "satellite.events",
      handler: (events) => {
        handled++;
        return engine.submitAll(events);
      },
      limits: { ...DEFAULT_MESSAGE_LIMITS, maxMessageBytes: 64 * 1024, maxEvents: 1_000 },
      stats,
      deadLetter: (l) => {
        if (letters.length < 1_000) letters.push(l);
      },
    };
    const dedup = new PartitionDedup();
    const rng = new Rng(0x5a7e11);
    const seeds = seedMessages(rng, T0);
    let offset = 0;
    for (let i = 0; i < MUTATED; i++) {
      const value = mutate(rng, seeds);
      const pending = handleMessage(ctx, dedup, 0, { offset: String(offset++), key: rng.chance(0.1) ? null : Buffer.from("k"), value });
      assert.equal(pending, undefined, "the engine is synchronous, so handling is too");
    }
    assert.equal(handled + stats.malformedMessages + stats.duplicatesSkipped, MUTATED, "every message is processed, set aside or skipped");
    assert.ok(stats.malformedMessages > MUTATED / 10, `bad messages are counted (${stats.malformedMessages})`);
    assert.equal(stats.deadLettered, stats.malformedMessages, "every malformed message is dead-lettered");
    assert.ok(letters.every((l) => l.reason.length > 0 && l.detail.length > 0), "every dead letter has a reason");
    const reasons = [...stats.malformedByReason.keys()].sort();
    for (const code of ["bad_json", "not_an_object", "too_large", "unsupported_version", "bad_events", "empty"]) assert.ok(reasons.includes(code), `reason ${code} seen (saw ${reasons.join(", ")})`);
    assert.ok(stats.rejectedEvents > 0, "events rejected by the engine's validation are counted");
    assert.equal(stats.rejectedEvents, engine.rejectedTotal);
    assert.equal(stats.handlerErrors, 0);

    const acceptedBefore = engine.stats.accepted;
    for (let m = 0; m < 1_000; m++) {
      const pending = handleMessage(ctx, dedup, 0, { offset: String(offset++), key: null, value: Buffer.from(encodeMessage(numbered(m * 10, 10, 7, T0), { producer: "after-fuzz", seq: m })) });
      assert.equal(pending, undefined);
    }
    assert.equal(engine.stats.accepted - acceptedBefore, 10_000, "good input after the fuzzing is all processed");
  });
});
