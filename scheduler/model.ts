/**
 * The scheduler's data model, after Cook's: a job is a user's request to
 * run a command with some cpus and memory; a task is one attempt at it on
 * one host; a host is a machine whose agent registered its capacity. This
 * file holds the types, the validation of a submitted job spec, the failure
 * reasons and the retry accounting that decides when a job has used up its
 * retries (host-caused "mea culpa" failures are free up to a limit).
 */

/**
 * A task's life: `pending` (placed on a host, not yet reported running by
 * its agent), `running`, then one of `finished` (exit 0), `failed` (non-zero
 * exit, signal, lost, launch failure) or `killed` (by a user, or by a drain).
 */
export type TaskState = "pending" | "running" | "finished" | "failed" | "killed";

/** A job's life: `waiting` (no live task), `running` (a task pending or running), `completed` (see `JobOutcome`). */
export type JobState = "waiting" | "running" | "completed";

/** How a completed job ended. A job killed by its user completed "failed" with reason `REASON_KILLED_BY_USER`. */
export type JobOutcome = "success" | "failed";

/** What a user submits, with defaults applied. */
export interface JobSpec {
  /** Chosen by the client (generated when absent); resubmitting the same uuid with the same spec is harmless. */
  readonly uuid: string;
  readonly user: string;
  /** Run with `sh -c`. */
  readonly command: string;
  /** Extra environment variables of the task. Default none. */
  readonly env: Readonly<Record<string, string>>;
  /** Absolute working directory; default the executor's work directory. */
  readonly cwd?: string | undefined;
  readonly cpus: number;
  /** MB. */
  readonly mem: number;
  /** 0..100, higher first; orders a user's own jobs only (across users DRF decides). Default 50. */
  readonly priority: number;
  /** How many times the job is run again after a failure that counts (so at most 1 + maxRetries counted attempts). Default 3. */
  readonly maxRetries: number;
  readonly name?: string | undefined;
}

/** A job as stored. */
export interface Job extends JobSpec {
  /** Submission order (1, 2, 3, ...): breaks ties between jobs submitted in the same second. */
  readonly seq: number;
  /** Unix seconds. */
  readonly submittedAt: number;
  readonly state: JobState;
  readonly outcome?: JobOutcome | undefined;
  /** Why a job completed failed (the last task's reason, or `REASON_KILLED_BY_USER`). */
  readonly reason?: string | undefined;
  readonly endedAt?: number | undefined;
  /** Failures that count against retries whatever happens (the user's or the command's fault). */
  readonly failures: number;
  /** Host-caused failures; only those beyond the mea-culpa limit count. */
  readonly meaCulpaFailures: number;
}

/** One attempt at a job on one host. */
export interface Task {
  readonly id: string;
  readonly jobUuid: string;
  readonly host: string;
  /** The job's cpus and MB, copied at placement: what the task holds on its host while live. */
  readonly cpus: number;
  readonly mem: number;
  readonly state: TaskState;
  /** Process exit code, when it exited on its own. */
  readonly exitCode?: number | undefined;
  readonly reason?: string | undefined;
  /** The host, not the job, caused the failure: it does not count against the job's retries (up to the limit). */
  readonly meaCulpa: boolean;
  /** Unix seconds: when the scheduler placed it. */
  readonly placedAt: number;
  /** When its agent first reported it running. */
  readonly startedAt?: number | undefined;
  readonly endedAt?: number | undefined;
  readonly stdoutTail?: string | undefined;
  readonly stderrTail?: string | undefined;
}

/** A host whose agent registered. */
export interface Host {
  readonly host: string;
  readonly cpus: number;
  /** MB. */
  readonly mem: number;
  readonly attributes: Readonly<Record<string, string>>;
  /** `lost` once its agent stopped heartbeating for the timeout; `alive` again at its next heartbeat. */
  readonly state: "alive" | "lost";
  readonly registeredAt: number;
  /** Unix seconds of the last heartbeat (after a scheduler restart: of the restart, a grace period). */
  readonly lastHeartbeat: number;
}

