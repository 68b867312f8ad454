/**
 * The task executor's public face: `startExecutorAgent` runs the tasks the
 * scheduler places on this host and heartbeats to the scheduler (over HTTP
 * or in-process), publishing task events for the rules. The collector agent
 * (collector/agent.ts) starts it.
 */
import { availableParallelism, totalmem } from "node:os";
import type { Clock } from "../../streams/clock.ts";
import type { BusTopic } from "../../bus/bus.ts";
import type { SchedulerClient } from "../../scheduler/protocol.ts";
import { AgentLoop } from "./agent-loop.ts";
import { Executor, type TaskEventPublisher } from "./executor.ts";
import { EXECUTOR_DEFAULTS } from "./options.ts";

export { Executor, type ExecutorOptions, type TaskEventPublisher } from "./executor.ts";
export { EXECUTOR_DEFAULTS, resolveExecutorOptions, type ExecutorSettings } from "./options.ts";
export { AgentLoop, type AgentLoopOptions } from "./agent-loop.ts";
export { httpSchedulerClient, type HttpSchedulerClientOptions } from "./http-client.ts";
export { startTaskProcess, type TaskProcess, type TaskProcessOptions, type TaskExit } from "./task-process.ts";
export { TailBuffer } from "./tail.ts";

/** Settings of `startExecutorAgent`. */
export interface ExecutorAgentOptions {
  /** This host's name, as the scheduler and the events know it. */
  readonly host: string;
  /** `httpSchedulerClient({url, token})`, or `inProcessSchedulerClient(scheduler)` in the embedded mode. */
  readonly scheduler: SchedulerClient;
  readonly clock: Clock;
  /** Where task events go (the bus). */
  readonly publish: TaskEventPublisher;
  /** Bus topic of task events. Default "tasks". */
  readonly topic?: BusTopic;
  /** Seconds between heartbeats. Default 5. */
  readonly heartbeatSeconds?: number;
  /** Capacity offered to tasks. Default all cpus (`os.availableParallelism()`) and all memory (`os.totalmem()`, MB). */
  readonly capacity?: { readonly cpus: number; readonly mem: number };
  readonly attributes?: Readonly<Record<string, string>>;
  /** Seconds between SIGTERM and SIGKILL. Default 10. */
  readonly killGraceSeconds?: number;
  /** Bytes kept of each task's stdout and stderr. Default 65,536. */
  readonly tailBytes?: number;
  /** Working directory of tasks that name none. Default the OS temp directory. */
  readonly workDir?: string;
  /** Environment tasks start from (see `ExecutorOptions.baseEnv`). */
  readonly baseEnv?: Readonly<Record<string, string>>;
  /** Errors of heartbeats and of publishing. Default: lines on stderr. */
  readonly onError?: (err: unknown) => void;
}

/** A running executor agent. */
export interface ExecutorAgent {
  readonly executor: Executor;
  readonly loop: AgentLoop;
  /** One heartbeat now (resolves when done; never rejects). */
  beat(): Promise<void>;
  /**
   * Stops heartbeating, kills the running tasks (SIGTERM, SIGKILL after the
   * grace period), reports their end in a last heartbeat, and waits for the
   * task events to be handed over.
   */
  stop(): Promise<void>;
}

/**
 * This host's capacity as the OS reports it: cpus and MB of memory.
 *
 * @example
 * hostCapacity(); // { cpus: 8, mem: 15872 }
 */
export function hostCapacity(): { cpus: number; mem: number } {
  return { cpus: availableParallelism(), mem: Math.floor(totalmem() / (1024 * 1024)) };
}

/**
 * Starts the executor and its heartbeat loop (a first heartbeat at once).
 *
 * @example
 * const agent = startExecutorAgent({ host: "web1", scheduler: httpSchedulerClient({ url: "http://127.0.0.1:5001" }), clock: new RealClock(), publish: bus });
 * // ... on shutdown:
 * await agent.stop();
 */
export function startExecutorAgent(options: ExecutorAgentOptions): ExecutorAgent {
  const executor = new Executor({
    host: options.host,
    clock: options.clock,
    publish: options.publish,
    topic: options.topic,
    killGraceSeconds: options.killGraceSeconds,
    tailBytes: options.tailBytes,
    workDir: options.workDir,
    baseEnv: options.baseEnv,
    onError: options.onError,
    onTaskEnded: () => loop.soon(),
  });
  const loop = new AgentLoop({
    host: options.host,
    client: options.scheduler,
    clock: options.clock,
    executor,
    capacity: options.capacity ?? hostCapacity(),
    attributes: options.attributes,
    intervalSeconds: options.heartbeatSeconds ?? EXECUTOR_DEFAULTS.heartbeatSeconds,
    onError: options.onError,
  });
  loop.start();
  return {
    executor,
    loop,
    beat: () => loop.beat(),
    async stop(): Promise<void> {
      loop.stop();
      await executor.killAll();
      await loop.beat();
      await executor.idle();
    },
  };
}
