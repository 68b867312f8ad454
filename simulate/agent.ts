/**
 * A simulated host's scheduler agent: it heartbeats to the scheduler through
 * a `SchedulerClient` (in-process or HTTP, scheduler/protocol.ts) with a
 * fixed capacity, "runs" the tasks it is told to launch without starting
 * any process (each ends on the clock after a seeded run time, a few fail
 * with exit 1, every one fails within a second on a black-hole host),
 * honours kills, and reports the results in its next heartbeat. Its task
 * events ("task started", "task finished", "task failed") have the shape
 * the real executor publishes (collector/executor/executor.ts `taskEvent`).
 * A silent (partitioned) host neither heartbeats nor sends task events; its
 * tasks go on running and their results wait for the partition to heal.
 */
import { taskEvent } from "../collector/executor/executor.ts";
import { TASK_FAILED, TASK_FINISHED, TASK_STARTED } from "../rules/builtin/services.ts";
import type { FinishedReport, HeartbeatResponse, LaunchOrder, SchedulerClient } from "../scheduler/protocol.ts";
import type { Clock, Timer } from "../streams/clock.ts";
import type { Event } from "../streams/event.ts";
import type { SimulatedHost } from "./host.ts";
import type { Prng } from "./prng.ts";

/** How simulated agents behave; every field has a default in `AGENT_DEFAULTS`. */
export interface AgentSettings {
  /** Seconds between heartbeats. Default 5 (the executor's default). */
  readonly heartbeatSeconds: number;
  /** What each host offers: cpus and MB. Default 8 cpus, 32768 MB. */
  readonly capacity: { readonly cpus: number; readonly mem: number };
  /** Host attributes sent with each heartbeat. Default `{simulated: "true"}`. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Run time of a task whose command is not `sleep N`: uniform in [min, max] seconds. Default 30..300. */
  readonly minRuntimeSeconds: number;
  readonly maxRuntimeSeconds: number;
  /** Fraction of tasks on a healthy host that fail (exit 1) part-way through. Default 0.03. */
  readonly failureRate: number;
  /** On a black-hole host a task fails (exit 1) within this many seconds of its launch. Default 1. */
  readonly blackHoleSeconds: number;
}

/**
 * Defaults of `AgentSettings`, in one place.
 *
 * @example
 * AGENT_DEFAULTS.capacity; // { cpus: 8, mem: 32768 }
 */
export const AGENT_DEFAULTS: AgentSettings = Object.freeze({
  heartbeatSeconds: 5,
  capacity: Object.freeze({ cpus: 8, mem: 32768 }),
  attributes: Object.freeze({ simulated: "true" }),
  minRuntimeSeconds: 30,
  maxRuntimeSeconds: 300,
  failureRate: 0.03,
  blackHoleSeconds: 1,
});

/** The reason of a task killed on the scheduler's order (what the real executor reports after SIGTERM). */
export const REASON_SIMULATED_KILL = "killed (signal SIGTERM)";

/** Settings of one `SimulatedAgent`. */
export interface SimulatedAgentOptions {
  /** The host it runs on: its name, and its condition (silent, black hole) read at each heartbeat and launch. */
  readonly host: SimulatedHost;
  readonly client: SchedulerClient;
  readonly clock: Clock;
  /** This agent's own generator (one per agent: its draws do not depend on the other hosts). */
  readonly rng: Prng;
  /** Where its task events go, one call per event. */
  readonly publish: (events: Event[]) => void;
  readonly settings: AgentSettings;
  /** A failed heartbeat (the next one carries the same results). */
  readonly onError?: ((err: unknown) => void) | undefined;
}

/** Counters of one agent (and, summed, of the fleet). */
export interface AgentStats {
  heartbeats: number;
  heartbeatErrors: number;
  /** Heartbeats not sent because the host was silent. */
  silentBeats: number;
  tasksStarted: number;
  tasksFinished: number;
  tasksFailed: number;
  tasksKilled: number;
  /** Task events not sent because the host was silent when they happened. */
  taskEventsDropped: number;
}

/** A new zeroed `AgentStats`. */
export function emptyAgentStats(): AgentStats {
  return { heartbeats: 0, heartbeatErrors: 0, silentBeats: 0, tasksStarted: 0, tasksFinished: 0, tasksFailed: 0, tasksKilled: 0, taskEventsDropped: 0 };
}

interface SimulatedTask {
  readonly order: LaunchOrder;
  readonly startedAt: number;
  readonly timer: Timer;
}

/** Ended tasks remembered after their report was acknowledged, so a repeated launch order is not run twice (as the executor). */
const REMEMBERED_DONE = 10_000;

const SLEEP = /^\s*sleep\s+(\d+(?:\.\d+)?)\b/;

/**
 * The run time a job's command asks for: N for `sleep N ...` (the workload
 * generator's commands), else undefined.
 *
 * @example
 * runtimeOfCommand("sleep 90"); // 90
 * runtimeOfCommand("make test"); // undefined
 */
export function runtimeOfCommand(command: string): number | undefined {
  const m = SLEEP.exec(command);
  return m === null ? undefined : Number(m[1]);
}

/**
 * One simulated host's agent; see the file header. Deterministic for its
 * generator under a `VirtualClock` with the in-process client.
 *
 * @example
 * const agent = new SimulatedAgent({ host, client: inProcessSchedulerClient(scheduler), clock, rng: new Prng(1), publish, settings: AGENT_DEFAULTS });
 * agent.start(clock.now() + 2.5); // first heartbeat then, one every 5 s after
 */
