/**
 * The scheduler core: users submit jobs, agents heartbeat, and a scheduling
 * pass (every `passIntervalSeconds` on the injected clock, and right after a
 * submit) declares silent hosts lost, fails launches that never started,
 * kills what runs on hosts whose drain deadline passed, then ranks the
 * waiting jobs by DRF and places them on schedulable hosts with room.
 * Everything is written to SQLite before it is acted on (state.ts), so the
 * scheduler picks up where it stopped after a restart. It is also the
 * `HostInventory` host health reads.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "../store/database.ts";
import type { Clock, Timer } from "../streams/clock.ts";
import { handleHeartbeat, type HeartbeatHandler } from "./agents.ts";
import { dominantShare, rankByDrf, type Usage } from "./drf.ts";
import { ALWAYS_HEALTHY, type HostHealthView, type HostInventory, type HostStatus } from "./host-health.ts";
import { REASON_AGENT_LOST, REASON_DRAINED, REASON_LAUNCH_FAILURE, parseJobSpec, specKey, type Job, type JobState, type Task } from "./model.ts";
import { resolveSchedulerOptions, type SchedulerOptions, type Share } from "./options.ts";
import { placeJobs, type HostRoom } from "./placement.ts";
import { isValidHostName, type HeartbeatRequest, type HeartbeatResponse } from "./protocol.ts";
import { SchedulerState, type KillOutcome } from "./state.ts";
import { SchedulerStore } from "./store.ts";

/** What `Scheduler.open` needs. */
export interface SchedulerDeps {
  /** The embedded store (`openStore(dataDir)`); the scheduler migrates its tables. */
  readonly db: Db;
  readonly clock: Clock;
  /** Which hosts may get new tasks and which are draining. Default `ALWAYS_HEALTHY`. */
  readonly health?: HostHealthView;
  /** Raw settings, validated by `resolveSchedulerOptions` (throws naming the field). */
  readonly options?: unknown;
  /** Task ids. Default `randomUUID`. */
  readonly newId?: () => string;
  /** Called with errors of timer-driven passes (which have no caller to throw to). Default: ignore. */
  readonly onError?: (err: unknown) => void;
}

/** What `submit` did. */
export type SubmitResult =
  | { readonly status: "created" | "existing"; readonly job: Job }
  | { readonly status: "conflict"; readonly job: Job; readonly error: string }
  | { readonly status: "invalid"; readonly error: string };

/** A job with its tasks, oldest first. */
export interface JobDetail extends Job {
  readonly tasks: readonly Task[];
}

/** A host as `GET /hosts` shows it. */
export interface HostView {
  readonly host: string;
  readonly state: "alive" | "lost";
  readonly cpus: number;
  readonly mem: number;
  readonly attributes: Readonly<Record<string, string>>;
  /** Held by live tasks (and by killed ones still running). */
  readonly used: Usage;
  /** Live tasks. */
  readonly tasks: number;
  /** Alive and schedulable per host health. */
  readonly schedulable: boolean;
  readonly draining?: { readonly deadline: number } | undefined;
  readonly reasons: readonly string[];
  readonly registeredAt: number;
  readonly lastHeartbeat: number;
}

/** One waiting job in queue order. */
export interface QueueEntry {
  readonly position: number;
  readonly uuid: string;
  readonly user: string;
  readonly name?: string | undefined;
  readonly cpus: number;
  readonly mem: number;
  readonly priority: number;
  readonly submittedAt: number;
  /** The user's dominant share once this job runs too: the queue's sort key. */
  readonly dru: number;
}

/** One user's standing in the queue. */
export interface UserShareView {
  readonly user: string;
  readonly share: Share;
  /** What the user's live tasks hold. */
  readonly running: Usage;
  /** Dominant share of `running` (1 = exactly the user's share). */
  readonly dominantShare: number;
  readonly waiting: number;
}

/** `GET /queue`: waiting jobs in DRF order and per-user shares (lowest dominant share first). */
export interface QueueView {
  readonly jobs: readonly QueueEntry[];
  readonly users: readonly UserShareView[];
}

