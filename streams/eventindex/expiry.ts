/**
 * The expiry queue under the index and the cluster aggregates: tells its
 * owner about each entry at the moment the entry's deadline passes, with one
 * clock timer for the earliest deadline instead of a periodic scan. Built for
 * a million keys refreshed every few seconds: deadlines are bucketed by
 * millisecond, an entry usually sits in exactly one bucket, a refresh that
 * pushes a deadline later costs nothing until the old bucket comes due, and a
 * storm of simultaneous deadlines is worked off in slices that yield to the
 * event loop in between.
 */
import type { Timer } from "../clock.ts";
import type { StreamContext } from "../stream.ts";

/** Marks an entry that sits in no bucket. */
export const UNQUEUED = -1;

/**
 * What the queue needs on an entry: two numbers it owns. Create entries with
 * `bucketMs: UNQUEUED`; do not write either field yourself.
 */
export interface ExpiryEntry {
  /** The entry's deadline, in integer milliseconds. */
  dueMs: number;
  /** The bucket whose turn will look at this entry, or `UNQUEUED`. */
  bucketMs: number;
}

/** Settings of an `ExpiryQueue`. */
export interface ExpiryQueueOptions<E extends ExpiryEntry> {
  /** Called once per entry when its deadline has passed; the entry is already unqueued. */
  readonly onDue: (entry: E) => void;
  /** Most entries looked at per turn before yielding to the event loop. Default 5000. */
  readonly sliceSize?: number | undefined;
  /** Name used when reporting a throw from `onDue` through `ctx.onError`. Default "expiry". */
  readonly name?: string | undefined;
}

/** Default number of entries handled per turn of the event loop. */
export const DEFAULT_SLICE_SIZE = 5000;

/**
 * Seconds to the integer millisecond at or after `t`. Values within a
 * microsecond past a millisecond boundary round down to it, so float noise
 * in `time + ttl` (e.g. 0.1 + 0.2) never costs a whole millisecond.
 *
 * @example
 * toDueMs(1060.25);    // 1060250
 * toDueMs(0.1 + 0.2);  // 300, not 301
 * toDueMs(1.0005);     // 1001
 */
export function toDueMs(t: number): number {
  return Math.ceil(t * 1000 - 1e-3);
}

interface Bucket<E> {
  readonly ms: number;
  readonly entries: E[];
  /** Entries before this index have been handled (the head bucket may be worked off over several turns). */
  next: number;
}

/**
 * Deadline queue with one clock timer. `schedule(entry, at)` sets or moves
 * an entry's deadline (seconds), `cancel(entry)` removes it; `onDue(entry)`
 * runs at the deadline, never earlier (at most 1 ms later: deadlines are
 * rounded up to the millisecond). Entries due in the same millisecond are
 * handed over in the order they were first queued; buckets in time order.
 *
 * Cost: `schedule` is O(1) when the entry is queued already and the new
 * deadline is not earlier (the common refresh), O(log b) when it opens a new
 * bucket (b = distinct pending milliseconds). An entry moved earlier leaves a
 * stale reference behind in its old bucket, skipped when that bucket comes
 * due. At most `sliceSize` bucket slots are looked at per turn; more work
 * continues on a timer set for `now`, so the loop yields between slices and
 * stays deterministic under `VirtualClock`. With nothing queued, no timer is
 * pending (self-quiescing).
 *
 * @example
 * const q = new ExpiryQueue<MyEntry>(ctx, { onDue: (e) => forget(e) });
 * const entry = { key: "a", dueMs: 0, bucketMs: UNQUEUED };
 * q.schedule(entry, event.time + 60);
 */
export class ExpiryQueue<E extends ExpiryEntry> {
  private readonly buckets = new Map<number, Bucket<E>>();
  /** Min-heap of the keys of `buckets`. */
  private readonly heap: number[] = [];
  private readonly onDue: (entry: E) => void;
  private readonly sliceSize: number;
  private readonly name: string;
  private timer: Timer | undefined;
  /** Bucket the pending timer is for; -Infinity while a continuation is pending (it handles everything due). */
  private timerMs = Infinity;
  private running = false;
  private queued = 0;