export class SimulatedAgent {
  readonly stats: AgentStats = emptyAgentStats();
  private readonly running = new Map<string, SimulatedTask>();
  private readonly unacknowledged = new Map<string, FinishedReport>();
  private readonly done = new Set<string>();
  private timer: Timer | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: SimulatedAgentOptions) {}

  /** The host's name. */
  get name(): string {
    return this.options.host.name;
  }

  /** Ids of the tasks running here now. */
  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** Results not acknowledged by the scheduler yet. */
  pendingReports(): FinishedReport[] {
    return [...this.unacknowledged.values()];
  }

  /** Heartbeats at `firstAt` (default now) and then every `heartbeatSeconds`. Idempotent. */
  start(firstAt?: number): void {
    if (!this.stopped) return;
    this.stopped = false;
    const clock = this.options.clock;
    const tick = (): void => {
      if (this.stopped) return;
      void this.beat();
      this.timer = clock.setTimer(clock.now() + this.options.settings.heartbeatSeconds, tick);
    };
    this.timer = clock.setTimer(firstAt ?? clock.now(), tick);
  }

  /** Stops heartbeating and forgets its running tasks' timers (a stopped simulated host is gone). */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    for (const t of this.running.values()) t.timer.cancel();
  }

  /** Resolves when no heartbeat is in flight. */
  async idle(): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight;
  }

  /**
   * One exchange with the scheduler now, unless the host is silent or one
   * is in flight (then it resolves with that one). Never rejects.
   */
  beat(): Promise<void> {
    if (this.inFlight !== undefined) return this.inFlight;
    const { host, client, settings } = this.options;
    if (host.condition.silent) {
      this.stats.silentBeats++;
      return Promise.resolve();
    }
    const finished = this.pendingReports();
    this.stats.heartbeats++;
    let answer: Promise<HeartbeatResponse>;
    try {
      answer = client.heartbeat(host.name, { capacity: settings.capacity, attributes: settings.attributes, running: this.runningIds(), finished });
    } catch (err) {
      answer = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const run = answer.then(
      (response) => {
        this.inFlight = undefined;
        if (this.stopped) return;
        for (const r of finished) {
          if (!this.unacknowledged.delete(r.taskId)) continue;
          this.done.add(r.taskId);
          if (this.done.size > REMEMBERED_DONE) this.done.delete(this.done.values().next().value!);
        }
        for (const id of response.kill) this.kill(id);
        for (const order of response.launch) this.launch(order);
      },
      (err: unknown) => {
        this.inFlight = undefined;
        this.stats.heartbeatErrors++;
        this.options.onError?.(err);
      },
    );
    this.inFlight = run;
    return run;
  }

  /** Starts a task in simulation (ignored when the id is known here): decides now how and when it ends. */
  launch(order: LaunchOrder): void {
    if (this.running.has(order.taskId) || this.unacknowledged.has(order.taskId) || this.done.has(order.taskId)) return;
    const { clock, rng, settings, host } = this.options;
    const now = clock.now();
    this.emit(taskEvent({ host: host.name, service: TASK_STARTED, order, time: now, state: "ok" }));
    this.stats.tasksStarted++;
    let after: number;
    let exitCode: number;
    if (host.condition.blackHole) {
      after = rng.between(0.05, settings.blackHoleSeconds);
      exitCode = 1;
    } else {
      const runtime = runtimeOfCommand(order.command) ?? rng.between(settings.minRuntimeSeconds, settings.maxRuntimeSeconds);
      const fails = rng.next() < settings.failureRate;
      after = fails ? runtime * rng.between(0.1, 1) : runtime;
      exitCode = fails ? 1 : 0;
    }
    const timer = clock.setTimer(now + after, () => this.end(order.taskId, exitCode === 0 ? { taskId: order.taskId, exitCode: 0 } : { taskId: order.taskId, exitCode, reason: `exit ${exitCode}` }));
    this.running.set(order.taskId, { order, startedAt: now, timer });
  }

  /** Kills a running task at once (ended "killed (signal SIGTERM)", no exit code). Unknown ids are ignored. */
  kill(taskId: string): void {
    const task = this.running.get(taskId);
    if (task === undefined) return;
    task.timer.cancel();
    this.stats.tasksKilled++;
    this.end(taskId, { taskId, exitCode: null, reason: REASON_SIMULATED_KILL });
  }

  private end(taskId: string, report: FinishedReport): void {
    const task = this.running.get(taskId);
    if (task === undefined) return;
    this.running.delete(taskId);
    this.unacknowledged.set(taskId, report);
    const { clock, host } = this.options;
    const now = clock.now();
    if (report.exitCode === 0) {
      this.stats.tasksFinished++;
      this.emit(taskEvent({ host: host.name, service: TASK_FINISHED, order: task.order, time: now, state: "ok", metric: Math.max(0, now - task.startedAt) }));
    } else {
      this.stats.tasksFailed++;
      this.emit(taskEvent({ host: host.name, service: TASK_FAILED, order: task.order, time: now, state: "critical", metric: report.exitCode ?? undefined, report }));
    }
  }

  private emit(event: Event): void {
    if (this.options.host.condition.silent) {
      this.stats.taskEventsDropped++;
      return;
    }
    this.options.publish([event]);
  }
}
