/** Tests for `expired` and `notExpired`, by state and by TTL at the clock. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { expired, notExpired } from "./expired.ts";

describe("expired / notExpired", () => {
  it("splits by state 'expired' and by TTL (default 60 s) against ctx.clock.now()", () => {
    const { ctx, clock } = testContext(1000);
    const dead = collect();
    const live = collect();
    const sDead = expired(ctx, dead.stream);
    const sLive = notExpired(ctx, live.stream);
    const send = (e: ReturnType<typeof ev>): void => {
      sDead(e);
      sLive(e);
    };
    send(expire(ev({ time: 1000 }), 1000)); // state expired, even though fresh
    send(ev({ time: 990, ttl: 10, metric: 1 })); // exactly at its ttl: still live
    send(ev({ time: 989, ttl: 10, metric: 2 })); // 11 s old, ttl 10: expired
    send(ev({ time: 941, metric: 3 })); // 59 s old, default ttl 60: live
    send(ev({ time: 939, metric: 4 })); // 61 s old: expired
    assert.deepEqual(dead.items.map((e) => e.metric ?? e.state), ["expired", 2, 4]);
    assert.deepEqual(live.items.map((e) => e.metric), [1, 3]);

    clock.advanceTo(1005);
    send(ev({ time: 990, ttl: 10, metric: 5 })); // now 15 s old
    assert.equal(dead.items.at(-1)?.metric, 5);
  });
});
