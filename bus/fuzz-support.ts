/**
 * Input generation for the bus fuzz tests: a small seeded PRNG (so a failing
 * run reproduces from its seed), valid seed messages, and mutations of them
 * that reach every branch of the decoder and of the engine's per-event
 * validation: flipped and lost bytes, truncation, splices, wrong types and
 * versions, hostile numbers, deep nesting, oversized values.
 */
import { encodeMessage } from "./codec.ts";
import { makeEvent, type Event } from "../streams/event.ts";

/**
 * mulberry32: a tiny deterministic generator; not for anything but tests.
 *
 * @example
 * const rng = new Rng(42);
 * rng.int(10); // same value on every run
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/**
 * A few dozen valid messages (1 to 20 events each, some with a producer
 * identity) to mutate.
 *
 * @example
 * const seeds = seedMessages(new Rng(1), 1_700_000_000);
 */
export function seedMessages(rng: Rng, time: number): Buffer[] {
  const seeds: Buffer[] = [];
  for (let s = 0; s < 40; s++) {
    const events: Event[] = [];
    const n = 1 + rng.int(20);
    for (let i = 0; i < n; i++) {
      events.push(
        makeEvent({
          host: `host-${rng.int(50)}`,
          service: rng.pick(["cpu", "memory", "disk /", "swap", "load"]),
          time: time - rng.int(100),
          metric: rng.chance(0.8) ? rng.next() * 100 : undefined,
          state: rng.chance(0.5) ? rng.pick(["ok", "warning", "critical"]) : undefined,
          tags: rng.chance(0.3) ? ["a", "b"] : undefined,
          ttl: rng.chance(0.3) ? 30 : undefined,
          attributes: rng.chance(0.2) ? { dc: "eu-1" } : undefined,
        }),
      );
    }
    seeds.push(Buffer.from(encodeMessage(events, rng.chance(0.5) ? { producer: `seed-${s % 5}`, seq: s } : undefined)));
  }
  return seeds;
}

const TOKENS = ["null", "true", "-1e309", "1e999", "NaN", '""', "[]", "{}", '{"v":1}', '"\\ud800"', "0", "-0", "9007199254740993", '"v"', '"events"', ",", ":", "]", "}", '"__proto__"'];

/**
 * One mutated message made from a random seed (or, rarely, from nothing).
 *
 * @example
 * const bytes = mutate(rng, seeds); // maybe valid, maybe not
 */
export function mutate(rng: Rng, seeds: readonly Buffer[]): Buffer {
  const seed = rng.pick(seeds);
  switch (rng.int(14)) {
    case 0: { // flip a few bits
      const b = Buffer.from(seed);
      for (let k = 1 + rng.int(4); k > 0; k--) b[rng.int(b.length)]! ^= 1 << rng.int(8);
      return b;
    }
    case 1: // truncate
      return seed.subarray(0, rng.int(seed.length));
    case 2: { // delete a span
      const at = rng.int(seed.length);
      return Buffer.concat([seed.subarray(0, at), seed.subarray(Math.min(seed.length, at + 1 + rng.int(20)))]);
    }
    case 3: { // insert a JSON-ish token
      const at = rng.int(seed.length);
      return Buffer.concat([seed.subarray(0, at), Buffer.from(rng.pick(TOKENS)), seed.subarray(at)]);
    }
    case 4: { // splice two seeds
      const other = rng.pick(seeds);
      return Buffer.concat([seed.subarray(0, rng.int(seed.length)), other.subarray(rng.int(other.length))]);
    }
    case 5: // random bytes
      return Buffer.from(Array.from({ length: rng.int(200) }, () => rng.int(256)));
    case 6: // wrong version
      return Buffer.from(seed.toString().replace('"v":1', rng.pick(['"v":2', '"v":"1"', '"v":null', '"w":1'])));
    case 7: // events not an array
      return Buffer.from(`{"v":1,"events":${rng.pick(['{"host":"a"}', '"x"', "1", "null"])}}`);
    case 8: // not an object
      return Buffer.from(rng.pick(["[]", "1", '"s"', "null", "true", `[${seed.toString()}]`]));
    case 9: { // hostile values in events: they decode, the engine rejects them
      const text = seed.toString();
      return Buffer.from(
        text.replace(rng.pick(['"metric":', '"time":', '"host":', '"service":', '"ttl":', '"tags":']), (m) => `${m}${rng.pick(['"str",', "-1,", "1e308,", "null,", "[],", '{"a":1},', '"",'])}`),
      );
    }
    case 10: // deep nesting
      return Buffer.from(`{"v":1,"events":[${"[".repeat(1 + rng.int(5000))}`);
    case 11: // oversized (over the test's 64 KiB limit)
      return Buffer.concat([seed, Buffer.alloc(64 * 1024, 0x20)]);
    case 12: // empty
      return Buffer.alloc(0);
    default: // unchanged: good input mixed into the bad
      return seed;
  }
}