/** The task's host stopped heartbeating for the timeout (the host is lost). Mea culpa. */
export const REASON_AGENT_LOST = "agent lost";
/** The agent did not report the task running within the launch timeout, or could not start it. Mea culpa. */
export const REASON_LAUNCH_FAILURE = "launch failure";
/** Killed because its host's drain deadline passed. Mea culpa. */
export const REASON_DRAINED = "killed by host drain";
/** The agent stopped reporting a task it had been running (the agent restarted). Mea culpa. */
export const REASON_LOST_BY_AGENT = "lost by agent";
/** Killed through `DELETE /jobs/:uuid`: not mea culpa, the job completes. */
export const REASON_KILLED_BY_USER = "killed by user";
/** The job ran out of retries (prefix of the job's reason; the last task's reason follows). */
export const REASON_RETRIES_EXHAUSTED = "retries exhausted";

/**
 * Counted attempts, Cook's `attempts-consumed`: every non-mea-culpa failure
 * counts; mea-culpa failures count only beyond `meaCulpaLimit`.
 *
 * @example
 * attemptsConsumed(1, 12, 10); // 3
 */
export function attemptsConsumed(failures: number, meaCulpaFailures: number, meaCulpaLimit: number): number {
  return failures + Math.max(0, meaCulpaFailures - meaCulpaLimit);
}

/**
 * True when a job with these counts may not run again. Differs from Cook:
 * Cook's `max_retries` counts attempts (1 = run once); here `maxRetries`
 * counts re-runs, so a job runs at most `1 + maxRetries` counted times.
 *
 * @example
 * retriesExhausted({ maxRetries: 3, failures: 4, meaCulpaFailures: 0 }, 10); // true
 * retriesExhausted({ maxRetries: 3, failures: 3, meaCulpaFailures: 10 }, 10); // false
 */
export function retriesExhausted(job: Pick<Job, "maxRetries" | "failures" | "meaCulpaFailures">, meaCulpaLimit: number): boolean {
  return attemptsConsumed(job.failures, job.meaCulpaFailures, meaCulpaLimit) > job.maxRetries;
}

/** Limits on a job spec. */
export const JOB_LIMITS = Object.freeze({ maxCommandLength: 65_536, maxEnvEntries: 256, maxEnvValueLength: 8192, maxNameLength: 255, maxPriority: 100, maxRetries: 1000 });

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const USER_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;
const ENV_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/;
const SPEC_FIELDS: ReadonlySet<string> = new Set(["uuid", "user", "command", "env", "cwd", "cpus", "mem", "priority", "maxRetries", "name"]);

/** The outcome of `parseJobSpec`: the spec, or an error sentence naming the field. */
export type ParsedJobSpec = { readonly ok: true; readonly spec: JobSpec } | { readonly ok: false; readonly error: string };

function show(v: unknown): string {
  return typeof v === "string" ? `"${v.length > 40 ? v.slice(0, 40) + "…" : v}"` : (JSON.stringify(v) ?? String(v));
}

/**
 * Validates an untrusted job spec (a `POST /jobs` body) and applies the
 * defaults (`env` {}, `priority` 50, `maxRetries` 3, `uuid` from
 * `newUuid`). Never throws: a bad spec comes back as `{ok: false, error}`
 * with the field named. Unknown fields are errors (a misspelt `max_retries`
 * must not be silently ignored).
 *
 * @example
 * parseJobSpec({ user: "alice", command: "echo hi", cpus: 1, mem: 128 }, () => "j1");
 * // { ok: true, spec: { uuid: "j1", user: "alice", command: "echo hi", env: {}, cpus: 1, mem: 128, priority: 50, maxRetries: 3 } }
 * parseJobSpec({ user: "alice", command: "x", cpus: 0, mem: 1 }, () => "j1");
 * // { ok: false, error: "cpus must be a positive number, got 0" }
 */
