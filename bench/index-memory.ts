/**
 * Index memory: heap bytes per indexed key with a million keys, measured as
 * the growth of `process.memoryUsage().heapUsed` between two forced
 * collections, in steady state (several report rounds in, so every key has
 * been refreshed and the expiry queue holds what it holds in production).
 * The figure includes the indexed event objects and their strings, since
 * the index keeps them alive; the context splits it into the events' share
 * and the index's own overhead (maps, entries, expiry buckets).
 */
import v8 from "node:v8";
import vm from "node:vm";
import { VirtualClock } from "../streams/clock.ts";
import type { Event } from "../streams/event.ts";
import { EventIndex } from "../streams/eventindex/index-store.ts";
import type { StreamContext } from "../streams/stream.ts";
import { judge, machine, progress, round, type BenchLine } from "./output.ts";
import { Fleet, SERVICES, type FleetOptions } from "./workload.ts";

/** The most heap an indexed key should cost, bytes (its event included). */
export const INDEX_BYTES_TARGET = 1024;

/** Settings of `runIndexMemory`. */
export interface IndexMemoryOptions {
  /** Keys to index (rounded down to whole hosts of 20 services). Default 1,000,000. */
  readonly keys?: number;
  /** Report rounds run before measuring. Default 8 (80 s of fleet time: past one ttl, so refreshed keys have been requeued). */
  readonly rounds?: number;
  /** Host and service strings fresh per event (default) or shared; see `FleetOptions.strings`. */
  readonly strings?: FleetOptions["strings"];
}

/** `global.gc`, exposed at run time when node was started without --expose-gc (as under `node --test`). */
function fullGc(): () => void {
  const exposed = globalThis.gc;
  if (exposed !== undefined) return () => void exposed();
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

/** Forces a full collection (twice: the second frees what finalisers of the first released) and returns heapUsed. */
function settledHeap(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Fills an `EventIndex` with `keys` keys from the benchmark fleet (no host
 * silent) over `rounds` report rounds on a virtual clock, and returns the
 * line `index_bytes_per_key` with its split and the target.
 *
 * @example
 * const line = runIndexMemory({ keys: 20_000, rounds: 2 });
 * line.value; // heap bytes per key, events included
 */
export function runIndexMemory(options: IndexMemoryOptions = {}): BenchLine {
  const hosts = Math.max(1, Math.floor((options.keys ?? 1_000_000) / SERVICES.length));
  const rounds = options.rounds ?? 8;
  const fleet = new Fleet({ hosts, silentEvery: Infinity, strings: options.strings });
  const clock = new VirtualClock(fleet.start);
  const ctx: StreamContext = {
    clock,
    onError: (error) => {
      throw error;
    },
  };
  let expired = 0;

  const gc = fullGc();
  const base = settledHeap(gc);
  const index = new EventIndex(ctx, { onExpired: () => void expired++ });
  progress(`index_bytes_per_key: ${fleet.keys} keys, ${rounds} rounds`);
  for (let k = 0; k < rounds; k++) {
    const events = fleet.cycle(k);
    let now = clock.now();
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.time !== now) {
        clock.advanceTo(e.time);
        now = e.time;
      }
      index.insert(e);
    }
  }
  const filled = settledHeap(gc);
  const keys = index.size;
  const bytesPerKey = (filled - base) / keys;

  // The events' own share: one more round's events held in an array (minus the array's slots).
  const held: Event[] = fleet.cycle(rounds);
  const withEvents = settledHeap(gc);
  const eventBytes = (withEvents - filled - 8 * held.length) / held.length;
  held.length = 0;

  return {
    name: "index_bytes_per_key",
    value: round(bytesPerKey),
    unit: "bytes",
    includes: "the indexed event objects and their host/service strings (the index keeps them alive)",
    strings: options.strings ?? "fresh",
    keys,
    hosts,
    services: SERVICES.length,
    rounds,
    expired_during_fill: expired,
    heap_growth_mb: round((filled - base) / 2 ** 20),
    event_bytes_per_key: round(eventBytes),
    index_overhead_bytes_per_key: round(bytesPerKey - eventBytes),
    method: "process.memoryUsage().heapUsed after global.gc(), before and after filling",
    ...judge(bytesPerKey, { op: "<=", value: INDEX_BYTES_TARGET }),
    ...machine(),
  };
}
