/**
 * Pressure stall information (PSI, Linux 4.20+) from /proc/pressure/{cpu,
 * memory,io}: the share of time some (or all) runnable tasks were stalled
 * waiting for a resource, averaged over 10, 60 and 300 seconds. Memory and
 * I/O pressure are the earliest sign of thrashing, before swap rates or
 * load show it. Names are Metricbeat's `linux.pressure` fields. Differs
 * from Metricbeat: the values are fractions (0..1), like every `*.pct`
 * here, where Metricbeat copies the kernel's percentages. A kernel without
 * PSI (no /proc/pressure, or booted with psi=0) gives no events, not an error.
 */
import { metricEvent, type ProbeContext, type Probe, type ProcProbeOptions } from "./probe.ts";
import { fields, readText } from "./procfs.ts";
import type { Event } from "../../streams/event.ts";

/** The resources read, one file each. */
const RESOURCES = ["cpu", "memory", "io"] as const;

/** The averaging windows of a PSI line, and the service segment each goes to. */
const WINDOWS = [
  ["avg10", "10"],
  ["avg60", "60"],
  ["avg300", "300"],
] as const;

/** One PSI line: `some` or `full`, and its three averages as fractions. */
export interface PressureLine {
  readonly kind: string;
  readonly averages: ReadonlyMap<string, number>;
}

/**
 * Parses a /proc/pressure file: lines `some|full avg10=P avg60=P avg300=P
 * total=µs`, averages converted from percent to fractions.
 *
 * @example
 * parsePressure("some avg10=5.00 avg60=2.50 avg300=1.00 total=1234\n")[0]!.averages.get("avg10"); // 0.05
 */
export function parsePressure(text: string): PressureLine[] {
  const out: PressureLine[] = [];
  for (const line of text.split("\n")) {
    const [kind, ...pairs] = fields(line);
    if (kind !== "some" && kind !== "full") continue;
    const averages = new Map<string, number>();
    for (const pair of pairs) {
      const eq = pair.indexOf("=");
      const value = Number(pair.slice(eq + 1));
      if (eq > 0 && pair.startsWith("avg") && Number.isFinite(value)) averages.set(pair.slice(0, eq), value / 100);
    }
    out.push({ kind, averages });
  }
  return out;
}

/**
 * The PSI probe: `linux.pressure.<cpu|memory|io>.<some|full>.<10|60|300>.pct`
 * (fractions) for every line the kernel provides. Nothing for a resource
 * whose file is missing.
 *
 * @example
 * await pressureProbe({ procRoot: "/proc", ttl: 30 }).sample(ctx); // "linux.pressure.memory.some.10.pct", ...
 */
export function pressureProbe(options: ProcProbeOptions): Probe {
  const { procRoot, ttl } = options;
  return {
    name: "pressure",
    async sample(ctx: ProbeContext): Promise<Event[]> {
      const texts = await Promise.all(RESOURCES.map((r) => readText(`${procRoot}/pressure/${r}`)));
      const events: Event[] = [];
      RESOURCES.forEach((resource, i) => {
        const text = texts[i];
        if (text === undefined) return;
        for (const { kind, averages } of parsePressure(text)) {
          for (const [key, window] of WINDOWS) {
            const value = averages.get(key);
            if (value !== undefined) events.push(metricEvent(ctx, `linux.pressure.${resource}.${kind}.${window}.pct`, value, ttl));
          }
        }
      });
      return events;
    },
  };
}
