/**
 * Per-routing-key request limits and retry delays. PagerDuty measures its
 * limit (about 120 calls per minute per integration key) over a 60-second
 * window looking back from now, so the limiter keeps the times of the last
 * `limit` requests and lets a request go only when fewer than `limit` were
 * made in the preceding 60 s; a request over the limit waits, it is never
 * dropped. A 429 additionally pauses the whole routing key. Times are the
 * injected clock's seconds.
 */

/**
 * A sliding-window limiter per name: at most `limit` requests in any
 * `windowSeconds`. Differs from a token bucket (which the brief suggested):
 * a full bucket plus its refill lets through up to twice the limit within
 * one window, which PagerDuty's look-back window counts as over the limit.
 *
 * @example
 * const rl = new SlidingWindowLimiter(2, 60);
 * rl.take("default", 0); rl.take("default", 1);
 * rl.availableAt("default", 2); // 60
 */
export class SlidingWindowLimiter {
  private readonly sent = new Map<string, number[]>();
  private readonly pausedUntil = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly windowSeconds = 60,
  ) {}

  /** Earliest time (>= now) at which `name` may send a request. */
  availableAt(name: string, now: number): number {
    let at = now;
    const pause = this.pausedUntil.get(name);
    if (pause !== undefined) {
      if (pause > now) at = pause;
      else this.pausedUntil.delete(name);
    }
    const times = this.sent.get(name);
    if (times !== undefined) {
      while (times.length > 0 && times[0]! <= now - this.windowSeconds) times.shift();
      if (times.length === 0) this.sent.delete(name);
      else if (times.length >= this.limit) at = Math.max(at, times[times.length - this.limit]! + this.windowSeconds);
    }
    return at;
  }

  /** Records a request of `name` at `now` (the caller checked `availableAt`). */
  take(name: string, now: number): void {
    let times = this.sent.get(name);
    if (times === undefined) this.sent.set(name, (times = []));
    times.push(now);
    if (times.length > this.limit) times.shift();
  }

  /** Holds every request of `name` until `until` (after a 429). */
  pause(name: string, until: number): void {
    if (until > (this.pausedUntil.get(name) ?? -Infinity)) this.pausedUntil.set(name, until);
  }
}

/**
 * Delay before retry number `attempt` (1 = the first retry): exponential
 * backoff with full jitter, `random() * min(cap, base * 2^(attempt-1))`.
 *
 * @example
 * backoffSeconds(3, 1, 300, () => 0.5); // 2
 */
export function backoffSeconds(attempt: number, base: number, cap: number, random: () => number): number {
  const ceiling = Math.min(cap, base * 2 ** Math.min(Math.max(attempt - 1, 0), 60));
  return random() * ceiling;
}