export function parseJobSpec(raw: unknown, newUuid: () => string): ParsedJobSpec {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, error: `a job must be a JSON object, got ${show(raw)}` };
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) if (!SPEC_FIELDS.has(key)) return { ok: false, error: `${key} is not a job field (known: ${[...SPEC_FIELDS].join(", ")})` };
  const fail = (error: string): ParsedJobSpec => ({ ok: false, error });
  const uuid = r.uuid ?? newUuid();
  if (typeof uuid !== "string" || !ID_PATTERN.test(uuid)) return fail(`uuid must be 1-128 letters, digits, ".", "_" or "-", got ${show(uuid)}`);
  if (typeof r.user !== "string" || !USER_PATTERN.test(r.user)) return fail(`user must be 1-64 letters, digits, ".", "_" or "-", got ${show(r.user)}`);
  if (typeof r.command !== "string" || r.command.trim().length === 0) return fail(`command must be a non-empty string, got ${show(r.command)}`);
  if (r.command.length > JOB_LIMITS.maxCommandLength) return fail(`command must be at most ${JOB_LIMITS.maxCommandLength} characters, got ${r.command.length}`);
  const env: Record<string, string> = {};
  if (r.env !== undefined) {
    if (typeof r.env !== "object" || r.env === null || Array.isArray(r.env)) return fail(`env must be an object of strings, got ${show(r.env)}`);
    const entries = Object.entries(r.env as Record<string, unknown>);
    if (entries.length > JOB_LIMITS.maxEnvEntries) return fail(`env must have at most ${JOB_LIMITS.maxEnvEntries} variables, got ${entries.length}`);
    for (const [k, v] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!ENV_KEY_PATTERN.test(k)) return fail(`env key ${show(k)} is not a valid variable name`);
      if (typeof v !== "string" || v.length > JOB_LIMITS.maxEnvValueLength) return fail(`env.${k} must be a string of at most ${JOB_LIMITS.maxEnvValueLength} characters, got ${show(v)}`);
      env[k] = v;
    }
  }
  if (r.cwd !== undefined && (typeof r.cwd !== "string" || !r.cwd.startsWith("/") || r.cwd.length > 4096)) return fail(`cwd must be an absolute path, got ${show(r.cwd)}`);
  if (typeof r.cpus !== "number" || !Number.isFinite(r.cpus) || r.cpus <= 0) return fail(`cpus must be a positive number, got ${show(r.cpus)}`);
  if (typeof r.mem !== "number" || !Number.isFinite(r.mem) || r.mem <= 0) return fail(`mem must be a positive number of MB, got ${show(r.mem)}`);
  const priority = r.priority ?? 50;
  if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 0 || priority > JOB_LIMITS.maxPriority) return fail(`priority must be an integer from 0 to ${JOB_LIMITS.maxPriority}, got ${show(priority)}`);
  const maxRetries = r.maxRetries ?? 3;
  if (typeof maxRetries !== "number" || !Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > JOB_LIMITS.maxRetries) return fail(`maxRetries must be an integer from 0 to ${JOB_LIMITS.maxRetries}, got ${show(maxRetries)}`);
  if (r.name !== undefined && (typeof r.name !== "string" || r.name.length > JOB_LIMITS.maxNameLength)) return fail(`name must be a string of at most ${JOB_LIMITS.maxNameLength} characters, got ${show(r.name)}`);
  const spec: JobSpec = { uuid, user: r.user, command: r.command, env, cpus: r.cpus, mem: r.mem, priority, maxRetries };
  return { ok: true, spec: { ...spec, ...(r.cwd !== undefined ? { cwd: r.cwd } : {}), ...(r.name !== undefined ? { name: r.name } : {}) } };
}

/**
 * A canonical text of everything in a spec but its uuid: two submissions
 * with the same uuid are the same job when their keys are equal.
 *
 * @example
 * specKey(a) === specKey(b); // same job, the resubmission answers 200
 */
export function specKey(spec: JobSpec): string {
  const env = Object.keys(spec.env)
    .sort()
    .map((k) => [k, spec.env[k]]);
  return JSON.stringify([spec.user, spec.command, env, spec.cwd ?? null, spec.cpus, spec.mem, spec.priority, spec.maxRetries, spec.name ?? null]);
}
