/**
 * The one time-bucket engine under `throttle`, `rollup`, `batch`, `rate`,
 * `percentiles`, `coalesce` and `ddtReal` (Riemann's `part-time-simple`).
 * Time is cut into windows of `seconds` on the engine clock (`ctx.clock`);
 * a wrapper tells the engine when an input arrives (`enter`) and when the
 * current window holds state that must be flushed at its end (`hold`). Only
 * a held window arms a timer (one, via `Deadline`), so a stream that receives
 * nothing schedules nothing. Windows that hold nothing roll over lazily, on
 * the next input, at no cost.
 *
 * Differs from Riemann: windows are aligned to multiples of `seconds` on the
 * engine clock (`[k·seconds, (k+1)·seconds)`), not to the moment the stream
 * was created, so the same input at the same clock times gives the same
 * windows whenever the rule was (re)loaded; replays and tests are
 * reproducible. `align: "input"` instead opens a window at the input that
 * finds none open (`batch`'s "seconds since the first buffered event").
 */
import type { StreamContext } from "../stream.ts";
import { Deadline } from "./deadline.ts";
import { checkSeconds } from "./params.ts";

/** What a wrapper does at window boundaries. Both run on the engine clock's time line. */
export interface BucketHooks {
  /**
   * A window `[start, end)` becomes current: reset per-window state. Called
   * lazily (on the first input in it) for windows that follow an idle one,
   * and at `start` for a window that `finish` asked to keep. Must not emit.
   */
  open(start: number, end: number): void;
  /**
   * The held window `[start, end)` is over: emit what it gathered. Called
   * once per held window, when the clock reaches `end` (or, if its timer is
   * late, before the first input past `end`). Return true to hold the next
   * window as well (periodic emitters such as `rate` and `coalesce`).
   */
  finish(start: number, end: number): boolean;
}

/** Settings of a `TimeBuckets`. */
export interface BucketOptions {
  /** Name used when reporting a throw from a flush (usually the combinator's name). */
  readonly name: string;
  /** Window length in seconds, finite and > 0. */
  readonly seconds: number;
  /**
   * `"clock"` (default): windows `[k·seconds, (k+1)·seconds)` on the engine
   * clock. `"input"`: a window opens at the input that finds none open and
   * lasts `seconds`; a kept window is followed by the contiguous next one.
   */
  readonly align?: "clock" | "input";
}

/**
 * A sequence of windows on the engine clock with open/finish hooks and at
 * most one timer, armed only while the current window is held.
 *
 * Protocol for a wrapper, per input: `enter(ctx.clock.now())` first (this may
 * finish the previous window and open the current one), then update its own
 * state, then `hold()` if that state must be flushed at the window's end.
 * `cut()` ends the current window early through `finish` (`batch` at
 * `count`); `close()` ends it early without `finish`.
 *
 * @example
 * let n = 0;
 * const windows = new TimeBuckets(ctx, { name: "count", seconds: 10 }, {
 *   open() { n = 0; },
 *   finish(_start, end) { out(makeEvent({ host: "h", service: "count", time: end, metric: n })); return false; },
 * });
 * const stream = (e: Event) => { windows.enter(ctx.clock.now()); n++; windows.hold(); };
 */
export class TimeBuckets {
  /** Start of the current window (unix seconds); -Infinity before the first input. */
  start = -Infinity;
  /** End of the current window (exclusive); -Infinity before the first input. */
  end = -Infinity;
  private index = 0;
  private held = false;
  private deadline: Deadline | undefined = undefined;
  private readonly seconds: number;
  private readonly aligned: boolean;
  private readonly name: string;

  constructor(
    private readonly ctx: StreamContext,
    options: BucketOptions,
    private readonly hooks: BucketHooks,
  ) {
    this.name = options.name;
    this.seconds = checkSeconds(options.name, "seconds", options.seconds);
    this.aligned = (options.align ?? "clock") === "clock";
  }

  /** True while the current window holds state (and so a timer is armed for its end). */
  get holding(): boolean {
    return this.held;
  }

  /** Makes the window containing `now` current, finishing a held window that has ended. Call first on every input. */
  enter(now: number): void {
    if (now < this.end) return;
    while (this.held && now >= this.end) this.finishCurrent();
    if (now >= this.end) this.openAt(now);
    this.settle();
  }

  /** Marks the current window as holding state: `finish` will run at its end. */
  hold(): void {
    if (this.held) return;
    this.held = true;
    // Created on first use (throttle never holds, so never pays for it); the arrow is passed
    // inline so tsx's keepNames does not wrap it (see `Deadline`).
    (this.deadline ??= new Deadline(this.ctx, this.name, () => this.onDeadline())).set(this.end);
  }

  /**
   * Ends the current window now, calling `finish` (whose answer is ignored),
   * for a wrapper whose window filled up early (`batch` at `count`). The next
   * input opens a new window.
   */
  cut(): void {
    const start = this.start;
    const end = this.end;
    this.close();
    this.hooks.finish(start, end);
  }

  /** Ends the current window now without calling `finish`; the next input opens a new one. */
  close(): void {
    this.held = false;
    this.start = -Infinity;
    this.end = -Infinity;
    this.deadline?.clear();
  }

  private onDeadline(): void {
    const now = this.ctx.clock.now();
    while (this.held && now >= this.end) this.finishCurrent();
    this.settle();
  }

  private settle(): void {
    if (this.held) this.deadline!.set(this.end);
    else this.deadline?.clear();
  }

  private finishCurrent(): void {
    this.held = false;
    if (!this.hooks.finish(this.start, this.end)) return;
    if (this.aligned) this.setIndex(this.index + 1);
    else {
      this.start = this.end;
      this.end = this.start + this.seconds;
    }
    this.held = true;
    this.hooks.open(this.start, this.end);
  }

  private openAt(now: number): void {
    if (this.aligned) {
      const s = this.seconds;
      let k = Math.floor(now / s);
      // Guard against floating-point rounding so that start <= now < end always holds.
      if ((k + 1) * s <= now) k++;
      else if (k * s > now) k--;
      this.setIndex(k);
    } else {
      this.start = now;
      this.end = now + this.seconds;
    }
    this.hooks.open(this.start, this.end);
  }

  private setIndex(k: number): void {
    // Both bounds come from the same product, so window k's end is bit-identical to window k+1's start.
    this.index = k;
    this.start = k * this.seconds;
    this.end = (k + 1) * this.seconds;
  }
}
