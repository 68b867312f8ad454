/**
 * The scheduler's live state: hosts, waiting and running jobs, live tasks,
 * mirrored in memory over the SQLite tables (store.ts). Every change goes
 * through a mutator here, which writes the row first and then updates the
 * mirror; callers group mutators in `mutate`, one transaction, and a failed
 * transaction reloads the mirror from the database, so memory never holds
 * what the database does not. Job and task life-cycle rules live here: how
 * a task's end moves its job (completed, or waiting again) and what counts
 * against the job's retries.
 */
import type { Clock } from "../streams/clock.ts";
import type { Usage } from "./drf.ts";
import { REASON_KILLED_BY_USER, REASON_RETRIES_EXHAUSTED, retriesExhausted, type Host, type Job, type JobSpec, type Task, type TaskState } from "./model.ts";
import type { SchedulerOptions } from "./options.ts";
import type { SchedulerStore } from "./store.ts";

/** How a task ended. */
export interface TaskEnd {
  readonly state: Exclude<TaskState, "pending" | "running">;
  readonly reason?: string | undefined;
  readonly exitCode?: number | undefined;
  /** The host's fault: counts against the job's mea-culpa allowance, not its retries. */
  readonly meaCulpa: boolean;
  /** Do not steer the job away from this host for its next attempt (a drain, a user kill). */
  readonly keepHost?: boolean;
  /** The process may still run on the host (a kill is on its way): what it holds stays counted until its agent stops reporting it. */
  readonly stillRunning?: boolean;
  readonly stdoutTail?: string | undefined;
  readonly stderrTail?: string | undefined;
}

/** What `killJob` did. */
export type KillOutcome = "killed" | "completed" | "unknown";

/**
 * Live scheduler state over a `SchedulerStore`; see the file header.
 *
 * @example
 * const state = new SchedulerState(store, clock, options, randomUUID);
 * state.mutate(() => state.addJob(spec));
 */
export class SchedulerState {
  /** Every host ever registered, alive or lost. */
  readonly hosts = new Map<string, Host>();
  /** Waiting and running jobs. */
  readonly jobs = new Map<string, Job>();
  /** Pending and running tasks. */
  readonly tasks = new Map<string, Task>();
  /** Job uuid → its live task's id. */
  readonly liveTaskOfJob = new Map<string, string>();
  /** Host → ids of its live tasks. */
  readonly tasksOnHost = new Map<string, Set<string>>();
  /** Job uuid → hosts where one of its tasks failed. */
  failedHosts = new Map<string, Set<string>>();
  /** Host → tasks its agent reported running that are no longer live (they are being killed), with what they still hold. */
  readonly zombies = new Map<string, Map<string, Usage>>();
  private seq = 0;

  constructor(
    readonly store: SchedulerStore,
    private readonly clock: Clock,
    private readonly options: SchedulerOptions,
    private readonly newId: () => string,
  ) {
    this.load();
  }

  /**
   * (Re)builds the mirror from the database. Alive hosts get a fresh
   * heartbeat time: after a restart, every agent has a full timeout to
   * check in before its host is declared lost.
   */
  load(): void {
    const now = this.clock.now();
    this.hosts.clear();
    this.jobs.clear();
    this.tasks.clear();
    this.liveTaskOfJob.clear();
    this.tasksOnHost.clear();
    this.zombies.clear();
    for (const h of this.store.hosts()) this.hosts.set(h.host, h.state === "alive" ? { ...h, lastHeartbeat: Math.max(h.lastHeartbeat, now) } : h);
    for (const j of this.store.activeJobs()) this.jobs.set(j.uuid, j);
    for (const t of this.store.liveTasks()) this.indexTask(t);
    this.failedHosts = this.store.failedHostsOfActiveJobs();
    this.seq = this.store.maxSeq();
  }

  /** Runs `fn` in one transaction; when it throws, the mirror is reloaded from the database and the error rethrown. */
  mutate<T>(fn: () => T): T {
    try {
      return this.store.transaction(fn);
    } catch (err) {
      this.load();
      throw err;
    }
  }

  private indexTask(t: Task): void {
    this.tasks.set(t.id, t);
    this.liveTaskOfJob.set(t.jobUuid, t.id);
    let set = this.tasksOnHost.get(t.host);
    if (set === undefined) this.tasksOnHost.set(t.host, (set = new Set()));
    set.add(t.id);
  }

  private unindexTask(t: Task): void {
    this.tasks.delete(t.id);
    if (this.liveTaskOfJob.get(t.jobUuid) === t.id) this.liveTaskOfJob.delete(t.jobUuid);
    this.tasksOnHost.get(t.host)?.delete(t.id);
  }

  /** Live tasks on `host`. */
  liveTasksOn(host: string): Task[] {
    const ids = this.tasksOnHost.get(host);
    if (ids === undefined) return [];
    const out: Task[] = [];
    for (const id of ids) out.push(this.tasks.get(id)!);
    return out;
  }

  /** What live and dying tasks hold on `host`. */
  used(host: string): Usage {
    let cpus = 0;
    let mem = 0;
    for (const t of this.liveTasksOn(host)) {
      cpus += t.cpus;
      mem += t.mem;
    }
    for (const z of this.zombies.get(host)?.values() ?? []) {
      cpus += z.cpus;
      mem += z.mem;
    }
    return { cpus, mem };
  }

  /** Per user: what their live tasks hold. */
  usageByUser(): Map<string, Usage> {
    const out = new Map<string, { cpus: number; mem: number }>();
    for (const t of this.tasks.values()) {
      const user = this.jobs.get(t.jobUuid)?.user;
      if (user === undefined) continue;
      const u = out.get(user);
      if (u === undefined) out.set(user, { cpus: t.cpus, mem: t.mem });
      else {
        u.cpus += t.cpus;
        u.mem += t.mem;
      }
    }
    return out;
  }

