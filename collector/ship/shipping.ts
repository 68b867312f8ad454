/**
 * Shipping to every configured destination at once: one `Shipper` (with
 * its own buffer) per transport, and `push` hands each the same events, so
 * every destination gets every batch and a destination that is down delays
 * only its own copy. With a buffer directory each destination buffers on
 * disk in its own subdirectory (named after the transport); without one, in
 * memory. Also `jsonLinesSink`, what `--dry-run` uses instead.
 */
import path from "node:path";
import type { Writable } from "node:stream";
import type { Clock } from "../../streams/clock.ts";
import type { Event } from "../../streams/event.ts";
import { MemoryBuffer } from "./buffer.ts";
import { DISK_BUFFER_DEFAULTS, DiskBuffer } from "./disk-buffer.ts";
import { Shipper, type ShipperOptions, type ShipperStats } from "./shipper.ts";
import type { Transport } from "./transport.ts";

/** Settings of `openShipping`. */
export interface ShippingOptions {
  readonly clock: Clock;
  /** At least one. */
  readonly transports: readonly Transport[];
  /** Buffer on disk under this directory (one subdirectory per destination). Default: in memory. */
  readonly bufferDir?: string | undefined;
  /** Bound of each destination's buffer, bytes. Default 64 MiB. */
  readonly bufferMaxBytes?: number;
  /** Segment size of disk buffers, bytes. Default 1 MiB (at most bufferMaxBytes / 2). */
  readonly segmentBytes?: number;
  /** Passed to each `Shipper`. */
  readonly shipper?: Pick<ShipperOptions, "maxBatchEvents" | "retryInitialSeconds" | "retryMaxSeconds" | "maxPendingEvents">;
  readonly log?: (line: string) => void;
}

/** Counters of all destinations: sums, and each shipper's by transport name. */
export interface ShippingStats {
  readonly total: ShipperStats;
  readonly byDestination: ReadonlyMap<string, ShipperStats>;
}

/**
 * The subdirectory name of a destination's buffer.
 *
 * @example
 * bufferDirName("riemann 10.0.0.5:5555"); // "riemann_10.0.0.5_5555"
 */
export function bufferDirName(transportName: string): string {
  return transportName.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 200);
}

/**
 * Several shippers behind one `push`. Make with `openShipping`.
 *
 * @example
 * shipping.push(events);
 * shipping.stats.total.sent;
 * await shipping.close();
 */
export class Shipping {
  constructor(readonly shippers: readonly Shipper[]) {}

  /** Queues `events` for every destination; returns at once. */
  push(events: readonly Event[]): void {
    for (const s of this.shippers) s.push(events);
  }

  get stats(): ShippingStats {
    const byDestination = new Map(this.shippers.map((s) => [s.name, s.stats]));
    const total: ShipperStats = { sent: 0, buffered: 0, dropped: 0, retries: 0, sendFailures: 0, rejected: 0, pending: 0, bufferedNow: 0, bufferBytes: 0, backingOff: false };
    for (const s of byDestination.values()) {
      total.sent += s.sent;
      total.buffered += s.buffered;
      total.dropped += s.dropped;
      total.retries += s.retries;
      total.sendFailures += s.sendFailures;
      total.rejected += s.rejected;
      total.pending += s.pending;
      total.bufferedNow += s.bufferedNow;
      total.bufferBytes += s.bufferBytes;
      total.backingOff ||= s.backingOff;
    }
    return { total, byDestination };
  }

  /** Resolves when every shipper is idle (see `Shipper.idle`). */
  async idle(): Promise<void> {
    await Promise.all(this.shippers.map((s) => s.idle()));
  }

  /** Closes every shipper (unsent events stay in disk buffers for the next run). */
  async close(): Promise<void> {
    await Promise.all(this.shippers.map((s) => s.close()));
  }
}

/**
 * Opens a buffer per transport (reading what a previous run left on disk,
 * which then drains first) and returns the shipping. Throws when two
 * transports share a name (they would share a buffer).
 *
 * @example
 * const shipping = await openShipping({ clock, transports: [new KafkaTransport({ brokers })], bufferDir: "/var/lib/satellite/buffer" });
 * const agent = new Agent({ ..., sink: (events) => shipping.push(events) });
 */
export async function openShipping(options: ShippingOptions): Promise<Shipping> {
  if (options.transports.length === 0) throw new Error("shipping needs at least one destination (kafka, riemann or http)");
  const names = new Set<string>();
  for (const t of options.transports) {
    if (names.has(t.name)) throw new Error(`shipping: destination ${JSON.stringify(t.name)} is given twice`);
    names.add(t.name);
  }
  const maxBytes = options.bufferMaxBytes ?? DISK_BUFFER_DEFAULTS.maxBytes;
  const shippers: Shipper[] = [];
  for (const transport of options.transports) {
    const buffer =
      options.bufferDir === undefined
        ? new MemoryBuffer(maxBytes)
        : await DiskBuffer.open(path.join(options.bufferDir, bufferDirName(transport.name)), { maxBytes, segmentBytes: options.segmentBytes });
    const shipper = new Shipper({ ...options.shipper, clock: options.clock, transport, buffer, log: options.log });
    shippers.push(shipper);
    if (buffer.stats.batches > 0) options.log?.(`shipper ${transport.name}: ${buffer.stats.events} events left by the previous run are buffered; sending them first`);
  }
  const shipping = new Shipping(shippers);
  for (const s of shippers) s.drain();
  return shipping;
}

/**
 * A sink that writes each event as one JSON line (`--dry-run`).
 *
 * @example
 * const agent = new Agent({ ..., sink: jsonLinesSink(process.stdout) });
 */
export function jsonLinesSink(out: Writable): (events: readonly Event[]) => void {
  return (events) => {
    let text = "";
    for (const e of events) text += `${JSON.stringify(e)}\n`;
    if (text !== "") out.write(text);
  };
}
