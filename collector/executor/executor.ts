/**
 * The task executor of a host: starts the tasks the scheduler placed here
 * as child processes, kills them when told, and keeps each ended task's
 * result until the scheduler acknowledged it (the heartbeat protocol's
 * outbox). Every task also produces task events for the rules, one
 * "task started" and then one "task finished" or "task failed"
 * (rules/builtin/services.ts), which the task black-hole rule counts.
 */
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import type { EventPublisher, BusTopic } from "../../bus/bus.ts";
import { TASK_FAILED, TASK_FINISHED, TASK_ID_ATTRIBUTE, TASK_STARTED } from "../../rules/builtin/services.ts";
import { makeEvent, type Event } from "../../streams/event.ts";
import type { Clock } from "../../streams/clock.ts";
import type { FinishedReport, LaunchOrder } from "../../scheduler/protocol.ts";
import { EXECUTOR_DEFAULTS } from "./options.ts";
import { startTaskProcess, type TaskExit, type TaskProcess } from "./task-process.ts";

/** Where task events go: a bus (`EventPublisher`) or anything with its `publish`. */
export type TaskEventPublisher = Pick<EventPublisher, "publish">;

/** Settings of an `Executor`. */
export interface ExecutorOptions {
  /** This host's name: the `host` of every task event. */
  readonly host: string;
  readonly clock: Clock;
  readonly publish: TaskEventPublisher;
  /** Bus topic of task events. Default "tasks". */
  readonly topic?: BusTopic;
  /** Seconds between SIGTERM and SIGKILL when killing a task. Default 10. */
  readonly killGraceSeconds?: number;
  /** Bytes kept of each task's stdout and of its stderr (the end). Default 65,536. */
  readonly tailBytes?: number;
  /** Working directory of tasks that name none. Default the OS temp directory. */
  readonly workDir?: string;
  /**
   * Environment every task starts from, before the job's own variables and
   * SATELLITE_TASK_ID, SATELLITE_JOB_UUID, SATELLITE_USER. Default PATH,
   * HOME, LANG and TZ of the agent (when set); the agent's other variables,
   * its secrets among them, are not passed on.
   */
  readonly baseEnv?: Readonly<Record<string, string>>;
  /** Called when a task ends (the agent loop then reports it without waiting for the next beat). */
  readonly onTaskEnded?: (report: FinishedReport) => void;
  /** Called with each chunk of a task's output. */
  readonly onOutput?: (taskId: string, stream: "stdout" | "stderr", chunk: Buffer) => void;
  /** Called with errors of publishing events. Default: a line on stderr. */
  readonly onError?: (err: unknown) => void;
}


/** The ttl of task events, seconds (services.ts). */
export const TASK_EVENT_TTL = 600;

/** What `taskEvent` builds one task event from. */
export interface TaskEventSpec {
  /** The host running the task. */
  readonly host: string;
  /** `TASK_STARTED`, `TASK_FINISHED` or `TASK_FAILED`. */
  readonly service: string;
  readonly order: Pick<LaunchOrder, "taskId" | "jobUuid" | "user">;
  readonly time: number;
  /** "ok" for started and finished, "critical" for failed. */
  readonly state: string;
  /** Run time in seconds (finished), the exit code (failed), none (started). */
  readonly metric?: number | undefined;
  /** The ended task's report (failed): its exit code and reason become attributes, the reason the description. */
  readonly report?: FinishedReport | undefined;
}

/**
 * One task event as the executor publishes it (services.ts): attributes
 * `task_id`, `job_uuid`, `user`, and for a failure `exit_code` and
 * `reason`; ttl `TASK_EVENT_TTL`. The fleet simulator builds its task
 * events with this too, so they have the same shape.
 *
 * @example
 * taskEvent({ host: "web1", service: TASK_FAILED, order, time: 1700000000, state: "critical", metric: 1, report: { taskId: "t1", exitCode: 1, reason: "exit 1" } });
 * // { host: "web1", service: "task failed", state: "critical", metric: 1, description: "exit 1", attributes: { task_id: "t1", job_uuid: "j1", user: "alice", exit_code: "1", reason: "exit 1" }, ttl: 600, ... }
 */
