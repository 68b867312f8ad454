/**
 * Disk I/O per block device from /proc/diskstats, as rates between two
 * samples with the names of Metricbeat's `iostat` fields
 * (`system.diskio.iostat.*`, what `iostat -x` shows), one series per device
 * (service suffix `" <device>"`, attribute `device`). Whole disks only:
 * partitions (a partition's I/O is already in its disk's), loop, ram and
 * zram devices are skipped, and so are devices that never did any I/O.
 * Differs from Metricbeat: `busy` is a fraction (0..1) like every `*.pct`
 * here, where Metricbeat's is a percentage. `systeminformation.disksIO()`
 * only gives totals over all disks and forks a shell pipeline (~14 ms).
 */
import { CounterRates } from "./counter.ts";
import { metricEvent, type ProbeContext, type Probe, type ProcProbeOptions } from "./probe.ts";
import { fields, listDir, readText } from "./procfs.ts";
import type { Event } from "../../streams/event.ts";

/** /proc/diskstats counts sectors of 512 bytes, whatever the device's sector size. */
const SECTOR_BYTES = 512;

/** Devices that are not disks. */
const NOT_DISKS = /^(loop|ram|zram|fd)\d+$/;

/** Partitions by name, used when /sys/block cannot be listed. */
const PARTITION = /^((sd|vd|xvd|hd)[a-z]+\d+|(nvme\d+n\d+|mmcblk\d+)p\d+)$/;

/** One device's cumulative counters. */
export interface DiskCounters {
  readonly name: string;
  readonly reads: number;
  readonly readSectors: number;
  readonly readMs: number;
  readonly writes: number;
  readonly writeSectors: number;
  readonly writeMs: number;
  readonly ioMs: number;
}

/**
 * Parses /proc/diskstats (14 or more columns per line; the discard and
 * flush columns of newer kernels are ignored).
 *
 * @example
 * parseDiskstats(" 254 0 vda 100 0 800 50 20 0 160 30 0 70 80\n")[0]!.readSectors; // 800
 */
export function parseDiskstats(text: string): DiskCounters[] {
  const out: DiskCounters[] = [];
  for (const line of text.split("\n")) {
    const f = fields(line);
    if (f.length < 14) continue;
    const n = (i: number): number => Number(f[i + 3]);
    out.push({ name: f[2]!, reads: n(0), readSectors: n(2), readMs: n(3), writes: n(4), writeSectors: n(6), writeMs: n(7), ioMs: n(9) });
  }
  return out;
}

/**
 * The disk I/O probe. From the second sample on, per whole disk:
 * `system.diskio.iostat.read.per_sec.bytes`, `.write.per_sec.bytes`,
 * `.read.request.per_sec`, `.write.request.per_sec` (operations/s),
 * `system.diskio.iostat.busy` (fraction of the interval with I/O in flight,
 * the kernel's io_ticks; 0..1) and `system.diskio.iostat.await` (mean ms
 * per completed operation, 0 without operations). A device whose counters
 * went backwards gets nothing for that interval.
 *
 * @example
 * await diskioProbe({ procRoot: "/proc", sysRoot: "/sys", ttl: 30 }).sample(ctx); // "system.diskio.iostat.busy vda", ...
 */
export function diskioProbe(options: ProcProbeOptions & { readonly sysRoot: string }): Probe {
  const { procRoot, sysRoot, ttl } = options;
  const counters = new CounterRates();
  return {
    name: "diskio",
    async sample(ctx: ProbeContext): Promise<Event[]> {
      const [text, block] = await Promise.all([readText(`${procRoot}/diskstats`), listDir(`${sysRoot}/block`)]);
      if (text === undefined) return [];
      const disks = block === undefined ? undefined : new Set(block);
      const events: Event[] = [];
      const now = ctx.now;
      for (const d of parseDiskstats(text)) {
        const { name } = d;
        if (NOT_DISKS.test(name) || (disks === undefined ? PARTITION.test(name) : !disks.has(name))) continue;
        if (d.reads === 0 && d.writes === 0) continue;
        const reads = counters.rate(`${name}\0reads`, d.reads, now);
        const writes = counters.rate(`${name}\0writes`, d.writes, now);
        const readBytes = counters.rate(`${name}\0readSectors`, d.readSectors, now);
        const writeBytes = counters.rate(`${name}\0writeSectors`, d.writeSectors, now);
        const readMs = counters.rate(`${name}\0readMs`, d.readMs, now);
        const writeMs = counters.rate(`${name}\0writeMs`, d.writeMs, now);
        const ioMs = counters.rate(`${name}\0ioMs`, d.ioMs, now);
        if (reads === undefined || writes === undefined || readBytes === undefined || writeBytes === undefined) continue;
        if (readMs === undefined || writeMs === undefined || ioMs === undefined) continue;
        const attributes = { device: name };
        const ops = reads + writes;
        events.push(
          metricEvent(ctx, `system.diskio.iostat.read.per_sec.bytes ${name}`, readBytes * SECTOR_BYTES, ttl, attributes),
          metricEvent(ctx, `system.diskio.iostat.write.per_sec.bytes ${name}`, writeBytes * SECTOR_BYTES, ttl, attributes),
          metricEvent(ctx, `system.diskio.iostat.read.request.per_sec ${name}`, reads, ttl, attributes),
          metricEvent(ctx, `system.diskio.iostat.write.request.per_sec ${name}`, writes, ttl, attributes),
          metricEvent(ctx, `system.diskio.iostat.busy ${name}`, Math.min(ioMs / 1000, 1), ttl, attributes),
          metricEvent(ctx, `system.diskio.iostat.await ${name}`, ops > 0 ? (readMs + writeMs) / ops : 0, ttl, attributes),
        );
      }
      counters.sweep();
      return events;
    },
  };
}
