/**
 * Swap activity: pages swapped in and out per second, from the cumulative
 * `pswpin`/`pswpout` counters of /proc/vmstat (Metricbeat's
 * `system.memory.swap.in.pages`/`.out.pages` counters, as rates; the suffix
 * `_per_sec` says so). Swap *activity*, not swap *use*, is what hurts: the
 * built-in swap-storm rule reads `system.memory.swap.pages_per_sec`.
 * `systeminformation` has no call for these counters. A kernel built
 * without swap has no such counters; it reports 0, like a host that has
 * swap and does not use it.
 */
import { SWAP_PAGES_PER_SECOND } from "../../rules/builtin/services.ts";
import { CounterRates } from "./counter.ts";
import { metricEvent, type ProbeContext, type Probe, type ProcProbeOptions } from "./probe.ts";
import { parseKeyValues, readText } from "./procfs.ts";
import type { Event } from "../../streams/event.ts";

/** A rate as an attribute value: at most three decimals, no exponent noise. */
function attributeNumber(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}

/**
 * The swap-activity probe. From the second sample on:
 * `system.memory.swap.in.pages_per_sec`, `system.memory.swap.out.pages_per_sec`
 * and their sum `system.memory.swap.pages_per_sec` (`SWAP_PAGES_PER_SECOND`,
 * with attributes `in` and `out` carrying the two rates as strings). Nothing
 * on the first sample, nor for an interval in which a counter went backwards.
 *
 * @example
 * const swap = swapPagesProbe({ procRoot: "/proc", ttl: 30 });
 * await swap.sample({ host: "web1", now: 100 }); // []
 * await swap.sample({ host: "web1", now: 110 }); // [in, out, { service: "system.memory.swap.pages_per_sec", metric: 42, attributes: { in: "30", out: "12" } }]
 */
export function swapPagesProbe(options: ProcProbeOptions): Probe {
  const { procRoot, ttl } = options;
  const counters = new CounterRates();
  return {
    name: "swap-pages",
    async sample(ctx: ProbeContext): Promise<Event[]> {
      const text = await readText(`${procRoot}/vmstat`);
      if (text === undefined) return [];
      const vmstat = parseKeyValues(text);
      const rateIn = counters.rate("pswpin", vmstat.get("pswpin") ?? 0, ctx.now);
      const rateOut = counters.rate("pswpout", vmstat.get("pswpout") ?? 0, ctx.now);
      counters.sweep();
      if (rateIn === undefined || rateOut === undefined) return [];
      return [
        metricEvent(ctx, "system.memory.swap.in.pages_per_sec", rateIn, ttl),
        metricEvent(ctx, "system.memory.swap.out.pages_per_sec", rateOut, ttl),
        metricEvent(ctx, SWAP_PAGES_PER_SECOND, rateIn + rateOut, ttl, { in: attributeNumber(rateIn), out: attributeNumber(rateOut) }),
      ];
    },
  };
}
