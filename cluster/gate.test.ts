/** Tests of the leader gate: which intents are cluster intents, holding and sending them, and reconciliation at a takeover. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Intent, PageIntent, ResolveIntent } from "../rules/intents.ts";
import { VirtualClock } from "../streams/clock.ts";
import { makeEvent } from "../streams/event.ts";
import { LeaderGate } from "./gate.ts";

const clusterEvent = makeEvent({ host: "*", service: "swapping hosts", time: 0, metric: 0.3 });
const hostEvent = makeEvent({ host: "web1", service: "disk", time: 0, metric: 0.99 });

function page(key: string, cluster = true, severity: PageIntent["severity"] = "critical"): PageIntent {
  const e = cluster ? clusterEvent : hostEvent;
  return { kind: "page", rule: "r/p", key, severity, summary: "s", time: 0, evidence: [e], host: cluster ? undefined : e.host };
}

function resolve(key: string): ResolveIntent {
  return { kind: "resolve", rule: "r/p", key, time: 0 };
}

function setup(delivering = false) {
  const clock = new VirtualClock(100);
  const sent: Intent[] = [];
  const announced: number[] = [];
  let inDelivery = delivering;
  const gate = new LeaderGate({ self: "b", clock, next: (i) => void sent.push(i), delivering: () => inDelivery, onAnnounce: () => void announced.push(clock.now()) });
  const keys = () => sent.map((i) => `${i.kind} ${"key" in i ? i.key : ""}`.trim());
  return { clock, gate, sent, keys, announced, setDelivering: (on: boolean) => (inDelivery = on) };
}

describe("LeaderGate", () => {
  it("lets per-host intents through on every engine and holds cluster intents unless leading", () => {
    const { gate, keys } = setup();
    gate.sink(page("disk:web1/disk", false));
    gate.sink({ kind: "drain", rule: "r", host: "web1", reason: "x", time: 0 });
    gate.sink({ kind: "index", rule: "r", event: clusterEvent });
    gate.sink(page("r/p:*"));
    gate.sink(resolve("r/p:*"));
    gate.sink({ kind: "log", rule: "r", message: "m", event: clusterEvent });
    assert.deepEqual(keys(), ["page disk:web1/disk", "drain", "index"]);
    assert.equal(gate.stats.held, 3);
  });

  it("treats a resolve as cluster-wide when its key was paged from a cluster event, whatever the subject", () => {
    const { gate, keys } = setup();
    gate.sink(page("r/p:fleet"));
    gate.sink(resolve("r/p:fleet"));
    gate.sink(resolve("r/q:web1/disk"));
    assert.deepEqual(keys(), ["resolve r/q:web1/disk"]);
  });

  it("gates anything emitted while merged aggregates are delivered", () => {
    const { gate, keys, setDelivering } = setup();
    setDelivering(true);
    gate.sink({ kind: "drain", rule: "r", host: "web1", reason: "x", time: 0 });
    gate.sink(page("r/p:web1", false));
    setDelivering(false);
    gate.sink(resolve("r/p:web1"));
    assert.deepEqual(keys(), []);
  });

  it("sends at a takeover the transitions the previous leader had not announced, and announces", () => {
    const { gate, keys, announced } = setup();
    gate.observe({ from: "a", at: 50, keys: new Map([["k1", "page:critical"], ["k2", "page:critical"], ["k3", "resolve"]]) });
    gate.observe({ from: "z", at: 40, keys: new Map() }); // older: ignored
    gate.sink(page("k1")); // same as announced: not sent again
    gate.sink(page("k2"));
    gate.sink(resolve("k2")); // the old leader never sent this resolve
    gate.sink(page("k4", true, "warning")); // unknown to the old leader
    gate.sink(resolve("r/q:*")); // resolve of something never announced: nothing to close
    assert.deepEqual(keys(), []);
    gate.lead();
    assert.deepEqual(keys(), ["resolve k2", "page k4"]);
    assert.equal(gate.stats.replayed, 2);
    assert.equal(announced.length, 1);
    assert.deepEqual(gate.currentView(), {
      from: "b",
      at: 100,
      keys: new Map([["k1", "page:critical"], ["k2", "resolve"], ["k3", "resolve"], ["k4", "page:warning"], ["r/q:*", "resolve"]]),
    });
  });

  it("absorbs the first intent that repeats what the previous leader sent for a key this engine never computed", () => {
    const { gate, keys } = setup();
    gate.observe({ from: "a", at: 50, keys: new Map([["k1", "page:critical"], ["k2", "page:critical"]]) });
    gate.lead();
    gate.sink(page("k1"));
    gate.sink(page("k1")); // a re-trigger while leading is the rule's business: sent
    gate.sink(resolve("k2"));
    assert.deepEqual(keys(), ["page k1", "resolve k2"]);
    assert.equal(gate.stats.absorbed, 1);
  });

  it("after resigning, holds again and keeps its announced state as its view", () => {
    const { gate, keys, clock } = setup();
    gate.lead();
    gate.sink(page("k1"));
    clock.advanceBy(5);
    gate.resign();
    gate.sink(resolve("k1"));
    assert.deepEqual(keys(), ["page k1"]);
    assert.deepEqual(gate.currentView(), { from: "b", at: 105, keys: new Map([["k1", "page:critical"]]) });
    gate.observe({ from: "c", at: 104, keys: new Map() });
    assert.equal(gate.currentView()?.from, "b", "an older view does not replace it");
  });
});
