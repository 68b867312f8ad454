/**
 * Matching ranked jobs to hosts: walk the queue in order and put each job
 * on the schedulable host with room where it fits best (least room left,
 * cpus and memory weighed by the host's capacity: bin packing, so large
 * jobs still find empty hosts). A job that fits nowhere is skipped, not
 * waited for, so one big job does not block the queue (Cook's matcher
 * considers a window of jobs the same way). A job avoids hosts where it
 * already failed (Cook's novel-host constraint) unless no other host fits.
 */

/** A candidate host and its free resources; `placeJobs` works on a copy. */
export interface HostRoom {
  readonly host: string;
  /** Free cpus (capacity minus what live tasks hold). */
  readonly cpus: number;
  /** Free MB. */
  readonly mem: number;
  readonly capacityCpus: number;
  readonly capacityMem: number;
}

/** What placement needs of a job. */
export interface PlaceableJob {
  readonly uuid: string;
  readonly cpus: number;
  readonly mem: number;
}

/** A decision: run `job` on `host`. */
export interface Placement<J extends PlaceableJob = PlaceableJob> {
  readonly job: J;
  readonly host: string;
}

/** Settings of `placeJobs`. */
export interface PlaceOptions<J extends PlaceableJob> {
  /** Most jobs looked at, from the head of the queue. */
  readonly maxJobsConsidered: number;
  /** True when `job` should not go to `host` if another host fits (it failed there before). */
  readonly avoid?: (job: J, host: string) => boolean;
}

/** Rounding slack: 0.1 + 0.2 cpus fit in 0.3. */
const EPSILON = 1e-9;

/**
 * Places `queue` (highest rank first) on `hosts`. Returns the placements
 * in queue order; jobs that fit nowhere are left out. Deterministic: ties
 * go to the host whose name sorts first.
 *
 * @example
 * placeJobs([{ uuid: "j1", cpus: 2, mem: 512 }], [{ host: "a", cpus: 4, mem: 4096, capacityCpus: 4, capacityMem: 4096 }], { maxJobsConsidered: 1000 });
 * // [{ job: { uuid: "j1", ... }, host: "a" }]
 */
export function placeJobs<J extends PlaceableJob>(queue: readonly J[], hosts: readonly HostRoom[], options: PlaceOptions<J>): Placement<J>[] {
  const rooms = hosts.map((h) => ({ ...h })).sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  const placements: Placement<J>[] = [];
  const limit = Math.min(queue.length, options.maxJobsConsidered);
  for (let i = 0; i < limit; i++) {
    const job = queue[i]!;
    let best: (typeof rooms)[number] | undefined;
    let bestScore = Infinity;
    let bestAvoided = true;
    for (const room of rooms) {
      if (room.cpus + EPSILON < job.cpus || room.mem + EPSILON < job.mem) continue;
      const avoided = options.avoid?.(job, room.host) ?? false;
      const score = (room.cpus - job.cpus) / room.capacityCpus + (room.mem - job.mem) / room.capacityMem;
      if (best === undefined || (bestAvoided && !avoided) || (avoided === bestAvoided && score < bestScore)) {
        best = room;
        bestScore = score;
        bestAvoided = avoided;
      }
    }
    if (best === undefined) continue;
    best.cpus -= job.cpus;
    best.mem -= job.mem;
    placements.push({ job, host: best.host });
  }
  return placements;
}
