/**
 * Duplicate suppression for at-least-once delivery. Kafka may hand a
 * consumer a message again (a commit failed, the group rebalanced, a fetch
 * was retried), and a producer that retries a send whose acknowledgement was
 * lost writes the same message twice. Per partition this remembers the
 * highest offset this consumer processed (a redelivery has an offset at or
 * below it) and, per producer, the highest sequence number processed (a
 * republished copy has a sequence at or below it). Both are exact for one
 * consumer process; docs/bus.md says what covers the rest.
 */

/** Producers remembered per partition before the least recently seen is forgotten. */
export const DEFAULT_MAX_PRODUCERS = 10_000;

/**
 * What one consumer has processed of one partition.
 *
 * @example
 * const d = new PartitionDedup();
 * d.isRedelivered(7);            // false
 * d.markProcessed(7, "p1", 3);
 * d.isRedelivered(7);            // true
 * d.isRepublished("p1", 3);      // true  (same producer, same sequence, new offset)
 * d.isRepublished("p1", 4);      // false
 */
export class PartitionDedup {
  private processed = -1;
  private readonly producers = new Map<string, number>();

  constructor(private readonly maxProducers = DEFAULT_MAX_PRODUCERS) {}

  /** Highest offset processed so far (-1 before the first). */
  get processedOffset(): number {
    return this.processed;
  }

  /** True when the message at `offset` was processed (or set aside) by this consumer already. */
  isRedelivered(offset: number): boolean {
    return offset <= this.processed;
  }

  /** True when `producer` already had a message with sequence `seq` or later processed here. */
  isRepublished(producer: string, seq: number): boolean {
    const last = this.producers.get(producer);
    return last !== undefined && seq <= last;
  }

  /** Records that the message at `offset` (from `producer` with `seq`, when it carries them) is done. */
  markProcessed(offset: number, producer?: string, seq?: number): void {
    if (offset > this.processed) this.processed = offset;
    if (producer === undefined || seq === undefined) return;
    const last = this.producers.get(producer);
    if (last !== undefined) {
      if (seq <= last) return;
      this.producers.delete(producer); // re-inserted below: Map order is least recently seen first
    } else if (this.producers.size >= this.maxProducers) {
      const oldest = this.producers.keys().next();
      if (oldest.done !== true) this.producers.delete(oldest.value);
    }
    this.producers.set(producer, seq);
  }
}

/**
 * `PartitionDedup`s by topic and partition, created on first use.
 *
 * @example
 * const table = new DedupTable();
 * table.get("satellite.events", 3).isRedelivered(10);
 */
export class DedupTable {
  private readonly partitions = new Map<string, PartitionDedup>();

  constructor(private readonly maxProducers = DEFAULT_MAX_PRODUCERS) {}

  /** The state of `topic`/`partition`. */
  get(topic: string, partition: number): PartitionDedup {
    const key = `${topic}\u0000${partition}`;
    let d = this.partitions.get(key);
    if (d === undefined) {
      d = new PartitionDedup(this.maxProducers);
      this.partitions.set(key, d);
    }
    return d;
  }
}
