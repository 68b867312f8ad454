/**
 * CPU utilisation from the aggregate `cpu` line of /proc/stat: the share of
 * CPU ticks spent in each state between two samples. Metricbeat's `system.cpu`
 * metricset, non-normalised (0..cores, like Metricbeat: 3 cores at 60 % user
 * give `system.cpu.user.pct` 1.8) plus `system.cpu.total.norm.pct` (0..1,
 * what Kibana's "CPU Usage" reads). One file read; `systeminformation`'s
 * `currentLoad()` was not used: it forks `cat /proc/stat` synchronously, and
 * its `os.cpus()` base has no iowait or softirq.
 */
import { CounterRates } from "./counter.ts";
import { metricEvent, type ProbeContext, type Probe, type ProcProbeOptions } from "./probe.ts";
import { fields, readText } from "./procfs.ts";
import type { Event } from "../../streams/event.ts";

/** Column of each state in the `cpu` line (after the label), per proc(5). */
const USER = 0;
const SYSTEM = 2;
const IDLE = 3;
const IOWAIT = 4;
const STEAL = 7;
/** States summed into the tick total; guest and guest_nice are already inside user and nice. */
const STATES = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"] as const;

/** The per-state ticks and the core count read from /proc/stat. */
export interface CpuTicks {
  readonly ticks: readonly number[];
  readonly cores: number;
}

/**
 * Parses /proc/stat: the aggregate `cpu` line's first eight states (absent
 * ones, on old kernels, are 0) and the number of `cpuN` lines. Undefined
 * when there is no `cpu` line.
 *
 * @example
 * parseCpuStat("cpu  10 0 5 100 1 0 0 0 0 0\ncpu0 10 0 5 100 1 0 0 0 0 0\n"); // { ticks: [10,0,5,100,1,0,0,0], cores: 1 }
 */
export function parseCpuStat(text: string): CpuTicks | undefined {
  let ticks: number[] | undefined;
  let cores = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("cpu")) continue;
    if (line.charCodeAt(3) === 32 /* "cpu " */) {
      const f = fields(line);
      ticks = STATES.map((_, i) => Number(f[i + 1] ?? 0));
    } else cores++;
  }
  return ticks === undefined ? undefined : { ticks, cores: Math.max(cores, 1) };
}

/**
 * The CPU probe. Every sample: `system.cpu.cores`. From the second sample
 * on (it needs two readings of the tick counters): `system.cpu.total.pct`
 * (ticks in states other than idle and iowait, Metricbeat's definition),
 * `system.cpu.total.norm.pct` (the same ÷ cores), `system.cpu.user.pct`,
 * `system.cpu.system.pct`, `system.cpu.iowait.pct`, `system.cpu.steal.pct`.
 * No percentages for an interval in which no tick passed or a counter went
 * backwards.
 *
 * @example
 * const cpu = cpuProbe({ procRoot: "/proc", ttl: 30 });
 * await cpu.sample(ctx); // [system.cpu.cores]
 * await cpu.sample(later); // + system.cpu.total.pct ... steal.pct
 */
export function cpuProbe(options: ProcProbeOptions): Probe {
  const { procRoot, ttl } = options;
  const counters = new CounterRates();
  const deltas = new Array<number>(STATES.length).fill(0);
  return {
    name: "cpu",
    async sample(ctx: ProbeContext): Promise<Event[]> {
      const text = await readText(`${procRoot}/stat`);
      const stat = text === undefined ? undefined : parseCpuStat(text);
      if (stat === undefined) return [];
      const { ticks, cores } = stat;
      const events = [metricEvent(ctx, "system.cpu.cores", cores, ttl)];
      let complete = true;
      let total = 0;
      for (let i = 0; i < STATES.length; i++) {
        const d = counters.delta(STATES[i]!, ticks[i]!, ctx.now);
        if (d === undefined) complete = false;
        else total += deltas[i] = d;
      }
      counters.sweep();
      if (!complete || total <= 0) return events;
      const pct = (state: number): number => (deltas[state]! / total) * cores;
      const busy = ((total - deltas[IDLE]! - deltas[IOWAIT]!) / total) * cores;
      events.push(
        metricEvent(ctx, "system.cpu.total.pct", busy, ttl),
        metricEvent(ctx, "system.cpu.total.norm.pct", busy / cores, ttl),
        metricEvent(ctx, "system.cpu.user.pct", pct(USER), ttl),
        metricEvent(ctx, "system.cpu.system.pct", pct(SYSTEM), ttl),
        metricEvent(ctx, "system.cpu.iowait.pct", pct(IOWAIT), ttl),
        metricEvent(ctx, "system.cpu.steal.pct", pct(STEAL), ttl),
      );
      return events;
    },
  };
}
