/**
 * Load averages from /proc/loadavg, raw and divided by the number of online
 * CPUs (/sys/devices/system/cpu/online), as Metricbeat's `system.load`
 * metricset. Satellite alerted on the 15-minute load; Kibana's "Normalized
 * Load" is `system.load.1 / system.load.cores`. No state between samples.
 */
import { metricEvent, type ProbeContext, type Probe, type ProcProbeOptions } from "./probe.ts";
import { fields, readText } from "./procfs.ts";
import { parseCpuStat } from "./cpu.ts";
import type { Event } from "../../streams/event.ts";

/**
 * Counts the CPUs in a kernel CPU list such as "0-3,6,8-9" (the format of
 * /sys/devices/system/cpu/online); undefined when it does not parse.
 *
 * @example
 * countCpuList("0-3,6,8-9\n"); // 7
 */
export function countCpuList(text: string): number | undefined {
  let count = 0;
  for (const part of text.trim().split(",")) {
    const [from, to] = part.split("-");
    const a = Number(from);
    const b = to === undefined ? a : Number(to);
    if (from === "" || !Number.isInteger(a) || !Number.isInteger(b) || b < a) return undefined;
    count += b - a + 1;
  }
  return count > 0 ? count : undefined;
}

/**
 * The load probe: `system.load.1`, `.5`, `.15`, `system.load.norm.1`,
 * `.norm.5`, `.norm.15` (÷ cores) and `system.load.cores`. Cores are the
 * online CPUs; when /sys does not say, the `cpuN` lines of /proc/stat.
 *
 * @example
 * await loadProbe({ procRoot: "/proc", sysRoot: "/sys", ttl: 30 }).sample(ctx);
 */
export function loadProbe(options: ProcProbeOptions & { readonly sysRoot: string }): Probe {
  const { procRoot, sysRoot, ttl } = options;
  return {
    name: "load",
    async sample(ctx: ProbeContext): Promise<Event[]> {
      const [loadavg, online] = await Promise.all([readText(`${procRoot}/loadavg`), readText(`${sysRoot}/devices/system/cpu/online`)]);
      if (loadavg === undefined) return [];
      const f = fields(loadavg);
      const loads = [Number(f[0]), Number(f[1]), Number(f[2])] as const;
      if (!loads.every(Number.isFinite)) return [];
      let cores = online === undefined ? undefined : countCpuList(online);
      if (cores === undefined) {
        const stat = await readText(`${procRoot}/stat`);
        cores = (stat === undefined ? undefined : parseCpuStat(stat)?.cores) ?? 1;
      }
      return [
        metricEvent(ctx, "system.load.1", loads[0], ttl),
        metricEvent(ctx, "system.load.5", loads[1], ttl),
        metricEvent(ctx, "system.load.15", loads[2], ttl),
        metricEvent(ctx, "system.load.norm.1", loads[0] / cores, ttl),
        metricEvent(ctx, "system.load.norm.5", loads[1] / cores, ttl),
        metricEvent(ctx, "system.load.norm.15", loads[2] / cores, ttl),
        metricEvent(ctx, "system.load.cores", cores, ttl),
      ];
    },
  };
}
