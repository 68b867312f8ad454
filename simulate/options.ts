/**
 * The simulator's settings for configuration (`satellite start --simulate`,
 * a `simulate` section of satellite.config.ts): every default in
 * `SIMULATE_DEFAULTS`, and `resolveSimulateOptions`, which validates raw
 * settings once and throws an Error naming the field. The command line
 * (cli/commands/simulate.ts) checks its flags itself, naming the flags.
 */
import { AGENT_DEFAULTS } from "./agent.ts";
import { SIMULATION_DEFAULTS } from "./fleet.ts";
import { SCENARIOS } from "./scenarios.ts";
import { WORKLOAD_DEFAULTS } from "./workload.ts";

/** Settings of a simulation, as configured. */
export interface SimulateOptions {
  /** Simulated hosts. Default 50. */
  readonly hosts: number;
  /** A name in `SCENARIOS`. Default "healthy". */
  readonly scenario: string;
  /** Integer seed. Default 1. */
  readonly seed: number;
  /** Seconds between two samples of each host. Default 10. */
  readonly intervalSeconds: number;
  /** Seconds after the start the scenario's problem begins. Default 60. */
  readonly start: number;
  /** Seconds it lasts. Default 600. */
  readonly duration: number;
  /** Fraction of hosts affected (swap-storm, partition), (0, 1]. Default: the scenario's. */
  readonly fraction?: number | undefined;
  /** Hosts are scheduler agents and jobs are submitted. Default true. */
  readonly tasks: boolean;
  /** Mean jobs per minute. Default 1.3 per host. */
  readonly jobsPerMinute?: number | undefined;
  /** Seconds between two heartbeats of each simulated agent. Default 5. */
  readonly heartbeatSeconds: number;
  /** Fraction of tasks on healthy hosts that fail with exit 1. Default 0.03. */
  readonly failureRate: number;
}

/**
 * Defaults of `SimulateOptions`, in one place.
 *
 * @example
 * SIMULATE_DEFAULTS.hosts; // 50
 */
export const SIMULATE_DEFAULTS: SimulateOptions = Object.freeze({
  hosts: 50,
  scenario: "healthy",
  seed: 1,
  intervalSeconds: SIMULATION_DEFAULTS.intervalSeconds,
  start: SIMULATION_DEFAULTS.start,
  duration: SIMULATION_DEFAULTS.duration,
  tasks: true,
  heartbeatSeconds: AGENT_DEFAULTS.heartbeatSeconds,
  failureRate: AGENT_DEFAULTS.failureRate,
});

function show(v: unknown): string {
  return typeof v === "string" ? `"${v}"` : (JSON.stringify(v) ?? String(v));
}

/**
 * Validates `raw` (undefined or a partial `SimulateOptions`) and fills in
 * the defaults. Throws an Error naming the field, e.g.
 * `simulate.hosts must be an integer from 1 to 1000000, got 0`.
 * `jobsPerMinute` left out stays undefined (1.3 per host, see
 * `WORKLOAD_DEFAULTS`).
 *
 * @example
 * resolveSimulateOptions({ hosts: 20, scenario: "black-hole" }).seed; // 1
 */
export function resolveSimulateOptions(raw: unknown, path = "simulate"): SimulateOptions {
  if (raw === undefined) return SIMULATE_DEFAULTS;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${path} must be an object, got ${show(raw)}`);
  const r = raw as Record<string, unknown>;
  const known = new Set([...Object.keys(SIMULATE_DEFAULTS), "fraction", "jobsPerMinute"]);
  for (const key of Object.keys(r)) if (!known.has(key)) throw new Error(`${path}.${key} is not a setting (known: ${[...known].join(", ")})`);
  const d = SIMULATE_DEFAULTS;
  const num = (key: string, fallback: number | undefined, ok: (n: number) => boolean, what: string): number | undefined => {
    const v = r[key];
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) throw new Error(`${path}.${key} must be ${what}, got ${show(v)}`);
    return v;
  };
  const scenario = r.scenario ?? d.scenario;
  if (typeof scenario !== "string" || SCENARIOS[scenario] === undefined) throw new Error(`${path}.scenario must be one of ${Object.keys(SCENARIOS).join(", ")}, got ${show(scenario)}`);
  const tasks = r.tasks ?? d.tasks;
  if (typeof tasks !== "boolean") throw new Error(`${path}.tasks must be true or false, got ${show(tasks)}`);
  return Object.freeze({
    hosts: num("hosts", d.hosts, (n) => Number.isInteger(n) && n >= 1 && n <= 1_000_000, "an integer from 1 to 1000000")!,
    scenario,
    seed: num("seed", d.seed, Number.isInteger, "an integer")!,
    intervalSeconds: num("intervalSeconds", d.intervalSeconds, (n) => n > 0, "a positive number")!,
    start: num("start", d.start, (n) => n >= 0, "a number of seconds >= 0")!,
    duration: num("duration", d.duration, (n) => n > 0, "a positive number")!,
    fraction: num("fraction", undefined, (n) => n > 0 && n <= 1, "a fraction in (0, 1]"),
    tasks,
    jobsPerMinute: num("jobsPerMinute", undefined, (n) => n >= 0, `a number >= 0 (default ${WORKLOAD_DEFAULTS.jobsPerMinutePerHost} per host)`),
    heartbeatSeconds: num("heartbeatSeconds", d.heartbeatSeconds, (n) => n > 0, "a positive number")!,
    failureRate: num("failureRate", d.failureRate, (n) => n >= 0 && n <= 1, "a fraction from 0 to 1")!,
  });
}
