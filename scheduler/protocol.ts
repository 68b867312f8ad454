/**
 * The agent protocol: what the agent on each host and the scheduler say to
 * each other. One exchange, repeated every few seconds: the agent's
 * heartbeat carries its capacity, the tasks it is running and the tasks that
 * ended since it was last acknowledged; the answer carries the tasks to
 * launch and the tasks to kill. Every message is idempotent, so a lost
 * request or answer is repaired by the next exchange: the scheduler resends
 * a launch until the agent reports the task, and the agent resends a result
 * until a heartbeat carrying it is answered. Over HTTP it is
 * `POST /api/v1/agents/:host/heartbeat`; in-process it is a function call
 * (`SchedulerClient`).
 */

/** A task that ended on the agent. */
export interface FinishedReport {
  readonly taskId: string;
  /** Exit code; null when the process died of a signal or never started. */
  readonly exitCode: number | null;
  /** Why it ended when not exit 0, e.g. "exit 3", "signal SIGKILL", "launch failure: spawn sh ENOENT". */
  readonly reason?: string | undefined;
  /** True when the host, not the job, is to blame (the agent could not start it): the failure does not count against retries. */
  readonly meaCulpa?: boolean | undefined;
  readonly stdoutTail?: string | undefined;
  readonly stderrTail?: string | undefined;
}

/** One heartbeat from the agent of a host. */
export interface HeartbeatRequest {
  /** What the host offers to tasks: cpus and MB of memory. */
  readonly capacity: { readonly cpus: number; readonly mem: number };
  readonly attributes?: Readonly<Record<string, string>> | undefined;
  /** Ids of the tasks running on the host now. */
  readonly running: readonly string[];
  /** Tasks that ended and whose report has not been acknowledged yet. */
  readonly finished: readonly FinishedReport[];
}

/** An order to start a task. */
export interface LaunchOrder {
  readonly taskId: string;
  readonly jobUuid: string;
  readonly user: string;
  /** Run with `sh -c`. */
  readonly command: string;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string | undefined;
  readonly cpus: number;
  readonly mem: number;
}

/** The scheduler's answer to a heartbeat. */
export interface HeartbeatResponse {
  /** Tasks to start (idempotent: a task the agent already knows is ignored). */
  readonly launch: readonly LaunchOrder[];
  /** Ids of tasks to kill (ones the scheduler no longer wants running). */
  readonly kill: readonly string[];
}

/**
 * How an agent reaches the scheduler: over HTTP (`httpSchedulerClient` in
 * collector/executor) or in-process (`inProcessSchedulerClient`).
 *
 * @example
 * const answer = await client.heartbeat("web1", { capacity: { cpus: 8, mem: 16384 }, running: [], finished: [] });
 */
export interface SchedulerClient {
  heartbeat(host: string, request: HeartbeatRequest): Promise<HeartbeatResponse>;
}

/** Limits on a heartbeat. */
export const PROTOCOL_LIMITS = Object.freeze({ maxTasks: 10_000, maxTailChars: 65_536, maxReasonChars: 1024, maxAttributes: 64, maxAttributeChars: 1024 });

const HOST_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$/;
const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/;

/**
 * True when `host` is a valid host name for the protocol (letters, digits, ".", "_", ":", "-"; at most 253).
 *
 * @example
 * isValidHostName("web1.example.com"); // true
 */
export function isValidHostName(host: string): boolean {
  return HOST_PATTERN.test(host);
}

/** The outcome of `parseHeartbeat`. */
export type ParsedHeartbeat = { readonly ok: true; readonly request: HeartbeatRequest } | { readonly ok: false; readonly error: string };

function tail(v: unknown, field: string): string | undefined | Error {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") return new Error(`${field} must be a string`);
  return v.length > PROTOCOL_LIMITS.maxTailChars ? v.slice(v.length - PROTOCOL_LIMITS.maxTailChars) : v;
}

/**
 * Validates an untrusted heartbeat body. Never throws; errors name the
 * field. Tails longer than the limit are cut to their last characters.
 *
 * @example
 * parseHeartbeat({ capacity: { cpus: 4, mem: 8192 }, running: [], finished: [] }).ok; // true
 * parseHeartbeat({ capacity: { cpus: -1, mem: 8192 } }); // { ok: false, error: "capacity.cpus must be a positive number, got -1" }
 */
