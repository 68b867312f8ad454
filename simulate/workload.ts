/**
 * The simulator's workload: jobs submitted to the scheduler at a seeded
 * rate (a Poisson process on the injected clock) by a few simulated users
 * of different sizes: many small jobs, some medium, a few large. Each job
 * is `sleep N` with N its intended run time, so a simulated agent knows how
 * long to "run" it, and a real executor that happens to get one runs
 * something harmless for as long. Submission goes through whatever the
 * caller gives: `Scheduler.submit` in-process, or `httpJobSubmitter` (POST
 * /api/v1/jobs with the bearer token).
 */
import type { Clock, Timer } from "../streams/clock.ts";
import type { Prng } from "./prng.ts";

/** A simulated user: how often it submits relative to the others, and the sizes of its jobs (one picked at random per job). */
export interface SimulatedUser {
  readonly name: string;
  /** Relative weight of its submissions. */
  readonly weight: number;
  /** Cpus of its jobs, one of these. */
  readonly cpus: readonly number[];
  /** MB of its jobs, one of these. */
  readonly mem: readonly number[];
}

/**
 * The default users: alice submits half the jobs, small (1 cpu); bob 30%,
 * medium (2 cpus); carol 20%, large (4 cpus). About 1.9 cpus per job on
 * average.
 *
 * @example
 * SIMULATED_USERS.map((u) => u.name); // ["alice", "bob", "carol"]
 */
export const SIMULATED_USERS: readonly SimulatedUser[] = Object.freeze([
  Object.freeze({ name: "alice", weight: 5, cpus: Object.freeze([1]), mem: Object.freeze([512, 1024, 2048]) }),
  Object.freeze({ name: "bob", weight: 3, cpus: Object.freeze([2]), mem: Object.freeze([2048, 4096]) }),
  Object.freeze({ name: "carol", weight: 2, cpus: Object.freeze([4]), mem: Object.freeze([8192, 16384]) }),
]);

/** Settings of a `Workload`. */
export interface WorkloadOptions {
  readonly clock: Clock;
  readonly rng: Prng;
  /**
   * Submits one job spec (scheduler/model.ts `parseJobSpec`). `Scheduler.submit`
   * fits; a promise is awaited. A result `{status: "invalid" | "conflict"}`
   * or a rejection counts as refused.
   */
  readonly submit: (spec: unknown) => unknown;
  /** Mean submissions per minute (> 0). */
  readonly jobsPerMinute: number;
  /** Default `SIMULATED_USERS`. */
  readonly users?: readonly SimulatedUser[] | undefined;
  /** Run time of each job, uniform in [min, max] seconds. Default 30..300. */
  readonly minRuntimeSeconds?: number | undefined;
  readonly maxRuntimeSeconds?: number | undefined;
  /** Prefix of the job uuids (followed by a counter); make it unique per run against a long-lived scheduler. */
  readonly idPrefix: string;
  /** A refused submission. */
  readonly onError?: ((err: unknown) => void) | undefined;
}

/** Counters of a `Workload`. */
export interface WorkloadStats {
  submitted: number;
  /** Accepted by the scheduler (created, or already there). */
  accepted: number;
  refused: number;
}

/** Defaults of the workload, in one place. */
export const WORKLOAD_DEFAULTS = Object.freeze({ minRuntimeSeconds: 30, maxRuntimeSeconds: 300, jobsPerMinutePerHost: 1.3 });

/**
 * Submits jobs on the clock; see the file header.
 *
 * @example
 * const workload = new Workload({ clock, rng: new Prng(1), submit: (s) => scheduler.submit(s), jobsPerMinute: 60, idPrefix: "sim-1-" });
 * workload.start();
 */
