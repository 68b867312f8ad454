/**
 * `Deadline`: one lazily re-armed timer per stateful stream. A stream says
 * when it next needs to act (`set(at)`); moving that moment later costs a
 * field write, not a cancel and a new timer, because the pending timer, when
 * it fires early, simply re-arms itself for the moment now wanted. This is
 * how the windowed combinators keep at most one timer each, touch the timer
 * queue once per window rather than once per event, and go quiet (no timer at
 * all) when they hold nothing.
 */
import type { Timer } from "../clock.ts";
import { guarded, type StreamContext } from "../stream.ts";

/**
 * Calls `onDue` once the engine clock reaches the last time given to `set`,
 * unless `clear` is called first. At most one timer is pending at any moment.
 *
 * - `set(at)` later than the pending timer: recorded only; the pending timer
 *   re-arms for `at` when it fires.
 * - `set(at)` earlier than the pending timer: that timer is cancelled and a new
 *   one armed (only happens when a stream's next deadline moves backwards).
 * - `clear()` cancels the pending timer, so an idle stream leaves none behind.
 * - `runNow()` runs `onDue` at once (the deadline was met by an input).
 * - `onDue` runs through `guarded`: a throw is reported as `name`, not raised.
 *
 * @example
 * const d = new Deadline(ctx, "stable", () => flush());
 * d.set(ctx.clock.now() + 10); // flush() runs 10 s from now
 * d.set(ctx.clock.now() + 20); // ...now 20 s from now; still one timer
 */
export class Deadline {
  private timer: Timer | undefined = undefined;
  private timerAt = Infinity;
  private want = Infinity;
  // Assigned in the constructor, not as a class field: tsx compiles with keepNames, which
  // wraps every named closure in a per-instance defineProperty (~250 bytes per stream).
  private readonly fire: () => void;

  constructor(
    private readonly ctx: StreamContext,
    private readonly name: string,
    private readonly onDue: () => void,
  ) {
    this.fire = () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      const want = this.want;
      if (want === Infinity) return;
      if (this.ctx.clock.now() < want) {
        this.set(want);
        return;
      }
      this.want = Infinity;
      guarded(this.ctx, this.name, this.onDue);
    };
  }

  /** The moment `onDue` is due, or undefined when nothing is due. */
  get dueAt(): number | undefined {
    return this.want === Infinity ? undefined : this.want;
  }

  /** Makes `onDue` run when the clock reaches `at` (replacing any earlier request). */
  set(at: number): void {
    this.want = at;
    if (this.timer !== undefined) {
      if (this.timerAt <= at) return;
      this.timer.cancel();
    }
    this.timerAt = at;
    this.timer = this.ctx.clock.setTimer(at, this.fire);
  }

  /** Withdraws the request and cancels the pending timer, if any. */
  clear(): void {
    this.want = Infinity;
    if (this.timer !== undefined) {
      this.timer.cancel();
      this.timer = undefined;
      this.timerAt = Infinity;
    }
  }

  /**
   * Runs `onDue` now (through `guarded`) and withdraws the request, for a
   * stream that reached its deadline through an input before its timer. A
   * pending timer is left to fire (and re-arm for a later `set`), so a
   * following `set` costs no new timer.
   */
  runNow(): void {
    this.want = Infinity;
    guarded(this.ctx, this.name, this.onDue);
  }
}
