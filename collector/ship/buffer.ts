/**
 * Where batches wait while their destination is unreachable: the
 * `BatchBuffer` contract (a bounded FIFO of batches that drops its oldest
 * when full), and `MemoryBuffer`, the implementation used when no buffer
 * directory is configured (lost on restart). disk-buffer.ts is the one that
 * survives restarts.
 */
import type { Batch } from "./transport.ts";

/** Counters every buffer keeps. */
export interface BufferStats {
  /** Events held now. */
  events: number;
  /** Batches held now. */
  batches: number;
  /** Bytes held now (the serialized batches). */
  bytes: number;
  /** Events dropped to make room (oldest first), or because one batch alone exceeded the bound. */
  droppedEvents: number;
  droppedBatches: number;
}

/**
 * A bounded FIFO of batches. One user at a time (the shipper's pump), so
 * calls never overlap.
 *
 * @example
 * await buffer.append(batch);
 * const oldest = await buffer.peek();
 * if (oldest) { await transport.send(oldest); await buffer.ack(oldest); }
 */
export interface BatchBuffer {
  readonly stats: Readonly<BufferStats>;
  /** Adds a batch at the tail; drops the oldest batches when over the bound. */
  append(batch: Batch): Promise<void>;
  /** The oldest batch, or undefined when empty. Stays until `ack`. */
  peek(): Promise<Batch | undefined>;
  /** Removes `batch` if it is still the oldest (it may have been dropped meanwhile). */
  ack(batch: Batch): Promise<void>;
  close(): Promise<void>;
}

/**
 * The size a batch is counted at in memory: its events' JSON plus a little.
 *
 * @example
 * batchBytes({ producer: "p", seq: 0, events: [] }); // 66
 */
export function batchBytes(batch: Batch): number {
  return Buffer.byteLength(JSON.stringify(batch.events)) + 64;
}

/**
 * A `BatchBuffer` in memory, bounded by bytes; lost when the process ends.
 *
 * @example
 * const buffer = new MemoryBuffer(8 * 1024 * 1024);
 */
export class MemoryBuffer implements BatchBuffer {
  readonly stats: BufferStats = { events: 0, batches: 0, bytes: 0, droppedEvents: 0, droppedBatches: 0 };
  private readonly queue: { batch: Batch; bytes: number }[] = [];

  constructor(readonly maxBytes: number) {
    if (!Number.isFinite(maxBytes) || maxBytes <= 0) throw new RangeError(`buffer maxBytes must be a positive number, got ${maxBytes}`);
  }

  append(batch: Batch): Promise<void> {
    const bytes = batchBytes(batch);
    if (bytes > this.maxBytes) {
      this.stats.droppedBatches++;
      this.stats.droppedEvents += batch.events.length;
      return Promise.resolve();
    }
    while (this.stats.bytes + bytes > this.maxBytes) {
      const oldest = this.queue.shift()!;
      this.remove(oldest.batch, oldest.bytes);
      this.stats.droppedBatches++;
      this.stats.droppedEvents += oldest.batch.events.length;
    }
    this.queue.push({ batch, bytes });
    this.stats.events += batch.events.length;
    this.stats.batches++;
    this.stats.bytes += bytes;
    return Promise.resolve();
  }

  peek(): Promise<Batch | undefined> {
    return Promise.resolve(this.queue[0]?.batch);
  }

  ack(batch: Batch): Promise<void> {
    const head = this.queue[0];
    if (head !== undefined && head.batch.producer === batch.producer && head.batch.seq === batch.seq) {
      this.queue.shift();
      this.remove(head.batch, head.bytes);
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private remove(batch: Batch, bytes: number): void {
    this.stats.events -= batch.events.length;
    this.stats.batches--;
    this.stats.bytes -= bytes;
  }
}
