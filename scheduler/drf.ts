/**
 * Fair ordering of waiting work across users: Cook's cumulative dominant
 * resource share (weighted DRF, Ghodsi et al.). Each user's jobs are
 * ordered by priority then submission; walking that list, a job's score is
 * the user's dominant share with everything before it (their running tasks
 * and their earlier waiting jobs) and the job itself, where a resource's
 * share is its amount divided by the user's configured share. The
 * per-user lists are monotone in that score, so merging them by score gives
 * the global queue: a user far over their share waits behind a user under it,
 * whatever the priorities say (priority orders a user's own jobs only).
 */
import type { Share } from "./options.ts";

/** What DRF needs of a waiting job. */
export interface DrfJob {
  readonly uuid: string;
  readonly user: string;
  readonly cpus: number;
  readonly mem: number;
  readonly priority: number;
  readonly submittedAt: number;
  readonly seq: number;
}

/** Resources in use. */
export interface Usage {
  readonly cpus: number;
  readonly mem: number;
}

/** A waiting job with its score. */
export interface RankedJob<J extends DrfJob = DrfJob> {
  readonly job: J;
  /** The user's dominant share once this job runs too (Cook's task DRU). */
  readonly dru: number;
}

/**
 * A dominant share: the larger of cpus / share.cpus and mem / share.mem.
 *
 * @example
 * dominantShare({ cpus: 2, mem: 512 }, { cpus: 4, mem: 4096 }); // 0.5
 */
export function dominantShare(usage: Usage, share: Share): number {
  return Math.max(usage.cpus / share.cpus, usage.mem / share.mem);
}

/**
 * Orders a user's own jobs: higher priority first, then earlier submission, then submission order.
 *
 * @example
 * jobs.sort(byPriorityThenAge);
 */
export function byPriorityThenAge(a: DrfJob, b: DrfJob): number {
  return b.priority - a.priority || a.submittedAt - b.submittedAt || a.seq - b.seq;
}

/**
 * Ranks waiting `jobs` across users by cumulative dominant share (lowest
 * first); ties go to the earlier submission. `running` is each user's
 * current usage (counted before their waiting jobs), `shareOf` their share.
 * Pure: the inputs are not modified.
 *
 * @example
 * const queue = rankByDrf(waiting, new Map([["alice", { cpus: 4, mem: 1024 }]]), (u) => shares[u] ?? defaultShare);
 * queue[0].job; // the job to place first
 */
export function rankByDrf<J extends DrfJob>(jobs: readonly J[], running: ReadonlyMap<string, Usage>, shareOf: (user: string) => Share): RankedJob<J>[] {
  const byUser = new Map<string, J[]>();
  for (const job of jobs) {
    const list = byUser.get(job.user);
    if (list === undefined) byUser.set(job.user, [job]);
    else list.push(job);
  }
  const ranked: RankedJob<J>[] = [];
  for (const [user, list] of byUser) {
    list.sort(byPriorityThenAge);
    const share = shareOf(user);
    const base = running.get(user);
    let cpus = base?.cpus ?? 0;
    let mem = base?.mem ?? 0;
    for (const job of list) {
      cpus += job.cpus;
      mem += job.mem;
      ranked.push({ job, dru: Math.max(cpus / share.cpus, mem / share.mem) });
    }
  }
  // Each user's scores grow along their list, so a stable sort by score is the merge of the lists.
  ranked.sort((a, b) => a.dru - b.dru || a.job.submittedAt - b.job.submittedAt || a.job.seq - b.job.seq);
  return ranked;
}