export function parseHeartbeat(raw: unknown): ParsedHeartbeat {
  const fail = (error: string): ParsedHeartbeat => ({ ok: false, error });
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return fail("a heartbeat must be a JSON object");
  const r = raw as Record<string, unknown>;
  const cap = r.capacity as Record<string, unknown> | undefined;
  if (typeof cap !== "object" || cap === null) return fail("capacity must be an object {cpus, mem}");
  if (typeof cap.cpus !== "number" || !Number.isFinite(cap.cpus) || cap.cpus <= 0) return fail(`capacity.cpus must be a positive number, got ${JSON.stringify(cap.cpus)}`);
  if (typeof cap.mem !== "number" || !Number.isFinite(cap.mem) || cap.mem <= 0) return fail(`capacity.mem must be a positive number of MB, got ${JSON.stringify(cap.mem)}`);
  const attributes: Record<string, string> = {};
  if (r.attributes !== undefined) {
    if (typeof r.attributes !== "object" || r.attributes === null || Array.isArray(r.attributes)) return fail("attributes must be an object of strings");
    const entries = Object.entries(r.attributes as Record<string, unknown>);
    if (entries.length > PROTOCOL_LIMITS.maxAttributes) return fail(`attributes must have at most ${PROTOCOL_LIMITS.maxAttributes} entries`);
    for (const [k, v] of entries) {
      if (typeof v !== "string" || k.length > PROTOCOL_LIMITS.maxAttributeChars || v.length > PROTOCOL_LIMITS.maxAttributeChars) return fail(`attributes.${k} must be a string of at most ${PROTOCOL_LIMITS.maxAttributeChars} characters`);
      attributes[k] = v;
    }
  }
  const running = r.running ?? [];
  if (!Array.isArray(running) || running.length > PROTOCOL_LIMITS.maxTasks) return fail(`running must be an array of at most ${PROTOCOL_LIMITS.maxTasks} task ids`);
  for (const [i, id] of running.entries()) if (typeof id !== "string" || !TASK_ID_PATTERN.test(id)) return fail(`running[${i}] must be a task id, got ${JSON.stringify(id)}`);
  const rawFinished = r.finished ?? [];
  if (!Array.isArray(rawFinished) || rawFinished.length > PROTOCOL_LIMITS.maxTasks) return fail(`finished must be an array of at most ${PROTOCOL_LIMITS.maxTasks} reports`);
  const finished: FinishedReport[] = [];
  for (const [i, f] of (rawFinished as unknown[]).entries()) {
    const at = `finished[${i}]`;
    if (typeof f !== "object" || f === null) return fail(`${at} must be an object {taskId, exitCode}`);
    const x = f as Record<string, unknown>;
    if (typeof x.taskId !== "string" || !TASK_ID_PATTERN.test(x.taskId)) return fail(`${at}.taskId must be a task id, got ${JSON.stringify(x.taskId)}`);
    const exitCode = x.exitCode ?? null;
    if (exitCode !== null && (typeof exitCode !== "number" || !Number.isInteger(exitCode))) return fail(`${at}.exitCode must be an integer or null, got ${JSON.stringify(exitCode)}`);
    if (x.reason !== undefined && (typeof x.reason !== "string" || x.reason.length > PROTOCOL_LIMITS.maxReasonChars)) return fail(`${at}.reason must be a string of at most ${PROTOCOL_LIMITS.maxReasonChars} characters`);
    if (x.meaCulpa !== undefined && typeof x.meaCulpa !== "boolean") return fail(`${at}.meaCulpa must be a boolean`);
    const stdoutTail = tail(x.stdoutTail, `${at}.stdoutTail`);
    if (stdoutTail instanceof Error) return fail(stdoutTail.message);
    const stderrTail = tail(x.stderrTail, `${at}.stderrTail`);
    if (stderrTail instanceof Error) return fail(stderrTail.message);
    finished.push({ taskId: x.taskId, exitCode, reason: x.reason, meaCulpa: x.meaCulpa, stdoutTail, stderrTail });
  }
  return { ok: true, request: { capacity: { cpus: cap.cpus, mem: cap.mem }, attributes, running: running as string[], finished } };
}
