/**
 * Network traffic per interface from /proc/net/dev, as rates between two
 * samples. Metricbeat's `system.network` metricset sends the cumulative
 * counters (`system.network.in.bytes`, ...); here each is a per-second rate,
 * hence the `_per_sec` suffix (as `system.memory.swap.pages_per_sec`), one
 * series per interface (service suffix `" <interface>"`, attribute
 * `interface`). Interfaces that never moved a byte (an unused ifb or dummy)
 * are skipped, and so is loopback unless asked for. One file read:
 * `systeminformation.networkStats()` forks per interface and has no packet
 * counts.
 */
import { CounterRates } from "./counter.ts";
import { metricEvent, type ProbeContext, type Probe, type ProcProbeOptions } from "./probe.ts";
import { fields, readText } from "./procfs.ts";
import type { Event } from "../../streams/event.ts";

/** The counters of one interface, in the order of /proc/net/dev's columns that are used. */
export interface InterfaceCounters {
  readonly name: string;
  readonly inBytes: number;
  readonly inPackets: number;
  readonly inErrors: number;
  readonly inDropped: number;
  readonly outBytes: number;
  readonly outPackets: number;
  readonly outErrors: number;
  readonly outDropped: number;
}

/**
 * Parses /proc/net/dev (two header lines, then `name: 8 receive columns 8
 * transmit columns`; old kernels print no space after the colon).
 *
 * @example
 * parseNetDev("h1\nh2\n  eth0: 100 2 0 0 0 0 0 0 50 1 0 0 0 0 0 0\n")[0]!.outBytes; // 50
 */
export function parseNetDev(text: string): InterfaceCounters[] {
  const out: InterfaceCounters[] = [];
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const f = fields(line.slice(colon + 1));
    if (f.length < 16) continue;
    const n = (i: number): number => Number(f[i]);
    out.push({
      name: line.slice(0, colon).trim(),
      inBytes: n(0), inPackets: n(1), inErrors: n(2), inDropped: n(3),
      outBytes: n(8), outPackets: n(9), outErrors: n(10), outDropped: n(11),
    });
  }
  return out;
}

/** The counters reported, and the service each rate goes to. */
const SERIES: readonly (readonly [keyof Omit<InterfaceCounters, "name">, string])[] = [
  ["inBytes", "system.network.in.bytes_per_sec"],
  ["inPackets", "system.network.in.packets_per_sec"],
  ["inErrors", "system.network.in.errors_per_sec"],
  ["inDropped", "system.network.in.dropped_per_sec"],
  ["outBytes", "system.network.out.bytes_per_sec"],
  ["outPackets", "system.network.out.packets_per_sec"],
  ["outErrors", "system.network.out.errors_per_sec"],
  ["outDropped", "system.network.out.dropped_per_sec"],
];

/**
 * The network probe. From the second sample on, per interface:
 * `system.network.{in,out}.{bytes,packets,errors,dropped}_per_sec`. An
 * interface whose counters went backwards (re-created under the same name)
 * gets nothing for that interval. `loopback: true` reports `lo` too.
 *
 * @example
 * await networkProbe({ procRoot: "/proc", ttl: 30, loopback: false }).sample(ctx); // "system.network.in.bytes_per_sec eth0", ...
 */
export function networkProbe(options: ProcProbeOptions & { readonly loopback: boolean }): Probe {
  const { procRoot, ttl, loopback } = options;
  const counters = new CounterRates();
  const rates = new Array<number>(SERIES.length).fill(0);
  return {
    name: "network",
    async sample(ctx: ProbeContext): Promise<Event[]> {
      const text = await readText(`${procRoot}/net/dev`);
      if (text === undefined) return [];
      const events: Event[] = [];
      for (const iface of parseNetDev(text)) {
        const { name } = iface;
        if ((!loopback && name === "lo") || (iface.inBytes === 0 && iface.outBytes === 0)) continue;
        let complete = true;
        for (let i = 0; i < SERIES.length; i++) {
          const r = counters.rate(`${name}\0${i}`, iface[SERIES[i]![0]], ctx.now);
          if (r === undefined) complete = false;
          else rates[i] = r;
        }
        if (!complete) continue;
        const attributes = { interface: name };
        for (let i = 0; i < SERIES.length; i++) events.push(metricEvent(ctx, `${SERIES[i]![1]} ${name}`, rates[i]!, ttl, attributes));
      }
      counters.sweep();
      return events;
    },
  };
}
