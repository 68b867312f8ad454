/**
 * Clocks: the only source of "now" and the only way to schedule work. Every
 * window, rate and TTL in the engine reads one injected `Clock`, so the same
 * input under a `VirtualClock` gives the same output, run after run. Time is
 * unix seconds (fractional) everywhere.
 */
import { TimerQueue, type Timer } from "./timer-queue.ts";

export type { Timer } from "./timer-queue.ts";

/** What the engine needs from time: read it, and run a callback at a moment. */
export interface Clock {
  /** Current time in unix seconds. */
  now(): number;
  /** Runs `fn` once when the clock reaches `at` (immediately-due timers run on the next turn, never synchronously). */
  setTimer(at: number, fn: () => void): Timer;
}

/**
 * A clock driven by hand, for tests and replays. Time only moves through
 * `advanceTo`/`advanceBy`, which fire every due timer in (time, insertion)
 * order with `now()` equal to each timer's due time while it runs.
 *
 * @example
 * const clock = new VirtualClock(1_700_000_000);
 * clock.setTimer(clock.now() + 5, () => console.log("fired at", clock.now()));
 * clock.advanceBy(10); // prints "fired at 1700000005"
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly queue = new TimerQueue();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(at: number, fn: () => void): Timer {
    return this.queue.add(Math.max(at, this.current), fn);
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.queue.size;
  }

  /** Due time of the next pending timer, if any. */
  nextTimerAt(): number | undefined {
    return this.queue.peekTime();
  }

  /** Moves time forward to `t`, firing due timers in order. Moving backwards is an error. */
  advanceTo(t: number): void {
    if (!Number.isFinite(t)) throw new RangeError(`advanceTo: time must be finite, got ${t}`);
    if (t < this.current) throw new RangeError(`advanceTo: cannot move time backwards from ${this.current} to ${t}`);
    for (;;) {
      const due = this.queue.popDue(t);
      if (due === undefined) break;
      this.current = due.at;
      due.fn();
    }
    this.current = t;
  }

  /** Moves time forward by `seconds`. */
  advanceBy(seconds: number): void {
    this.advanceTo(this.current + seconds);
  }

  /** Fires timers that are due now (timers set for "now" while already at that time). */
  runDue(): void {
    this.advanceTo(this.current);
  }
}

/**
 * Wall-clock time with one Node timeout armed for the earliest timer. Timers
 * are unref'd: a pending timer alone does not keep the process alive.
 */
export class RealClock implements Clock {
  private readonly queue = new TimerQueue();
  private armed: NodeJS.Timeout | undefined;
  private armedAt = Infinity;

  constructor(private readonly wallSeconds: () => number = () => Date.now() / 1000) {}

  now(): number {
    return this.wallSeconds();
  }

  setTimer(at: number, fn: () => void): Timer {
    const timer = this.queue.add(at, fn);
    if (at < this.armedAt) this.arm();
    return timer;
  }

  private arm(): void {
    if (this.armed) clearTimeout(this.armed);
    this.armed = undefined;
    this.armedAt = Infinity;
    const next = this.queue.peekTime();
    if (next === undefined) return;
    const delayMs = Math.max(0, (next - this.now()) * 1000);
    this.armedAt = next;
    this.armed = setTimeout(() => this.fire(), Math.min(delayMs, 2 ** 31 - 1));
    this.armed.unref();
  }

  private fire(): void {
    this.armed = undefined;
    this.armedAt = Infinity;
    const now = this.now();
    for (;;) {
      const due = this.queue.popDue(now);
      if (due === undefined) break;
      due.fn();
    }
    this.arm();
  }
}

/**
 * A view of a parent clock that remembers its own timers so they can all be
 * cancelled at once: each loaded rule file gets one, and unloading the rule
 * cancels its pending windows and flushes so a removed rule never fires again.
 * Its pending timers are kept in an intrusive list (no hashing, one object
 * per timer besides the parent's): rules' expiry queues set a timer per
 * deadline, so this sits on a hot path.
 */
export class ScopedClock implements Clock {
  /** Sentinel of the circular list of pending timers. */
  private readonly ring = new ScopedTimer(0, this, noop);
  private count = 0;
  private disposed = false;

  constructor(private readonly parent: Clock) {}

  now(): number {
    return this.parent.now();
  }

  setTimer(at: number, fn: () => void): Timer {
    if (this.disposed) return { at, cancel() {} };
    const timer = new ScopedTimer(at, this, fn);
    // An inline arrow: tsx's keepNames would wrap a named one (a class-field arrow) in a costly `__name` per timer.
    timer.inner = this.parent.setTimer(at, () => timer.fire());
    const last = this.ring.prev;
    timer.prev = last;
    timer.next = this.ring;
    last.next = timer;
    this.ring.prev = timer;
    this.count++;
    return timer;
  }

  /** Takes `timer` off the pending list (it fired or was cancelled). Called by `ScopedTimer` only. */
  unlink(timer: ScopedTimer): void {
    timer.prev.next = timer.next;
    timer.next.prev = timer.prev;
    timer.prev = timer;
    timer.next = timer;
    this.count--;
  }

  /** Number of pending timers set through this scope. */
  get pending(): number {
    return this.count;
  }

  /** Cancels every pending timer; later `setTimer` calls are ignored. */
  dispose(): void {
    this.disposed = true;
    while (this.ring.next !== this.ring) this.ring.next.cancel();
  }
}

const noop = (): void => {};

/** One pending timer of a `ScopedClock`: a node of its list, and the parent's timer it stands for. */
class ScopedTimer implements Timer {
  prev: ScopedTimer = this;
  next: ScopedTimer = this;
  inner: Timer | undefined;

  constructor(
    readonly at: number,
    private readonly scope: ScopedClock,
    private readonly fn: () => void,
  ) {}

  /** What the parent clock calls: leave the list, then run the callback. */
  fire(): void {
    this.scope.unlink(this);
    this.fn();
  }

  cancel(): void {
    if (this.next === this) return; // fired or cancelled already
    this.scope.unlink(this);
    this.inner?.cancel();
  }
}
