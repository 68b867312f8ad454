/**
 * The scheduler's tables in the embedded SQLite store (scheduler_hosts,
 * scheduler_jobs, scheduler_tasks) and the statements that read and write
 * them. The scheduler writes through: every change is in the database,
 * inside a transaction, before it is acted on, so a restart (kill -9
 * included) finds exactly the last committed state. Completed jobs and
 * ended tasks are read from here on demand; only live ones are kept in
 * memory by the scheduler.
 */
import { migrate, type Db } from "../store/database.ts";
import type { Host, Job, JobOutcome, JobState, Task, TaskState } from "./model.ts";

const MIGRATIONS = [
  {
    version: 1,
    sql: `
      CREATE TABLE scheduler_hosts (
        host TEXT PRIMARY KEY,
        cpus REAL NOT NULL,
        mem REAL NOT NULL,
        attributes TEXT NOT NULL,
        state TEXT NOT NULL,
        registered_at REAL NOT NULL,
        last_heartbeat REAL NOT NULL
      );
      CREATE TABLE scheduler_jobs (
        uuid TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        user TEXT NOT NULL,
        name TEXT,
        command TEXT NOT NULL,
        env TEXT NOT NULL,
        cwd TEXT,
        cpus REAL NOT NULL,
        mem REAL NOT NULL,
        priority INTEGER NOT NULL,
        max_retries INTEGER NOT NULL,
        submitted_at REAL NOT NULL,
        state TEXT NOT NULL,
        outcome TEXT,
        reason TEXT,
        ended_at REAL,
        failures INTEGER NOT NULL DEFAULT 0,
        mea_culpa_failures INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX scheduler_jobs_by_state ON scheduler_jobs (state, seq);
      CREATE INDEX scheduler_jobs_by_user ON scheduler_jobs (user, state, seq);
      CREATE TABLE scheduler_tasks (
        id TEXT PRIMARY KEY,
        job_uuid TEXT NOT NULL REFERENCES scheduler_jobs (uuid),
        host TEXT NOT NULL,
        cpus REAL NOT NULL,
        mem REAL NOT NULL,
        state TEXT NOT NULL,
        exit_code INTEGER,
        reason TEXT,
        mea_culpa INTEGER NOT NULL DEFAULT 0,
        placed_at REAL NOT NULL,
        started_at REAL,
        ended_at REAL,
        stdout_tail TEXT,
        stderr_tail TEXT
      );
      CREATE INDEX scheduler_tasks_by_job ON scheduler_tasks (job_uuid, placed_at);
      CREATE INDEX scheduler_tasks_live ON scheduler_tasks (state) WHERE state IN ('pending', 'running');
    `,
  },
];

interface HostRow {
  host: string;
  cpus: number;
  mem: number;
  attributes: string;
  state: string;
  registered_at: number;
  last_heartbeat: number;
}

interface JobRow {
  uuid: string;
  seq: number;
  user: string;
  name: string | null;
  command: string;
  env: string;
  cwd: string | null;
  cpus: number;
  mem: number;
  priority: number;
  max_retries: number;
  submitted_at: number;
  state: string;
  outcome: string | null;
  reason: string | null;
  ended_at: number | null;
  failures: number;
  mea_culpa_failures: number;
}

interface TaskRow {
  id: string;
  job_uuid: string;
  host: string;
  cpus: number;
  mem: number;
  state: string;
  exit_code: number | null;
  reason: string | null;
  mea_culpa: number;
  placed_at: number;
  started_at: number | null;
  ended_at: number | null;
  stdout_tail: string | null;
  stderr_tail: string | null;
}

function opt<T>(v: T | null): T | undefined {
  return v === null ? undefined : v;
}

function hostOf(r: HostRow): Host {
  return { host: r.host, cpus: r.cpus, mem: r.mem, attributes: JSON.parse(r.attributes) as Record<string, string>, state: r.state === "lost" ? "lost" : "alive", registeredAt: r.registered_at, lastHeartbeat: r.last_heartbeat };
}

function jobOf(r: JobRow): Job {
  return {
    uuid: r.uuid,
    seq: r.seq,
    user: r.user,
    name: opt(r.name),
    command: r.command,
    env: JSON.parse(r.env) as Record<string, string>,
    cwd: opt(r.cwd),
    cpus: r.cpus,
    mem: r.mem,
    priority: r.priority,
    maxRetries: r.max_retries,
    submittedAt: r.submitted_at,
    state: r.state as JobState,
    outcome: opt(r.outcome) as JobOutcome | undefined,
    reason: opt(r.reason),
    endedAt: opt(r.ended_at),
    failures: r.failures,
    meaCulpaFailures: r.mea_culpa_failures,
  };
}

