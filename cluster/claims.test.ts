/** Tests of the claim store: which engine's partial counts for a slot, expiry, release, stale messages, and the sum. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterPartial } from "../streams/eventindex/cluster-link.ts";
import { ClaimStore } from "./claims.ts";
import { PROTOCOL_VERSION, type ClusterMessage } from "./protocol.ts";

const AGG = "builtin/swap-storm/swapping hosts";

function p(live: number, matching: number, hosts: string[] = []): ClusterPartial {
  return { live, matching, hosts };
}

/** A message from `engine` at `time` claiming `slots` (slot → [since, partial]). */
function msg(engine: string, time: number, slots: Record<string, [number, ClusterPartial]>, seq = 1, ttl = 60): ClusterMessage {
  return {
    v: PROTOCOL_VERSION,
    engine,
    time,
    seq,
    ttl,
    leader: false,
    slots: Object.entries(slots).map(([slot, [since, partial]]) => ({ slot, since, aggregates: new Map([[AGG, partial]]) })),
  };
}

describe("ClaimStore", () => {
  it("sums one partial per slot over disjoint slots, hosts listed slot by slot in partition order", () => {
    const store = new ClaimStore({ warmup: 20 });
    store.apply(msg("a", 100, { "events/10": [0, p(5, 1, ["h10"])], "events/2": [0, p(10, 2, ["h2", "h6"])] }), 100);
    store.apply(msg("b", 100, { "events/1": [0, p(7, 3, ["h1", "h5", "h9"])] }), 100);
    assert.deepEqual(store.total(AGG, 100), { live: 22, matching: 6, hosts: ["h1", "h5", "h9", "h2", "h6", "h10"] });
    assert.deepEqual(store.total("other", 100), { live: 0, matching: 0, hosts: [] });
  });

  it("counts the newest owner once it has warmed up, the previous claim until then", () => {
    const store = new ClaimStore({ warmup: 20 });
    store.apply(msg("a", 100, { "events/1": [50, p(10, 2)] }), 100);
    store.apply(msg("b", 101, { "events/1": [101, p(1, 0)] }), 101);
    assert.equal(store.choose("events/1", 101)?.engine, "a", "b is cold");
    assert.deepEqual(store.total(AGG, 101), p(10, 2), "one of the two, never both");
    assert.equal(store.nextChange(101), 121);
    assert.equal(store.choose("events/1", 121)?.engine, "b");
    assert.equal(store.total(AGG, 121).live, 1);
  });

  it("a new owner with no previous claim counts at once", () => {
    const store = new ClaimStore({ warmup: 20 });
    store.apply(msg("b", 100, { "events/1": [100, p(3, 1)] }), 100);
    assert.equal(store.choose("events/1", 100)?.engine, "b");
  });

  it("a released claim counts until it expires when nobody else claims the slot", () => {
    const store = new ClaimStore({ warmup: 20 });
    store.apply(msg("a", 100, { "events/1": [50, p(10, 2)], "events/2": [50, p(4, 0)] }), 100);
    store.apply(msg("a", 105, { "events/2": [50, p(4, 0)] }, 2), 105);
    const released = store.choose("events/1", 105);
    assert.equal(released?.released, true);
    assert.equal(released?.expiresAt, 160, "a release does not renew the claim");
    assert.equal(store.total(AGG, 159).live, 14);
    store.expire(160);
    assert.equal(store.total(AGG, 160).live, 4);
    assert.deepEqual(store.slots(), ["events/2"]);
  });

  it("ignores a message older than one already taken from the same engine", () => {
    const store = new ClaimStore({ warmup: 0 });
    assert.equal(store.apply(msg("a", 100, { "events/1": [0, p(10, 2)] }, 5), 100), true);
    assert.equal(store.apply(msg("a", 100, { "events/1": [0, p(1, 1)] }, 4), 100), false);
    assert.equal(store.apply(msg("a", 99, { "events/1": [0, p(1, 1)] }, 9), 100), false);
    assert.equal(store.total(AGG, 100).live, 10);
    assert.equal(store.apply(msg("a", 101, { "events/1": [0, p(1, 1)] }, 1), 101), true, "a restarted engine (seq from 1) is newer by time");
  });

  it("never lets a claim live longer than its TTL after it was received, whatever the sender's clock says", () => {
    const store = new ClaimStore({ warmup: 0 });
    store.apply(msg("a", 10_000, { "events/1": [0, p(10, 2)] }), 100);
    assert.equal(store.choose("events/1", 100)?.expiresAt, 160);
    store.apply(msg("b", 50, { "events/2": [0, p(10, 2)] }), 100);
    assert.equal(store.choose("events/2", 100)?.expiresAt, 110, "an old message (replayed backlog) is nearly expired");
  });

  it("prefers, among cold claims' alternatives, the newest older one; a dead owner's unreleased claim bridges too", () => {
    const store = new ClaimStore({ warmup: 20 });
    store.apply(msg("a", 100, { "events/0": [10, p(1, 0)] }), 100);
    store.apply(msg("b", 100, { "events/0": [20, p(2, 0)] }), 100);
    store.apply(msg("c", 100, { "events/0": [100, p(3, 0)] }), 100);
    assert.equal(store.choose("events/0", 100)?.engine, "b");
    assert.deepEqual(store.owners(100), new Map([["events/0", "b"]]));
    assert.equal(store.choose("events/0", 120)?.engine, "c");
  });

  it("rejects a bad warm-up", () => {
    assert.throws(() => new ClaimStore({ warmup: -1 }), /warmup/);
  });
});