export function taskEvent(spec: TaskEventSpec): Event {
  const { order, report } = spec;
  const attributes: Record<string, string> = { [TASK_ID_ATTRIBUTE]: order.taskId, job_uuid: order.jobUuid, user: order.user };
  if (report?.exitCode !== undefined && report.exitCode !== null) attributes.exit_code = String(report.exitCode);
  if (report?.reason !== undefined) attributes.reason = report.reason;
  return makeEvent({ host: spec.host, service: spec.service, time: spec.time, state: spec.state, metric: spec.metric, description: report?.reason, ttl: TASK_EVENT_TTL, attributes });
}

/** Ended tasks remembered after their report was acknowledged, so a repeated launch order is not run twice. */
const REMEMBERED_DONE = 10_000;

interface RunningTask {
  readonly order: LaunchOrder;
  readonly process: TaskProcess;
  readonly startedAt: number;
  readonly ended: Promise<FinishedReport>;
}

function defaultBaseEnv(): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin" };
  for (const k of ["HOME", "LANG", "TZ"]) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

/**
 * Runs tasks on this host; see the file header.
 *
 * @example
 * const executor = new Executor({ host: "web1", clock, publish: bus });
 * executor.launch({ taskId: "t1", jobUuid: "j1", user: "alice", command: "make test", env: {}, cpus: 1, mem: 512 });
 * const report = await executor.wait("t1"); // { taskId: "t1", exitCode: 0, stdoutTail: "...", ... }
 */
export class Executor {
  private readonly running = new Map<string, RunningTask>();
  private readonly unacknowledged = new Map<string, FinishedReport>();
  private readonly done = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private readonly killGraceSeconds: number;
  private readonly tailBytes: number;
  private readonly workDir: string;
  private readonly baseEnv: Readonly<Record<string, string>>;
  private readonly onError: (err: unknown) => void;

  constructor(private readonly options: ExecutorOptions) {
    this.killGraceSeconds = options.killGraceSeconds ?? EXECUTOR_DEFAULTS.killGraceSeconds;
    this.tailBytes = options.tailBytes ?? EXECUTOR_DEFAULTS.tailBytes;
    if (!(this.killGraceSeconds >= 0)) throw new RangeError(`executor.killGraceSeconds must be a non-negative number, got ${this.killGraceSeconds}`);
    if (!Number.isInteger(this.tailBytes) || this.tailBytes <= 0) throw new RangeError(`executor.tailBytes must be a positive integer, got ${this.tailBytes}`);
    this.workDir = options.workDir ?? tmpdir();
    this.baseEnv = options.baseEnv ?? defaultBaseEnv();
    this.onError = options.onError ?? ((err) => process.stderr.write(`executor: ${err instanceof Error ? err.message : String(err)}\n`));
  }

  /** True when the task is running here, or ended here (reported or not). */
  knows(taskId: string): boolean {
    return this.running.has(taskId) || this.unacknowledged.has(taskId) || this.done.has(taskId);
  }

  /** Ids of the tasks running now (those being killed included). */
  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** Results not acknowledged by the scheduler yet, oldest first. */
  pendingReports(): FinishedReport[] {
    return [...this.unacknowledged.values()];
  }

  /** Forgets results the scheduler has acknowledged (a heartbeat carrying them was answered). */
  acknowledge(reports: readonly FinishedReport[]): void {
    for (const r of reports) {
      if (!this.unacknowledged.delete(r.taskId)) continue;
      this.done.add(r.taskId);
      if (this.done.size > REMEMBERED_DONE) this.done.delete(this.done.values().next().value!);
    }
  }