function taskOf(r: TaskRow): Task {
  return {
    id: r.id,
    jobUuid: r.job_uuid,
    host: r.host,
    cpus: r.cpus,
    mem: r.mem,
    state: r.state as TaskState,
    exitCode: opt(r.exit_code),
    reason: opt(r.reason),
    meaCulpa: r.mea_culpa !== 0,
    placedAt: r.placed_at,
    startedAt: opt(r.started_at),
    endedAt: opt(r.ended_at),
    stdoutTail: opt(r.stdout_tail),
    stderrTail: opt(r.stderr_tail),
  };
}

/** Filters of `SchedulerStore.listJobs`. */
export interface JobFilter {
  readonly user?: string | undefined;
  readonly state?: JobState | undefined;
  /** Most jobs returned, newest first. */
  readonly limit: number;
}

/**
 * The scheduler's tables, migrated on construction (part "scheduler").
 *
 * @example
 * const store = new SchedulerStore(openDatabase(":memory:"));
 * store.transaction(() => store.insertJob(job));
 * store.getJob(job.uuid); // job
 */
export class SchedulerStore {
  private readonly s;

  constructor(readonly db: Db) {
    migrate(db, "scheduler", MIGRATIONS);
    this.s = {
      hosts: db.prepare<[], HostRow>("SELECT * FROM scheduler_hosts ORDER BY host"),
      upsertHost: db.prepare(
        `INSERT INTO scheduler_hosts (host, cpus, mem, attributes, state, registered_at, last_heartbeat) VALUES (@host, @cpus, @mem, @attributes, @state, @registeredAt, @lastHeartbeat)
         ON CONFLICT(host) DO UPDATE SET cpus = excluded.cpus, mem = excluded.mem, attributes = excluded.attributes, state = excluded.state, last_heartbeat = excluded.last_heartbeat`,
      ),
      activeJobs: db.prepare<[], JobRow>("SELECT * FROM scheduler_jobs WHERE state != 'completed' ORDER BY seq"),
      job: db.prepare<[string], JobRow>("SELECT * FROM scheduler_jobs WHERE uuid = ?"),
      maxSeq: db.prepare<[], { seq: number | null }>("SELECT MAX(seq) AS seq FROM scheduler_jobs"),
      insertJob: db.prepare(
        `INSERT INTO scheduler_jobs (uuid, seq, user, name, command, env, cwd, cpus, mem, priority, max_retries, submitted_at, state, outcome, reason, ended_at, failures, mea_culpa_failures)
         VALUES (@uuid, @seq, @user, @name, @command, @env, @cwd, @cpus, @mem, @priority, @maxRetries, @submittedAt, @state, @outcome, @reason, @endedAt, @failures, @meaCulpaFailures)`,
      ),
      updateJob: db.prepare(
        "UPDATE scheduler_jobs SET state = @state, outcome = @outcome, reason = @reason, ended_at = @endedAt, failures = @failures, mea_culpa_failures = @meaCulpaFailures WHERE uuid = @uuid",
      ),
      liveTasks: db.prepare<[], TaskRow>("SELECT * FROM scheduler_tasks WHERE state IN ('pending', 'running') ORDER BY placed_at, id"),
      task: db.prepare<[string], TaskRow>("SELECT * FROM scheduler_tasks WHERE id = ?"),
      failedHosts: db.prepare<[], { job_uuid: string; host: string }>(
        "SELECT t.job_uuid, t.host FROM scheduler_tasks t JOIN scheduler_jobs j ON j.uuid = t.job_uuid WHERE j.state != 'completed' AND t.state = 'failed'",
      ),
      tasksOfJob: db.prepare<[string], TaskRow>("SELECT * FROM scheduler_tasks WHERE job_uuid = ? ORDER BY placed_at, id"),
      insertTask: db.prepare(
        `INSERT INTO scheduler_tasks (id, job_uuid, host, cpus, mem, state, exit_code, reason, mea_culpa, placed_at, started_at, ended_at, stdout_tail, stderr_tail)
         VALUES (@id, @jobUuid, @host, @cpus, @mem, @state, @exitCode, @reason, @meaCulpa, @placedAt, @startedAt, @endedAt, @stdoutTail, @stderrTail)`,
      ),
      updateTask: db.prepare(
        "UPDATE scheduler_tasks SET state = @state, exit_code = @exitCode, reason = @reason, mea_culpa = @meaCulpa, started_at = @startedAt, ended_at = @endedAt, stdout_tail = @stdoutTail, stderr_tail = @stderrTail WHERE id = @id",
      ),
    };
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return this.db.transaction(fn)();
  }

