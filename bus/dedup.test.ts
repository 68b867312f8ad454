/** Tests of duplicate suppression: offsets at or below the processed mark, and sequences at or below a producer's last. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DedupTable, PartitionDedup } from "./dedup.ts";

describe("PartitionDedup", () => {
  it("knows an offset it processed, or any before it, as a redelivery", () => {
    const d = new PartitionDedup();
    assert.equal(d.isRedelivered(0), false);
    d.markProcessed(5);
    assert.equal(d.processedOffset, 5);
    assert.equal(d.isRedelivered(5), true);
    assert.equal(d.isRedelivered(3), true);
    assert.equal(d.isRedelivered(6), false);
  });

  it("never moves the processed mark backwards", () => {
    const d = new PartitionDedup();
    d.markProcessed(9);
    d.markProcessed(4);
    assert.equal(d.processedOffset, 9);
  });

  it("knows a producer's sequence at or below its last as a republished copy, per producer", () => {
    const d = new PartitionDedup();
    d.markProcessed(0, "a", 10);
    assert.equal(d.isRepublished("a", 10), true);
    assert.equal(d.isRepublished("a", 7), true);
    assert.equal(d.isRepublished("a", 11), false);
    assert.equal(d.isRepublished("b", 10), false);
    d.markProcessed(1, "a", 3);
    assert.equal(d.isRepublished("a", 10), true, "an older sequence does not lower the mark");
  });

  it("forgets the least recently seen producer beyond its capacity", () => {
    const d = new PartitionDedup(2);
    d.markProcessed(0, "a", 1);
    d.markProcessed(1, "b", 1);
    d.markProcessed(2, "a", 2); // a is now the most recent
    d.markProcessed(3, "c", 1); // evicts b
    assert.equal(d.isRepublished("a", 2), true);
    assert.equal(d.isRepublished("c", 1), true);
    assert.equal(d.isRepublished("b", 1), false, "b was forgotten");
  });
});

describe("DedupTable", () => {
  it("keeps one state per topic and partition", () => {
    const t = new DedupTable();
    t.get("x", 0).markProcessed(3);
    assert.equal(t.get("x", 0).isRedelivered(3), true);
    assert.equal(t.get("x", 1).isRedelivered(3), false);
    assert.equal(t.get("y", 0).isRedelivered(3), false);
    assert.equal(t.get("x", 0), t.get("x", 0));
  });
});
