/**
 * A simulated fleet: N hosts sampled every `intervalSeconds` on the injected
 * clock, a scenario applied before each sample, and every sample handed to
 * `publish` (the in-process engine, HTTP, the Riemann protocol or Kafka).
 * The same seed gives the same hosts, victims and readings, run after run.
 */
import type { Clock } from "../streams/clock.ts";
import type { Event } from "../streams/event.ts";
import { SimulatedHost } from "./host.ts";
import { Prng } from "./prng.ts";
import { scenarioNamed, type ScenarioSettings } from "./scenarios.ts";

/** Settings of `SimulatedFleet`. */
export interface SimulationOptions {
  readonly hosts: number;
  readonly scenario: string;
  readonly seed: number;
  readonly clock: Clock;
  /** Where each sample goes; may return a promise (a slow sink delays the next tick's publish, never the tick). */
  readonly publish: (events: Event[]) => void | Promise<void>;
  /** Seconds between samples. Default 10 (the collector's default). */
  readonly intervalSeconds?: number;
  /** When the scenario's problem starts and how long it lasts; see scenarios.ts. */
  readonly settings?: Partial<ScenarioSettings>;
  /** Host name prefix. Default "sim-". */
  readonly prefix?: string;
  /** Called after each sample with the seconds since the start (the task simulation hooks in here). */
  readonly onTick?: ((t: number) => void) | undefined;
  /** Reports a failed publish (the simulation goes on). */
  readonly onError?: ((err: unknown) => void) | undefined;
}

/** Defaults of the simulation. */
export const SIMULATION_DEFAULTS = Object.freeze({ intervalSeconds: 10, start: 60, duration: 600, prefix: "sim-" });

/**
 * N hosts and a scenario, ticking on the clock.
 *
 * @example
 * const sim = new SimulatedFleet({ hosts: 50, scenario: "swap-storm", seed: 1, clock, publish: (evs) => void engine.submitAll(evs) });
 * sim.start();
 */
export class SimulatedFleet {
  readonly hosts: readonly SimulatedHost[];
  readonly startedAt: number;
  /** The scenario's settings with the defaults filled in (when its problem starts and ends). */
  readonly settings: ScenarioSettings;
  private readonly rng: Prng;
  private readonly apply: (t: number) => void;
  private readonly interval: number;
  private timer: { cancel(): void } | undefined;
  private inFlight: Promise<void> | undefined;
  /** Samples published, and events in them. */
  readonly stats = { ticks: 0, events: 0, publishErrors: 0, skippedWhileBusy: 0 };

  constructor(private readonly options: SimulationOptions) {
    if (!Number.isInteger(options.hosts) || options.hosts < 1 || options.hosts > 1_000_000) throw new RangeError(`simulate: --hosts must be an integer from 1 to 1,000,000, got ${options.hosts}`);
    if (!Number.isInteger(options.seed)) throw new RangeError(`simulate: --seed must be an integer, got ${options.seed}`);
    this.interval = options.intervalSeconds ?? SIMULATION_DEFAULTS.intervalSeconds;
    if (!(this.interval > 0)) throw new RangeError(`simulate: the interval must be > 0 seconds, got ${this.interval}`);
    const scenario = scenarioNamed(options.scenario);
    this.rng = new Prng(options.seed);
    const width = String(options.hosts).length;
    const prefix = options.prefix ?? SIMULATION_DEFAULTS.prefix;
    this.hosts = Array.from({ length: options.hosts }, (_, i) => new SimulatedHost(`${prefix}${String(i + 1).padStart(Math.max(3, width), "0")}`, this.rng));
    this.settings = { start: options.settings?.start ?? SIMULATION_DEFAULTS.start, duration: options.settings?.duration ?? SIMULATION_DEFAULTS.duration, fraction: options.settings?.fraction };
    this.apply = scenario.setup(this.hosts, this.rng, this.settings);
    this.startedAt = options.clock.now();
  }

  /** Samples now and then every interval until `stop`. */
  start(): void {
    if (this.timer !== undefined) return;
    const tick = (): void => {
      this.tick();
      this.timer = this.options.clock.setTimer(this.options.clock.now() + this.interval, tick);
    };
    tick();
  }

  /** Stops ticking; resolves when the last publish has settled. */
  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    await this.inFlight;
  }

  /** One sample of every host at the clock's now: applies the scenario, publishes, runs `onTick`. */
  tick(): Event[] {
    const now = this.options.clock.now();
    const t = now - this.startedAt;
    this.apply(t);
    const events: Event[] = [];
    for (const h of this.hosts) for (const e of h.sample(now, this.interval, this.rng)) events.push(e);
    this.stats.ticks++;
    this.stats.events += events.length;
    if (this.inFlight !== undefined) this.stats.skippedWhileBusy++;
    else {
      const result = this.options.publish(events);
      if (result instanceof Promise) {
        this.inFlight = result.then(
          () => {
            this.inFlight = undefined;
          },
          (err: unknown) => {
            this.inFlight = undefined;
            this.stats.publishErrors++;
            this.options.onError?.(err);
          },
        );
      }
    }
    this.options.onTick?.(t);
    return events;
  }
}
