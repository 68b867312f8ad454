/**
 * Cumulative counters to per-second rates, the one way every probe does it.
 * The kernel exports counters (bytes received, pages swapped in, CPU ticks)
 * that only grow; a probe wants what changed since its previous sample. The
 * rules here: no rate on the first sight of a counter; a counter that went
 * backwards (a wrap, a reset, a device or interface re-created under the
 * same name) gives no rate for that interval and becomes the new baseline,
 * so a rate is never negative; the elapsed time is the difference of the
 * probe's `ctx.now`s, never wall time; and counters that stop appearing
 * (an unplugged disk, a deleted interface) are forgotten at the next sweep.
 */

interface Baseline {
  value: number;
  time: number;
  generation: number;
}

/**
 * Per-key counter state for one probe. Call `rate` (or `delta`) for every
 * counter of a sample, then `sweep()` once: keys not updated since the
 * previous sweep are dropped, so state does not grow with keys that are gone.
 * Every call rebaselines the key to (`value`, `now`), whatever it returns.
 *
 * @example
 * const counters = new CounterRates();
 * counters.rate("eth0 rx_bytes", 1000, 100); // undefined: first sample
 * counters.rate("eth0 rx_bytes", 3000, 110); // 200 (bytes per second)
 * counters.sweep();
 */
export class CounterRates {
  private readonly baselines = new Map<string, Baseline>();
  private generation = 0;

  /**
   * The per-second rate of counter `key` between its previous update and
   * (`value`, `now`): undefined on first sight, when the counter went
   * backwards, when `now` is not after the previous update, or when `value`
   * is not a finite number (the key is then forgotten).
   *
   * @example
   * counters.rate("vda read_sectors", 5000, 1_700_000_010); // e.g. 12.5
   */
  rate(key: string, value: number, now: number): number | undefined {
    const previous = this.baselines.get(key);
    const since = previous?.time;
    const delta = this.update(key, previous, value, now);
    return delta === undefined || since === undefined ? undefined : delta / (now - since);
  }

  /**
   * How much counter `key` grew since its previous update: the same rules
   * as `rate` (undefined on first sight, after a reset, or when time did not
   * move forward), without dividing by the elapsed time. For ratios of
   * counters, such as CPU ticks per state over all ticks.
   *
   * @example
   * counters.delta("cpu user", 1200, 1_700_000_010); // e.g. 340 (ticks)
   */
  delta(key: string, value: number, now: number): number | undefined {
    return this.update(key, this.baselines.get(key), value, now);
  }

  /**
   * Forgets every key not updated since the previous `sweep()`. Call once
   * per sample, after the sample's `rate`/`delta` calls.
   *
   * @example
   * for (const dev of devices) counters.rate(`${dev.name} reads`, dev.reads, ctx.now);
   * counters.sweep();
   */
  sweep(): void {
    for (const [key, baseline] of this.baselines) {
      if (baseline.generation !== this.generation) this.baselines.delete(key);
    }
    this.generation++;
  }

  /** The number of counters remembered (for tests and self-metrics). */
  get size(): number {
    return this.baselines.size;
  }

  private update(key: string, previous: Baseline | undefined, value: number, now: number): number | undefined {
    if (!Number.isFinite(value)) {
      this.baselines.delete(key);
      return undefined;
    }
    if (previous === undefined) {
      this.baselines.set(key, { value, time: now, generation: this.generation });
      return undefined;
    }
    const delta = value - previous.value;
    const elapsed = now - previous.time;
    previous.value = value;
    previous.time = now;
    previous.generation = this.generation;
    return delta < 0 || !(elapsed > 0) ? undefined : delta;
  }
}