/** What one scheduling pass did. */
export interface PassResult {
  readonly placed: number;
  readonly lostHosts: readonly string[];
  readonly launchFailures: number;
  readonly drainKills: number;
}

/** Filters of `Scheduler.jobs`. */
export interface JobQuery {
  readonly user?: string | undefined;
  readonly state?: JobState | undefined;
  /** Most jobs, newest first. Default 100. */
  readonly limit?: number | undefined;
}

const UNREACHABLE_HEALTH: HostStatus = Object.freeze({ schedulable: false, reasons: Object.freeze(["host health failed to answer"]) });

/**
 * The scheduler; see the file header.
 *
 * @example
 * const scheduler = Scheduler.open({ db: openStore("data"), clock: new RealClock(), health });
 * scheduler.start();
 * scheduler.submit({ uuid: "7f1c…", user: "alice", command: "make test", cpus: 1, mem: 512 }); // { status: "created", job }
 * app.use("/api/v1", schedulerRouter({ scheduler }));
 */
export class Scheduler implements HostInventory, HeartbeatHandler {
  readonly options: SchedulerOptions;
  private readonly state: SchedulerState;
  private readonly clock: Clock;
  private readonly health: HostHealthView;
  private readonly onError: (err: unknown) => void;
  private started = false;
  private tick: Timer | undefined;
  private soon: Timer | undefined;
  private unsubscribe: (() => void) | undefined;

  private constructor(deps: SchedulerDeps) {
    this.options = resolveSchedulerOptions(deps.options);
    this.clock = deps.clock;
    this.health = deps.health ?? ALWAYS_HEALTHY;
    this.onError = deps.onError ?? (() => {});
    this.state = new SchedulerState(new SchedulerStore(deps.db), deps.clock, this.options, deps.newId ?? randomUUID);
  }

  /**
   * Migrates the scheduler's tables and loads its state. Does not start
   * the timer (`start`), so tests can drive `pass` by hand.
   *
   * @example
   * const scheduler = Scheduler.open({ db: openDatabase(":memory:"), clock: new VirtualClock(0) });
   */
  static open(deps: SchedulerDeps): Scheduler {
    return new Scheduler(deps);
  }