  /**
   * Starts a task, unless it is already known here (launch orders are
   * repeated until the scheduler hears the task is running). A missing
   * working directory fails the task (the job's fault); a process that
   * cannot be started fails it as a launch failure (the host's fault).
   */
  launch(order: LaunchOrder): void {
    if (this.knows(order.taskId)) return;
    const now = this.options.clock.now();
    const cwd = order.cwd ?? this.workDir;
    this.emit(TASK_STARTED, order, "ok", undefined, undefined);
    if (!existsSync(cwd)) {
      this.end(order, now, { taskId: order.taskId, exitCode: null, reason: `working directory ${cwd} does not exist` });
      return;
    }
    const env = { ...this.baseEnv, ...order.env, SATELLITE_TASK_ID: order.taskId, SATELLITE_JOB_UUID: order.jobUuid, SATELLITE_USER: order.user };
    const onOutput = this.options.onOutput;
    const proc = startTaskProcess({
      command: order.command,
      env,
      cwd,
      clock: this.options.clock,
      killGraceSeconds: this.killGraceSeconds,
      tailBytes: this.tailBytes,
      onOutput: onOutput === undefined ? undefined : (stream, chunk) => onOutput(order.taskId, stream, chunk),
    });
    const ended = proc.exited.then((exit) => {
      const report = reportOf(order.taskId, exit);
      this.running.delete(order.taskId);
      this.end(order, now, report);
      return report;
    });
    this.running.set(order.taskId, { order, process: proc, startedAt: now, ended });
  }

  /** Kills a running task (SIGTERM to its process group, SIGKILL after the grace period). Unknown ids are ignored. */
  kill(taskId: string): void {
    this.running.get(taskId)?.process.kill();
  }

  /** Resolves with a task's result once it ended; undefined for a task not running or pending report here. */
  wait(taskId: string): Promise<FinishedReport | undefined> {
    const t = this.running.get(taskId);
    if (t !== undefined) return t.ended;
    return Promise.resolve(this.unacknowledged.get(taskId));
  }

  /** Kills every running task and resolves once all ended. */
  async killAll(): Promise<void> {
    const all = [...this.running.values()];
    for (const t of all) t.process.kill();
    await Promise.all(all.map((t) => t.ended));
  }

  /** Resolves once every task event published so far was handed to the publisher. */
  idle(): Promise<void> {
    return this.chain;
  }

  private end(order: LaunchOrder, startedAt: number, report: FinishedReport): void {
    this.unacknowledged.set(order.taskId, report);
    const runtime = Math.max(0, this.options.clock.now() - startedAt);
    if (report.exitCode === 0) this.emit(TASK_FINISHED, order, "ok", runtime, undefined);
    else this.emit(TASK_FAILED, order, "critical", report.exitCode ?? undefined, report);
    this.options.onTaskEnded?.(report);
  }

  private emit(service: string, order: LaunchOrder, state: string, metric: number | undefined, report: FinishedReport | undefined): void {
    const event = taskEvent({ host: this.options.host, service, order, time: this.options.clock.now(), state, metric, report });
    const topic = this.options.topic ?? EXECUTOR_DEFAULTS.topic;
    const publish = this.options.publish;
    // One chain: a host's task events reach the bus in the order they happened.
    this.chain = this.chain.then(() => publish.publish(topic, [event])).catch((err: unknown) => this.onError(err));
  }
}

/** The protocol's report of an ended process. */
function reportOf(taskId: string, exit: TaskExit): FinishedReport {
  const tails = { stdoutTail: exit.stdoutTail, stderrTail: exit.stderrTail };
  if (exit.spawnError !== undefined) return { taskId, exitCode: null, reason: `launch failure: ${exit.spawnError.message}`, meaCulpa: true, ...tails };
  if (exit.exitCode === 0) return { taskId, exitCode: 0, ...tails };
  const how = exit.exitCode !== null ? `exit ${exit.exitCode}` : `signal ${exit.signal ?? "unknown"}`;
  return { taskId, exitCode: exit.exitCode, reason: exit.killed ? `killed (${how})` : how, ...tails };
}