  constructor(
    private readonly ctx: StreamContext,
    options: ExpiryQueueOptions<E>,
  ) {
    const sliceSize = options.sliceSize ?? DEFAULT_SLICE_SIZE;
    if (!Number.isInteger(sliceSize) || sliceSize < 1) throw new RangeError(`ExpiryQueue: sliceSize must be an integer >= 1, got ${sliceSize}`);
    this.sliceSize = sliceSize;
    this.onDue = options.onDue;
    this.name = options.name ?? "expiry";
  }

  /** Bucket slots held, stale references included (for tests and self-metrics). */
  get slots(): number {
    return this.queued;
  }

  /** Number of distinct pending milliseconds. */
  get bucketCount(): number {
    return this.buckets.size;
  }

  /** Sets `entry`'s deadline to `at` (unix seconds), queueing it if needed. `at` must be finite. */
  schedule(entry: E, at: number): void {
    const dueMs = toDueMs(at);
    if (!Number.isFinite(dueMs)) throw new RangeError(`ExpiryQueue: deadline must be finite, got ${at}`);
    entry.dueMs = dueMs;
    // Queued in a bucket at or before the new deadline: that bucket will requeue it (lazy).
    if (entry.bucketMs !== UNQUEUED && entry.bucketMs <= dueMs) return;
    this.push(entry, dueMs);
  }

  /** Forgets `entry`'s deadline; `onDue` will not be called for it (until scheduled again). O(1). */
  cancel(entry: E): void {
    entry.bucketMs = UNQUEUED;
  }

  /** Forgets every deadline and cancels the timer. Entries keep stale fields: cancel or reschedule them before reuse. */
  clear(): void {
    this.buckets.clear();
    this.heap.length = 0;
    this.queued = 0;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerMs = Infinity;
  }

  private push(entry: E, ms: number): void {
    entry.bucketMs = ms;
    this.queued++;
    let bucket = this.buckets.get(ms);
    if (bucket === undefined) {
      bucket = { ms, entries: [], next: 0 };
      this.buckets.set(ms, bucket);
      heapPush(this.heap, ms);
    }
    bucket.entries.push(entry);
    if (!this.running && ms < this.timerMs) this.arm(ms);
  }

  private arm(ms: number): void {
    this.timer?.cancel();
    this.timerMs = ms;
    this.timer = this.ctx.clock.setTimer(ms / 1000, this.fire);
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.timerMs = Infinity;
    this.running = true;
    let yielded: boolean;
    try {
      yielded = this.work();
    } finally {
      this.running = false;
    }
    if (yielded) {
      this.timerMs = -Infinity;
      this.timer = this.ctx.clock.setTimer(this.ctx.clock.now(), this.fire);
    } else {
      const head = this.heap[0];
      if (head !== undefined) this.arm(head);
    }
  };

  /** Handles due buckets, at most `sliceSize` slots; true when it stopped with due work left. */
  private work(): boolean {
    const now = this.ctx.clock.now();
    let budget = this.sliceSize;
    for (;;) {
      const ms = this.heap[0];
      if (ms === undefined || ms / 1000 > now) return false;
      const bucket = this.buckets.get(ms)!;
      const entries = bucket.entries;
      while (bucket.next < entries.length) {
        if (budget === 0) return true;
        // onDue may have queued an already-past deadline earlier than this bucket, or cleared the queue.
        if (this.heap[0] !== ms) break;
        budget--;
        const entry = entries[bucket.next++]!;
        this.queued--;
        if (entry.bucketMs !== ms) continue; // cancelled, or moved to an earlier bucket
        if (entry.dueMs > ms) {
          this.push(entry, entry.dueMs); // refreshed since it was queued: requeue at its deadline
          continue;
        }
        entry.bucketMs = UNQUEUED;
        try {
          this.onDue(entry);
        } catch (err) {
          this.ctx.onError(err, this.name, entry);
        }
      }
      if (this.heap[0] !== ms) continue; // resume this bucket after the earlier one (or stop, if cleared)
      heapPop(this.heap);
      this.buckets.delete(ms);
    }
  }
}

function heapPush(heap: number[], value: number): void {
  let i = heap.length;
  heap.push(value);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent]!;
    if (p <= value) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = value;
}

function heapPop(heap: number[]): void {
  const last = heap.pop()!;
  const n = heap.length;
  if (n === 0) return;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const child = r < n && heap[r]! < heap[l]! ? r : l;
    if (heap[child]! >= last) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = last;
}
