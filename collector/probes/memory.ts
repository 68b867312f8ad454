/**
 * Memory use from /proc/meminfo, with Metricbeat's `system.memory` names and
 * meanings: "used" is total − free (page cache counts as used), "actual" is
 * what applications can still get, the kernel's MemAvailable estimate
 * (Kibana's "Memory Usage" reads `system.memory.actual.used.pct`). A kernel
 * older than 3.14 has no MemAvailable; then available = MemFree + Buffers +
 * Cached, Metricbeat's fallback. `systeminformation`'s `mem()` reads the same
 * file without forking; reading it here keeps the probes dependency-free and
 * lets fixtures stand in for /proc.
 */
import { metricEvent, type ProbeContext, type Probe, type ProcProbeOptions } from "./probe.ts";
import { parseMeminfo, readText } from "./procfs.ts";
import type { Event } from "../../streams/event.ts";

/**
 * MemAvailable, or MemFree + Buffers + Cached when the kernel predates it.
 *
 * @example
 * availableBytes(parseMeminfo(text)); // 24878706688
 */
export function availableBytes(meminfo: ReadonlyMap<string, number>): number {
  const available = meminfo.get("MemAvailable");
  if (available !== undefined) return available;
  return (meminfo.get("MemFree") ?? 0) + (meminfo.get("Buffers") ?? 0) + (meminfo.get("Cached") ?? 0);
}

/**
 * The memory probe: `system.memory.total`, `.free`, `.used.bytes`
 * (total − free), `.used.pct`, `.actual.free` (available), `.actual.used.bytes`
 * (total − available) and `.actual.used.pct`. Bytes and fractions (0..1).
 * Nothing when /proc/meminfo is missing or says MemTotal 0.
 *
 * @example
 * await memoryProbe({ procRoot: "/proc", ttl: 30 }).sample(ctx);
 */
export function memoryProbe(options: ProcProbeOptions): Probe {
  const { procRoot, ttl } = options;
  return {
    name: "memory",
    async sample(ctx: ProbeContext): Promise<Event[]> {
      const text = await readText(`${procRoot}/meminfo`);
      if (text === undefined) return [];
      const meminfo = parseMeminfo(text);
      const total = meminfo.get("MemTotal") ?? 0;
      if (total <= 0) return [];
      const free = meminfo.get("MemFree") ?? 0;
      const available = Math.min(availableBytes(meminfo), total);
      const used = total - free;
      const actualUsed = total - available;
      return [
        metricEvent(ctx, "system.memory.total", total, ttl),
        metricEvent(ctx, "system.memory.free", free, ttl),
        metricEvent(ctx, "system.memory.used.bytes", used, ttl),
        metricEvent(ctx, "system.memory.used.pct", used / total, ttl),
        metricEvent(ctx, "system.memory.actual.free", available, ttl),
        metricEvent(ctx, "system.memory.actual.used.bytes", actualUsed, ttl),
        metricEvent(ctx, "system.memory.actual.used.pct", actualUsed / total, ttl),
      ];
    },
  };
}
