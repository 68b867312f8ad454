/**
 * The whole simulation: a fleet of simulated hosts sending their readings
 * (fleet.ts), and, when a scheduler is given, each host acting as its
 * scheduler agent (agent.ts) and a workload submitting jobs (workload.ts),
 * so the scheduler side moves too. `startSimulation` is what `satellite
 * simulate` runs against a remote Satellite and what `satellite start
 * --simulate N` runs in-process. Everything runs on the injected clock;
 * for a seed, under a `VirtualClock` with the in-process scheduler, a run
 * is the same every time.
 */
import type { SchedulerClient } from "../scheduler/protocol.ts";
import type { Event } from "../streams/event.ts";
import { AGENT_DEFAULTS, emptyAgentStats, SimulatedAgent, type AgentSettings, type AgentStats } from "./agent.ts";
import { SimulatedFleet, type SimulationOptions } from "./fleet.ts";
import { Prng } from "./prng.ts";
import { Workload, WORKLOAD_DEFAULTS, type SimulatedUser, type WorkloadStats } from "./workload.ts";

/** The scheduler the simulated hosts work for. */
export interface SimulationScheduler {
  /** How the simulated agents heartbeat: `inProcessSchedulerClient(scheduler)` or `httpSchedulerClient({url})`. */
  readonly client: SchedulerClient;
  /** Submits one job spec: `(spec) => scheduler.submit(spec)` or `httpJobSubmitter({url})`. */
  submit(spec: unknown): unknown;
}

/** Settings of `startSimulation`: the fleet's, plus the task side. */
export interface StartSimulationOptions extends Omit<SimulationOptions, "onTick"> {
  /** Where task events go. Default `publish` (Kafka: the tasks topic). */
  readonly publishTasks?: ((events: Event[]) => void | Promise<void>) | undefined;
  /** With a scheduler, the hosts are its agents and jobs are submitted; without one (`--no-tasks`) only readings are sent. */
  readonly scheduler?: SimulationScheduler | undefined;
  /** How the agents behave (heartbeat, capacity, failure rate, ...); see `AGENT_DEFAULTS`. */
  readonly agents?: Partial<AgentSettings> | undefined;
  /** Mean jobs submitted per minute. Default 1.3 per host (with the default users and capacity, 85-95% of the cpus held, and now and then a short queue); 0 submits none. */
  readonly jobsPerMinute?: number | undefined;
  /** Default `SIMULATED_USERS`. */
  readonly users?: readonly SimulatedUser[] | undefined;
  /** Prefix of job uuids. Default `sim-<seed>-<start time in base 36>-`, unique per run on a real clock, fixed under a virtual one. */
  readonly jobIdPrefix?: string | undefined;
}

/** Where the scenario stands: `before` its problem starts, `active`, `after` (recovered), or `baseline` for "healthy". */
export type ScenarioPhase = "baseline" | "before" | "active" | "after";

/** A snapshot of the simulation's counters. */
export interface SimulationStats extends AgentStats, WorkloadStats {
  readonly hosts: number;
  readonly scenario: string;
  readonly phase: ScenarioPhase;
  /** Seconds since the start. */
  readonly elapsed: number;
  /** Fleet samples and the events in them. */
  readonly ticks: number;
  readonly events: number;
  /** Task events published. */
  readonly taskEvents: number;
  /** Publishes that failed (fleet samples and task events). */
  readonly publishErrors: number;
  /** Tasks running on the simulated hosts now. */
  readonly tasksRunning: number;
  /** Hosts silent now. */
  readonly silentHosts: number;
}

/** A running simulation. */
export interface Simulation {
  readonly fleet: SimulatedFleet;
  /** The hosts' agents (none without a scheduler). */
  readonly agents: readonly SimulatedAgent[];
  readonly workload: Workload | undefined;
  /** The counters now. */
  readonly stats: SimulationStats;
  /** Resolves when no heartbeat, submission or publish is in flight (tests: after each `advanceBy`). */
  idle(): Promise<void>;
  /** Stops everything; resolves when what was in flight has settled. */
  stop(): Promise<void>;
}