  /** Jobs waiting for a host. */
  waitingJobs(): Job[] {
    const out: Job[] = [];
    for (const j of this.jobs.values()) if (j.state === "waiting") out.push(j);
    return out;
  }

  /** Writes a host (new, changed, lost or back). */
  putHost(h: Host): void {
    this.store.upsertHost(h);
    this.hosts.set(h.host, h);
  }

  /** Records a heartbeat's time without a write (heartbeat times are not persisted; see `load`). */
  touchHost(host: string, now: number): void {
    const h = this.hosts.get(host);
    if (h !== undefined) this.hosts.set(host, { ...h, lastHeartbeat: now });
  }

  /** Stores a new waiting job. */
  addJob(spec: JobSpec): Job {
    const job: Job = { ...spec, seq: this.seq + 1, submittedAt: this.clock.now(), state: "waiting", failures: 0, meaCulpaFailures: 0 };
    this.store.insertJob(job);
    this.seq = job.seq;
    this.jobs.set(job.uuid, job);
    return job;
  }

  private putJob(job: Job): void {
    this.store.updateJob(job);
    if (job.state === "completed") {
      this.jobs.delete(job.uuid);
      this.failedHosts.delete(job.uuid);
    } else this.jobs.set(job.uuid, job);
  }

  /** Places a waiting job on `host`: a new pending task, the job running. */
  placeTask(job: Job, host: string): Task {
    const task: Task = { id: this.newId(), jobUuid: job.uuid, host, cpus: job.cpus, mem: job.mem, state: "pending", meaCulpa: false, placedAt: this.clock.now() };
    this.store.insertTask(task);
    this.indexTask(task);
    this.putJob({ ...job, state: "running" });
    return task;
  }

  /** The agent reported a pending task running. */
  startTask(task: Task): void {
    const started: Task = { ...task, state: "running", startedAt: this.clock.now() };
    this.store.updateTask(started);
    this.tasks.set(task.id, started);
  }

  /**
   * Ends a live task and moves its job: exit 0 completes it "success"; any
   * other end sends it back to waiting, or completes it "failed" when the
   * failure used up its retries (mea-culpa failures are free up to
   * `meaCulpaLimit`).
   */
  endTask(task: Task, end: TaskEnd): void {
    const ended: Task = {
      ...task,
      state: end.state,
      reason: end.reason,
      exitCode: end.exitCode,
      meaCulpa: end.meaCulpa,
      endedAt: this.clock.now(),
      stdoutTail: end.stdoutTail ?? task.stdoutTail,
      stderrTail: end.stderrTail ?? task.stderrTail,
    };
    this.store.updateTask(ended);
    this.unindexTask(task);
    if (end.stillRunning === true && task.state === "running") this.addZombie(task.host, task);
    const job = this.jobs.get(task.jobUuid);
    if (job === undefined) return;
    if (end.state === "finished") {
      this.putJob({ ...job, state: "completed", outcome: "success", reason: undefined, endedAt: ended.endedAt });
      return;
    }
    if (end.state === "failed" && !end.keepHost) {
      let hosts = this.failedHosts.get(job.uuid);
      if (hosts === undefined) this.failedHosts.set(job.uuid, (hosts = new Set()));
      hosts.add(task.host);
    }
    const counted = end.meaCulpa ? { ...job, meaCulpaFailures: job.meaCulpaFailures + 1 } : { ...job, failures: job.failures + 1 };
    if (retriesExhausted(counted, this.options.meaCulpaLimit)) {
      this.putJob({ ...counted, state: "completed", outcome: "failed", reason: `${REASON_RETRIES_EXHAUSTED}: ${end.reason ?? "failed"}`, endedAt: ended.endedAt });
    } else {
      this.putJob({ ...counted, state: "waiting" });
    }
  }

  /** Records what an agent reports about a task that already ended here (a killed task's output). */
  annotateEndedTask(task: Task, exitCode: number | undefined, stdoutTail: string | undefined, stderrTail: string | undefined): void {
    const updated: Task = { ...task, exitCode: task.exitCode ?? exitCode, stdoutTail: task.stdoutTail ?? stdoutTail, stderrTail: task.stderrTail ?? stderrTail };
    this.store.updateTask(updated);
  }

  /**
   * Kills a job for its user: a live task is marked killed (its agent gets
   * the kill at its next heartbeat) and the job completes "failed" with
   * reason `REASON_KILLED_BY_USER`. A completed job is left as it is.
   */
  killJob(uuid: string): KillOutcome {
    const job = this.jobs.get(uuid);
    if (job === undefined) return this.store.getJob(uuid) === undefined ? "unknown" : "completed";
    const now = this.clock.now();
    const taskId = this.liveTaskOfJob.get(uuid);
    if (taskId !== undefined) {
      const task = this.tasks.get(taskId)!;
      const killed: Task = { ...task, state: "killed", reason: REASON_KILLED_BY_USER, endedAt: now };
      this.store.updateTask(killed);
      this.unindexTask(task);
      if (task.state === "running") this.addZombie(task.host, task);
    }
    this.putJob({ ...job, state: "completed", outcome: "failed", reason: REASON_KILLED_BY_USER, endedAt: now });
    return "killed";
  }

  /** Counts a no-longer-live task's resources on `host` until its agent's next heartbeat says otherwise. */
  addZombie(host: string, usage: Usage & { readonly id: string }): void {
    let map = this.zombies.get(host);
    if (map === undefined) this.zombies.set(host, (map = new Map<string, Usage>()));
    map.set(usage.id, { cpus: usage.cpus, mem: usage.mem });
  }
}
