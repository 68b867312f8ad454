/**
 * Swap space in use, from /proc/meminfo's SwapTotal and SwapFree, with
 * Metricbeat's `system.memory.swap.*` names. A host without swap (SwapTotal
 * 0, common on servers and on this machine) is reported as such, never as a
 * division by zero: total 0, used 0, used.pct 0, and attribute `swap: "none"`
 * on every swap event, so a rule can tell "no swap" from "swap unused" (the
 * distinction Satellite's `free-swap-iff-swap` recipe makes).
 */
import { SWAP_USED_PCT } from "../../rules/builtin/services.ts";
import { metricEvent, type ProbeContext, type Probe, type ProcProbeOptions } from "./probe.ts";
import { parseMeminfo, readText } from "./procfs.ts";
import type { Event } from "../../streams/event.ts";

/** The attribute naming a host without swap, and its value. */
export const NO_SWAP_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({ swap: "none" });

/**
 * The swap probe: `system.memory.swap.total`, `.free`, `.used.bytes` (total −
 * free) and `.used.pct` (`SWAP_USED_PCT`, 0..1; 0 without swap). Nothing when
 * /proc/meminfo is missing.
 *
 * @example
 * await swapProbe({ procRoot: "/proc", ttl: 30 }).sample(ctx);
 * // without swap: [{ service: "system.memory.swap.total", metric: 0, attributes: { swap: "none" } }, ...]
 */
export function swapProbe(options: ProcProbeOptions): Probe {
  const { procRoot, ttl } = options;
  return {
    name: "swap",
    async sample(ctx: ProbeContext): Promise<Event[]> {
      const text = await readText(`${procRoot}/meminfo`);
      if (text === undefined) return [];
      const meminfo = parseMeminfo(text);
      const total = meminfo.get("SwapTotal") ?? 0;
      const free = Math.min(meminfo.get("SwapFree") ?? 0, total);
      const used = total - free;
      const attributes = total > 0 ? undefined : NO_SWAP_ATTRIBUTES;
      return [
        metricEvent(ctx, "system.memory.swap.total", total, ttl, attributes),
        metricEvent(ctx, "system.memory.swap.free", free, ttl, attributes),
        metricEvent(ctx, "system.memory.swap.used.bytes", used, ttl, attributes),
        metricEvent(ctx, SWAP_USED_PCT, total > 0 ? used / total : 0, ttl, attributes),
      ];
    },
  };
}
