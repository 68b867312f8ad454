/** Tests of DRF ranking: fairness across users by dominant share with per-user shares, priority within a user only. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { byPriorityThenAge, dominantShare, rankByDrf, type DrfJob, type Usage } from "./drf.ts";
import type { Share } from "./options.ts";

let seq = 0;
function job(uuid: string, user: string, extra: Partial<DrfJob> = {}): DrfJob {
  seq++;
  return { uuid, user, cpus: 1, mem: 100, priority: 50, submittedAt: seq, seq, ...extra };
}

const shares: Record<string, Share> = { alice: { cpus: 2, mem: 2048 } };
const shareOf = (user: string): Share => shares[user] ?? { cpus: 1, mem: 1024 };
const order = (jobs: DrfJob[], running: Map<string, Usage> = new Map()): string[] => rankByDrf(jobs, running, shareOf).map((r) => r.job.uuid);

describe("rankByDrf", () => {
  it("interleaves users by cumulative dominant share, weighting by their shares", () => {
    const jobs = [job("a1", "alice"), job("a2", "alice"), job("b1", "bob"), job("b2", "bob")];
    // alice's share is twice bob's: a1 0.5, a2 1.0, b1 1.0, b2 2.0 (a2 before b1: submitted earlier).
    assert.deepEqual(order(jobs), ["a1", "a2", "b1", "b2"]);
    const ranked = rankByDrf(jobs, new Map(), shareOf);
    assert.deepEqual(
      ranked.map((r) => r.dru),
      [0.5, 1, 1, 2],
    );
  });

  it("counts what a user already runs before their waiting jobs", () => {
    const jobs = [job("a1", "alice"), job("a2", "alice"), job("b1", "bob"), job("b2", "bob")];
    const running = new Map([["alice", { cpus: 2, mem: 0 }]]);
    // alice: 1.5, 2.0; bob: 1.0, 2.0
    assert.deepEqual(order(jobs, running), ["b1", "a1", "a2", "b2"]);
  });

  it("takes the dominant resource: memory-heavy jobs rank by memory", () => {
    const jobs = [job("b1", "bob", { cpus: 0.1, mem: 3072 }), job("c1", "carol", { cpus: 2, mem: 100 })];
    // bob: max(0.1, 3) = 3; carol: max(2, 0.1) = 2
    assert.deepEqual(order(jobs), ["c1", "b1"]);
  });

  it("orders a user's own jobs by priority, then by submission", () => {
    const jobs = [job("low", "alice", { priority: 10 }), job("high", "alice", { priority: 90 }), job("mid1", "alice"), job("mid2", "alice")];
    assert.deepEqual(order(jobs), ["high", "mid1", "mid2", "low"]);
  });

  it("never lets priority jump ahead of another user's fair share", () => {
    const jobs = [job("a-urgent", "alice", { priority: 100 }), job("b-lazy", "bob", { priority: 0 })];
    const running = new Map([["alice", { cpus: 4, mem: 0 }]]);
    assert.deepEqual(order(jobs, running), ["b-lazy", "a-urgent"]);
  });

  it("does not modify its inputs", () => {
    const jobs = [job("x2", "alice", { priority: 1 }), job("x1", "alice", { priority: 99 })];
    const copy = jobs.map((j) => ({ ...j }));
    rankByDrf(jobs, new Map(), shareOf);
    assert.deepEqual(jobs, copy);
  });
});

describe("dominantShare and byPriorityThenAge", () => {
  it("dominantShare is the larger of the two ratios", () => {
    assert.equal(dominantShare({ cpus: 2, mem: 512 }, { cpus: 4, mem: 4096 }), 0.5);
    assert.equal(dominantShare({ cpus: 1, mem: 4096 }, { cpus: 4, mem: 2048 }), 2);
  });

  it("byPriorityThenAge puts higher priority, then older, first", () => {
    const a = job("a", "u", { priority: 50, submittedAt: 5 });
    const b = job("b", "u", { priority: 50, submittedAt: 3 });
    const c = job("c", "u", { priority: 60, submittedAt: 9 });
    assert.deepEqual([a, b, c].sort(byPriorityThenAge).map((j) => j.uuid), ["c", "b", "a"]);
  });
});