  hosts(): Host[] {
    return this.s.hosts.all().map(hostOf);
  }

  upsertHost(h: Host): void {
    this.s.upsertHost.run({ ...h, attributes: JSON.stringify(h.attributes) });
  }

  /** Waiting and running jobs, in submission order. */
  activeJobs(): Job[] {
    return this.s.activeJobs.all().map(jobOf);
  }

  getJob(uuid: string): Job | undefined {
    const row = this.s.job.get(uuid);
    return row === undefined ? undefined : jobOf(row);
  }

  /** The highest `seq` used so far (0 for none). */
  maxSeq(): number {
    return this.s.maxSeq.get()?.seq ?? 0;
  }

  /** Jobs matching `filter`, newest first. */
  listJobs(filter: JobFilter): Job[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.user !== undefined) {
      where.push("user = ?");
      params.push(filter.user);
    }
    if (filter.state !== undefined) {
      where.push("state = ?");
      params.push(filter.state);
    }
    params.push(filter.limit);
    const sql = `SELECT * FROM scheduler_jobs ${where.length > 0 ? "WHERE " + where.join(" AND ") : ""} ORDER BY seq DESC LIMIT ?`;
    return this.db
      .prepare<unknown[], JobRow>(sql)
      .all(...params)
      .map(jobOf);
  }

  insertJob(j: Job): void {
    this.s.insertJob.run(jobParams(j));
  }

  updateJob(j: Job): void {
    this.s.updateJob.run(jobParams(j));
  }

  /** Pending and running tasks. */
  liveTasks(): Task[] {
    return this.s.liveTasks.all().map(taskOf);
  }

  getTask(id: string): Task | undefined {
    const row = this.s.task.get(id);
    return row === undefined ? undefined : taskOf(row);
  }

  /** For each waiting or running job, the hosts where one of its tasks failed (placement avoids them). */
  failedHostsOfActiveJobs(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const r of this.s.failedHosts.all()) {
      const set = out.get(r.job_uuid);
      if (set === undefined) out.set(r.job_uuid, new Set([r.host]));
      else set.add(r.host);
    }
    return out;
  }

  /** Every task of a job, oldest first. */
  tasksOfJob(uuid: string): Task[] {
    return this.s.tasksOfJob.all(uuid).map(taskOf);
  }

  insertTask(t: Task): void {
    this.s.insertTask.run(taskParams(t));
  }

  updateTask(t: Task): void {
    this.s.updateTask.run(taskParams(t));
  }
}

function jobParams(j: Job): Record<string, unknown> {
  return {
    uuid: j.uuid,
    seq: j.seq,
    user: j.user,
    name: j.name ?? null,
    command: j.command,
    env: JSON.stringify(j.env),
    cwd: j.cwd ?? null,
    cpus: j.cpus,
    mem: j.mem,
    priority: j.priority,
    maxRetries: j.maxRetries,
    submittedAt: j.submittedAt,
    state: j.state,
    outcome: j.outcome ?? null,
    reason: j.reason ?? null,
    endedAt: j.endedAt ?? null,
    failures: j.failures,
    meaCulpaFailures: j.meaCulpaFailures,
  };
}

function taskParams(t: Task): Record<string, unknown> {
  return {
    id: t.id,
    jobUuid: t.jobUuid,
    host: t.host,
    cpus: t.cpus,
    mem: t.mem,
    state: t.state,
    exitCode: t.exitCode ?? null,
    reason: t.reason ?? null,
    meaCulpa: t.meaCulpa ? 1 : 0,
    placedAt: t.placedAt,
    startedAt: t.startedAt ?? null,
    endedAt: t.endedAt ?? null,
    stdoutTail: t.stdoutTail ?? null,
    stderrTail: t.stderrTail ?? null,
  };
}