  /** Starts the pass timer and listens to host health. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.health.onChange(() => this.requestPass());
    this.arm();
  }

  /** Stops the timers and the health subscription. The database stays open (its owner closes it). */
  stop(): void {
    this.started = false;
    this.tick?.cancel();
    this.soon?.cancel();
    this.tick = this.soon = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private arm(): void {
    this.tick = this.clock.setTimer(this.clock.now() + this.options.passIntervalSeconds, () => {
      this.tick = undefined;
      if (!this.started) return;
      this.safePass();
      this.arm();
    });
  }

  private safePass(): void {
    try {
      this.pass();
    } catch (err) {
      this.onError(err);
    }
  }

  /** Runs a pass as soon as possible (at the current clock time), once however often it is asked. */
  requestPass(): void {
    if (!this.started || this.soon !== undefined) return;
    this.soon = this.clock.setTimer(this.clock.now(), () => {
      this.soon = undefined;
      if (this.started) this.safePass();
    });
  }

  /**
   * Submits a job (an untrusted spec, see `parseJobSpec`). A new uuid is
   * stored and queued (`created`); the same uuid with the same spec returns
   * the stored job (`existing`); the same uuid with another spec is a
   * `conflict`; a bad spec is `invalid` with the field named.
   *
   * @example
   * scheduler.submit({ uuid: "j1", user: "alice", command: "true", cpus: 1, mem: 64 }).status; // "created"
   * scheduler.submit({ uuid: "j1", user: "alice", command: "true", cpus: 1, mem: 64 }).status; // "existing"
   * scheduler.submit({ uuid: "j1", user: "bob", command: "true", cpus: 1, mem: 64 }).status;   // "conflict"
   */
  submit(raw: unknown): SubmitResult {
    const parsed = parseJobSpec(raw, randomUUID);
    if (!parsed.ok) return { status: "invalid", error: parsed.error };
    const spec = parsed.spec;
    const existing = this.state.jobs.get(spec.uuid) ?? this.state.store.getJob(spec.uuid);
    if (existing !== undefined) {
      if (specKey(existing) === specKey(spec)) return { status: "existing", job: existing };
      return { status: "conflict", job: existing, error: `job ${spec.uuid} exists with a different spec` };
    }
    const job = this.state.mutate(() => this.state.addJob(spec));
    this.requestPass();
    return { status: "created", job };
  }

  /**
   * Kills a job: `killed` (its task, if any, is killed at its agent's next
   * heartbeat; the job completes failed, "killed by user"), `completed`
   * (nothing to do), or `unknown`.
   *
   * @example
   * scheduler.kill("j1"); // "killed"
   */
  kill(uuid: string): KillOutcome {
    return this.state.mutate(() => this.state.killJob(uuid));
  }

  /**
   * A job and its tasks, or undefined.
   *
   * @example
   * scheduler.job("j1")?.tasks.map((t) => t.state); // ["failed", "running"]
   */
  job(uuid: string): JobDetail | undefined {
    const job = this.state.store.getJob(uuid);
    return job === undefined ? undefined : { ...job, tasks: this.state.store.tasksOfJob(uuid) };
  }

  /**
   * Jobs by user and state, newest first.
   *
   * @example
   * scheduler.jobs({ user: "alice", state: "waiting" });
   */
  jobs(query: JobQuery = {}): Job[] {
    return this.state.store.listJobs({ user: query.user, state: query.state, limit: query.limit ?? 100 });
  }

  private statusOf(host: string): HostStatus {
    try {
      return this.health.status(host);
    } catch (err) {
      this.onError(err);
      return UNREACHABLE_HEALTH;
    }
  }

  /**
   * Every host ever registered, sorted, with capacity, use and health.
   *
   * @example
   * scheduler.hosts()[0]; // { host: "web1", state: "alive", cpus: 8, used: { cpus: 2, mem: 1024 }, schedulable: true, reasons: [], ... }
   */
  hosts(): HostView[] {
    const out: HostView[] = [];
    for (const h of [...this.state.hosts.values()].sort((a, b) => (a.host < b.host ? -1 : 1))) {
      const status = this.statusOf(h.host);
      const lost = h.state === "lost";
      out.push({
        host: h.host,
        state: h.state,
        cpus: h.cpus,
        mem: h.mem,
        attributes: h.attributes,
        used: this.state.used(h.host),
        tasks: this.state.tasksOnHost.get(h.host)?.size ?? 0,
        schedulable: !lost && status.schedulable && status.draining === undefined,
        draining: status.draining,
        reasons: lost ? [`${REASON_AGENT_LOST}: no heartbeat since ${new Date(h.lastHeartbeat * 1000).toISOString()}`, ...status.reasons] : status.reasons,
        registeredAt: h.registeredAt,
        lastHeartbeat: h.lastHeartbeat,
      });
    }
    return out;
  }

  private shareOf = (user: string): Share => this.options.shares[user] ?? this.options.defaultShare;

  /**
   * The waiting jobs in the order the next pass considers them, and each
   * user's share and dominant share (users with live or waiting work).
   *
   * @example
   * scheduler.queue().jobs.map((j) => j.user); // ["bob", "alice", "bob"]
   */
  queue(): QueueView {
    const usage = this.state.usageByUser();
    const ranked = rankByDrf(this.state.waitingJobs(), usage, this.shareOf);
    const waiting = new Map<string, number>();
    for (const r of ranked) waiting.set(r.job.user, (waiting.get(r.job.user) ?? 0) + 1);
    const users = new Set([...usage.keys(), ...waiting.keys()]);
    const userViews = [...users].map((user): UserShareView => {
      const running = usage.get(user) ?? { cpus: 0, mem: 0 };
      const share = this.shareOf(user);
      return { user, share, running, dominantShare: dominantShare(running, share), waiting: waiting.get(user) ?? 0 };
    });
    userViews.sort((a, b) => a.dominantShare - b.dominantShare || (a.user < b.user ? -1 : 1));
    return {
      jobs: ranked.map((r, i) => ({ position: i + 1, uuid: r.job.uuid, user: r.job.user, name: r.job.name, cpus: r.job.cpus, mem: r.job.mem, priority: r.job.priority, submittedAt: r.job.submittedAt, dru: r.dru })),
      users: userViews,
    };
  }

  /**
   * One heartbeat of `host`'s agent (agents.ts). Throws a RangeError for an invalid host name.
   *
   * @example
   * scheduler.heartbeat("web1", { capacity: { cpus: 8, mem: 16384 }, running: [], finished: [] }); // { launch: [...], kill: [] }
   */
  heartbeat(host: string, request: HeartbeatRequest): HeartbeatResponse {
    if (!isValidHostName(host)) throw new RangeError(`invalid host name ${JSON.stringify(host)}`);
    return handleHeartbeat(this.state, host, request, this.clock.now());
  }

  /** Names of the alive hosts, sorted (`HostInventory`). */
  registeredHosts(): readonly string[] {
    const out: string[] = [];
    for (const h of this.state.hosts.values()) if (h.state === "alive") out.push(h.host);
    return out.sort();
  }

  /** True when `host` registered and is alive (`HostInventory`). */
  isRegistered(host: string): boolean {
    return this.state.hosts.get(host)?.state === "alive";
  }

  /**
   * One scheduling pass, in one transaction: lost hosts, launch timeouts,
   * drain deadlines, then DRF-ordered placement. Runs by itself on the
   * timer once started; tests call it directly.
   *
   * @example
   * scheduler.pass(); // { placed: 3, lostHosts: [], launchFailures: 0, drainKills: 0 }
   */
  pass(): PassResult {
    const state = this.state;
    const now = this.clock.now();
    return state.mutate(() => {
      const lostHosts: string[] = [];
      for (const h of [...state.hosts.values()]) {
        if (h.state !== "alive" || now - h.lastHeartbeat < this.options.heartbeatTimeoutSeconds) continue;
        state.putHost({ ...h, state: "lost" });
        state.zombies.delete(h.host);
        for (const t of state.liveTasksOn(h.host)) state.endTask(t, { state: "failed", reason: REASON_AGENT_LOST, meaCulpa: true });
        lostHosts.push(h.host);
      }
      let launchFailures = 0;
      for (const t of [...state.tasks.values()]) {
        if (t.state !== "pending" || now - t.placedAt < this.options.launchTimeoutSeconds) continue;
        state.endTask(t, { state: "failed", reason: `${REASON_LAUNCH_FAILURE}: not running after ${this.options.launchTimeoutSeconds} s`, meaCulpa: true });
        launchFailures++;
      }
      let drainKills = 0;
      const rooms: HostRoom[] = [];
      for (const h of state.hosts.values()) {
        if (h.state !== "alive") continue;
        const status = this.statusOf(h.host);
        if (status.draining !== undefined && status.draining.deadline <= now) {
          for (const t of state.liveTasksOn(h.host)) {
            state.endTask(t, { state: "killed", reason: REASON_DRAINED, meaCulpa: true, keepHost: true, stillRunning: true });
            drainKills++;
          }
        }
        if (!status.schedulable || status.draining !== undefined) continue;
        const used = state.used(h.host);
        rooms.push({ host: h.host, cpus: h.cpus - used.cpus, mem: h.mem - used.mem, capacityCpus: h.cpus, capacityMem: h.mem });
      }
      let placed = 0;
      if (rooms.length > 0) {
        const ranked = rankByDrf(state.waitingJobs(), state.usageByUser(), this.shareOf);
        const placements = placeJobs(
          ranked.map((r) => r.job),
          rooms,
          { maxJobsConsidered: this.options.maxJobsConsidered, avoid: (job, host) => state.failedHosts.get(job.uuid)?.has(host) ?? false },
        );
        for (const p of placements) state.placeTask(p.job, p.host);
        placed = placements.length;
      }
      return { placed, lostHosts, launchFailures, drainKills };
    });
  }
}
