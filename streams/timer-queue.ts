/**
 * A min-heap of timers ordered by (due time, insertion order). The one timer
 * structure under every clock: the virtual clock pops it as time advances, the
 * real clock arms a single Node timeout for its head. Equal due times fire in
 * the order they were set, which is what makes runs deterministic.
 */

/** A scheduled callback; `cancel()` is idempotent and O(1) (the slot is skipped when popped). */
export interface Timer {
  readonly at: number;
  cancel(): void;
}

class Entry implements Timer {
  cancelled = false;
  constructor(
    readonly at: number,
    readonly seq: number,
    readonly fn: () => void,
    private readonly queue: TimerQueue,
  ) {}
  cancel(): void {
    if (!this.cancelled) {
      this.cancelled = true;
      this.queue.noteCancelled();
    }
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Heap of timers. `add` is O(log n); `popDue` returns the next live timer due at or before `t`. */
export class TimerQueue {
  private heap: Entry[] = [];
  private seq = 0;
  private cancelled = 0;

  /** Number of live (not cancelled) timers. */
  get size(): number {
    return this.heap.length - this.cancelled;
  }

  /** Schedules `fn` at time `at`. */
  add(at: number, fn: () => void): Timer {
    const entry = new Entry(at, this.seq++, fn, this);
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent]!;
      if (!before(entry, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = entry;
    return entry;
  }

  /** Due time of the earliest live timer, or undefined when none. */
  peekTime(): number | undefined {
    this.dropCancelledHead();
    return this.heap[0]?.at;
  }

  /** Removes and returns the earliest live timer if it is due at or before `t`. */
  popDue(t: number): { at: number; fn: () => void } | undefined {
    this.dropCancelledHead();
    const head = this.heap[0];
    if (head === undefined || head.at > t) return undefined;
    this.removeHead();
    head.cancelled = true; // a fired timer is spent; cancel() afterwards is a no-op
    return head;
  }

  /** @internal called by a timer when it is cancelled. */
  noteCancelled(): void {
    this.cancelled++;
  }

  private dropCancelledHead(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) {
      this.removeHead();
      this.cancelled--;
    }
  }

  private removeHead(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[child]!, last)) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = last;
  }
}