function mix(seed: number, salt: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(salt + 1, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

function resolveAgentSettings(raw: Partial<AgentSettings> | undefined): AgentSettings {
  const s: AgentSettings = { ...AGENT_DEFAULTS, ...raw };
  const positive = (v: number, name: string): void => {
    if (!(typeof v === "number" && v > 0 && Number.isFinite(v))) throw new RangeError(`simulate: ${name} must be a positive number, got ${v}`);
  };
  positive(s.heartbeatSeconds, "the heartbeat interval");
  positive(s.capacity.cpus, "capacity.cpus");
  positive(s.capacity.mem, "capacity.mem");
  positive(s.minRuntimeSeconds, "minRuntimeSeconds");
  positive(s.blackHoleSeconds, "blackHoleSeconds");
  if (!(s.maxRuntimeSeconds >= s.minRuntimeSeconds)) throw new RangeError(`simulate: maxRuntimeSeconds must be >= minRuntimeSeconds, got ${s.maxRuntimeSeconds}`);
  if (!(s.failureRate >= 0 && s.failureRate <= 1)) throw new RangeError(`simulate: failureRate must be from 0 to 1, got ${s.failureRate}`);
  return s;
}

/**
 * Where the scenario stands at `t` seconds after the start.
 *
 * @example
 * scenarioPhase("swap-storm", { start: 60, duration: 600 }, 75); // "active"
 */
export function scenarioPhase(scenario: string, settings: { readonly start: number; readonly duration: number }, t: number): ScenarioPhase {
  if (scenario === "healthy") return "baseline";
  if (t < settings.start) return "before";
  return t < settings.start + settings.duration ? "active" : "after";
}

/**
 * Starts the fleet, and with a scheduler its agents (first heartbeats
 * spread over one heartbeat interval) and the workload. Throws a
 * RangeError naming the setting for a bad one.
 *
 * @example
 * const sim = startSimulation({
 *   hosts: 50, scenario: "black-hole", seed: 1, clock,
 *   publish: (events) => void engine.submitAll(events),
 *   scheduler: { client: inProcessSchedulerClient(scheduler), submit: (spec) => scheduler.submit(spec) },
 * });
 * // ... later
 * await sim.stop();
 */
export function startSimulation(options: StartSimulationOptions): Simulation {
  const { clock } = options;
  let taskEvents = 0;
  let taskPublishErrors = 0;
  const pending = new Set<Promise<void>>();
  const publishTasks = options.publishTasks ?? options.publish;
  const publishTask = (events: Event[]): void => {
    taskEvents += events.length;
    let result: void | Promise<void>;
    try {
      result = publishTasks(events);
    } catch (err) {
      taskPublishErrors++;
      options.onError?.(err);
      return;
    }
    if (result instanceof Promise) {
      const p: Promise<void> = result.then(
        () => void pending.delete(p),
        (err: unknown) => {
          pending.delete(p);
          taskPublishErrors++;
          options.onError?.(err);
        },
      );
      pending.add(p);
    }
  };

  const fleet = new SimulatedFleet({ ...options, onTick: undefined });
  const agents: SimulatedAgent[] = [];
  let workload: Workload | undefined;
  const scheduler = options.scheduler;
  const settings = resolveAgentSettings(options.agents);
  if (scheduler !== undefined) {
    fleet.hosts.forEach((host, i) => agents.push(new SimulatedAgent({ host, client: scheduler.client, clock, rng: new Prng(mix(options.seed, i + 1)), publish: publishTask, settings, onError: options.onError })));
    const jobsPerMinute = options.jobsPerMinute ?? options.hosts * WORKLOAD_DEFAULTS.jobsPerMinutePerHost;
    if (!(jobsPerMinute >= 0) || !Number.isFinite(jobsPerMinute)) throw new RangeError(`simulate: --jobs-per-minute must be a number >= 0, got ${jobsPerMinute}`);
    if (jobsPerMinute > 0) {
      workload = new Workload({
        clock,
        rng: new Prng(mix(options.seed, 0)),
        submit: (spec) => scheduler.submit(spec),
        jobsPerMinute,
        users: options.users,
        minRuntimeSeconds: settings.minRuntimeSeconds,
        maxRuntimeSeconds: settings.maxRuntimeSeconds,
        idPrefix: options.jobIdPrefix ?? `sim-${options.seed}-${Math.floor(clock.now()).toString(36)}-`,
        onError: options.onError,
      });
    }
  }

  fleet.start();
  const spread = new Prng(mix(options.seed, -1));
  for (const a of agents) a.start(clock.now() + spread.between(0, settings.heartbeatSeconds));
  workload?.start();

  const idle = async (): Promise<void> => {
    for (;;) {
      const waits: Promise<void>[] = [...pending];
      for (const a of agents) waits.push(a.idle());
      if (workload !== undefined) waits.push(workload.idle());
      await Promise.all(waits);
      if (pending.size === 0) return;
    }
  };

  return {
    fleet,
    agents,
    workload,
    get stats(): SimulationStats {
      const sum = emptyAgentStats();
      let running = 0;
      for (const a of agents) {
        for (const k of Object.keys(sum) as (keyof AgentStats)[]) sum[k] += a.stats[k];
        running += a.runningIds().length;
      }
      const elapsed = clock.now() - fleet.startedAt;
      return {
        ...sum,
        ...(workload?.stats ?? { submitted: 0, accepted: 0, refused: 0 }),
        hosts: fleet.hosts.length,
        scenario: options.scenario,
        phase: scenarioPhase(options.scenario, fleet.settings, elapsed),
        elapsed,
        ticks: fleet.stats.ticks,
        events: fleet.stats.events,
        taskEvents,
        publishErrors: fleet.stats.publishErrors + taskPublishErrors,
        tasksRunning: running,
        silentHosts: fleet.hosts.filter((h) => h.condition.silent).length,
      };
    },
    idle,
    async stop(): Promise<void> {
      for (const a of agents) a.stop();
      await workload?.stop();
      await fleet.stop();
      await idle();
    },
  };
}

/**
 * One status line for people: time, phase, hosts, events, jobs, tasks.
 *
 * @example
 * formatStatus(sim.stats);
 * // "+70s swap-storm active | 50 hosts (0 silent) | events 3500 (+0 task) 0 errors | jobs 12 submitted, 0 refused | tasks 9 running, 3 finished, 0 failed"
 */
export function formatStatus(s: SimulationStats): string {
  const parts = [
    `+${Math.round(s.elapsed)}s ${s.scenario} ${s.phase}`,
    `${s.hosts} hosts (${s.silentHosts} silent)`,
    `events ${s.events} (+${s.taskEvents} task) ${s.publishErrors} errors`,
  ];
  if (s.heartbeats > 0 || s.submitted > 0) {
    parts.push(`jobs ${s.submitted} submitted, ${s.refused} refused`);
    parts.push(`tasks ${s.tasksRunning} running, ${s.tasksFinished} finished, ${s.tasksFailed} failed, ${s.tasksKilled} killed`);
    parts.push(`heartbeats ${s.heartbeats} (${s.heartbeatErrors} errors)`);
  }
  return parts.join(" | ");
}