export class Workload {
  readonly stats: WorkloadStats = { submitted: 0, accepted: 0, refused: 0 };
  private readonly users: readonly SimulatedUser[];
  private readonly totalWeight: number;
  private readonly minRuntime: number;
  private readonly maxRuntime: number;
  private timer: Timer | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: WorkloadOptions) {
    if (!(options.jobsPerMinute > 0) || !Number.isFinite(options.jobsPerMinute)) throw new RangeError(`simulate: --jobs-per-minute must be a positive number, got ${options.jobsPerMinute}`);
    this.users = options.users ?? SIMULATED_USERS;
    if (this.users.length === 0) throw new RangeError("simulate: the workload needs at least one user");
    this.totalWeight = this.users.reduce((sum, u) => sum + u.weight, 0);
    this.minRuntime = options.minRuntimeSeconds ?? WORKLOAD_DEFAULTS.minRuntimeSeconds;
    this.maxRuntime = options.maxRuntimeSeconds ?? WORKLOAD_DEFAULTS.maxRuntimeSeconds;
    if (!(this.minRuntime > 0 && this.maxRuntime >= this.minRuntime)) throw new RangeError(`simulate: run times must satisfy 0 < min <= max, got ${this.minRuntime}..${this.maxRuntime}`);
  }

  /** Submits the first job after a random wait, then one after each further wait. Idempotent. */
  start(): void {
    if (this.timer !== undefined) return;
    this.arm();
  }

  /** Stops submitting; resolves when submissions in flight have settled. */
  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    await this.idle();
  }

  /** Resolves when no submission is in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private arm(): void {
    const { clock, rng } = this.options;
    // Exponential gaps: a Poisson process of jobsPerMinute / 60 per second.
    const gap = -Math.log(1 - rng.next()) / (this.options.jobsPerMinute / 60);
    this.timer = clock.setTimer(clock.now() + gap, () => {
      this.submitOne();
      this.arm();
    });
  }

  /** The next job spec (advances the generator). */
  nextSpec(): Record<string, unknown> {
    const rng = this.options.rng;
    let pick = rng.next() * this.totalWeight;
    let user = this.users[this.users.length - 1]!;
    for (const u of this.users) {
      if (pick < u.weight) {
        user = u;
        break;
      }
      pick -= u.weight;
    }
    const cpus = user.cpus[rng.int(user.cpus.length)]!;
    const mem = user.mem[rng.int(user.mem.length)]!;
    const runtime = Math.round(rng.between(this.minRuntime, this.maxRuntime));
    const n = this.stats.submitted + 1;
    return { uuid: `${this.options.idPrefix}${n}`, user: user.name, command: `sleep ${runtime}`, cpus, mem, name: `simulated ${user.name} #${n}` };
  }

  /** Submits one job now. */
  submitOne(): void {
    const spec = this.nextSpec();
    this.stats.submitted++;
    let result: unknown;
    try {
      result = this.options.submit(spec);
    } catch (err) {
      this.refused(err);
      return;
    }
    if (result instanceof Promise) {
      const p: Promise<void> = result.then(
        (r: unknown) => {
          this.inFlight.delete(p);
          this.settle(r);
        },
        (err: unknown) => {
          this.inFlight.delete(p);
          this.refused(err);
        },
      );
      this.inFlight.add(p);
    } else this.settle(result);
  }

  private settle(result: unknown): void {
    const status = typeof result === "object" && result !== null ? (result as { status?: unknown }).status : undefined;
    if (status === "invalid" || status === "conflict") {
      const error = (result as { error?: unknown }).error;
      this.refused(new Error(`job refused (${status}): ${typeof error === "string" ? error : ""}`));
    } else this.stats.accepted++;
  }

  private refused(err: unknown): void {
    this.stats.refused++;
    this.options.onError?.(err);
  }
}

/** Settings of `httpJobSubmitter`. */
export interface HttpJobSubmitterOptions {
  /** Base URL of the Satellite API, e.g. "http://127.0.0.1:5001". */
  readonly url: string;
  /** Bearer token. Default `SATELLITE_API_TOKEN`. */
  readonly token?: string | undefined;
  /** Give up on one request after this many milliseconds. Default 10,000. */
  readonly timeoutMs?: number | undefined;
}

/**
 * A `submit` for `Workload` over HTTP: POSTs the spec to
 * `<url>/api/v1/jobs`; resolves `{status: "created" | "existing"}` on 201
 * or 200, `{status: "invalid" | "conflict", error}` on 400 or 409, and
 * rejects on anything else (network error, 401/403, 5xx, no scheduler
 * mounted: 404).
 *
 * @example
 * const submit = httpJobSubmitter({ url: "http://127.0.0.1:5001" });
 * await submit({ user: "alice", command: "sleep 60", cpus: 1, mem: 512 }); // { status: "created" }
 */
export function httpJobSubmitter(options: HttpJobSubmitterOptions): (spec: unknown) => Promise<{ status: string; error?: string }> {
  const url = `${options.url.replace(/\/+$/, "")}/api/v1/jobs`;
  const token = options.token ?? process.env.SATELLITE_API_TOKEN;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async (spec) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token !== undefined && token.length > 0) headers.authorization = `Bearer ${token}`;
    const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(spec), signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if (res.status === 201) return { status: "created" };
    if (res.status === 200) return { status: "existing" };
    let error = text.slice(0, 200);
    try {
      const body = JSON.parse(text) as { error?: unknown };
      if (typeof body.error === "string") error = body.error;
    } catch {
      // not JSON: the text says enough
    }
    if (res.status === 400) return { status: "invalid", error };
    if (res.status === 409) return { status: "conflict", error };
    throw new Error(`POST ${url} answered ${res.status}: ${error}`);
  };
}
