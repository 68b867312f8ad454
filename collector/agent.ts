/**
 * The collector agent: the loop that samples this host's probes every
 * `intervalSeconds`, sends a heartbeat every `HEARTBEAT_INTERVAL_SECONDS`,
 * and runs the checks on their own schedules. All time comes from the
 * injected `Clock` (`setTimer`, never `setInterval`), so a `VirtualClock`
 * drives it in tests. Probes run concurrently and independently: a probe
 * still busy when its next tick comes is skipped for that tick (and
 * counted), and never delays the other probes or the next tick. The agent
 * hands events to a synchronous `sink` (the shipper queues them), so
 * probing never waits on the transport.
 */
import type { Clock, Timer } from "../streams/clock.ts";
import type { Event } from "../streams/event.ts";
import type { Check } from "./checks/check.ts";
import { CheckScheduler, type CheckStats } from "./checks/scheduler.ts";
import { HEARTBEAT_INTERVAL_SECONDS, heartbeatEvent } from "./heartbeat.ts";

/**
 * What the agent needs of a probe. collector/probes/probe.ts's `Probe`
 * has this shape; the type is declared here, by its consumer, so the agent
 * depends on no probe.
 */
export interface AgentProbe {
  readonly name: string;
  /** Reads the host once; `ctx.now` is the tick's time (unix seconds). */
  sample(ctx: { readonly host: string; readonly now: number }): Promise<readonly Event[]>;
}

/** Settings of an `Agent`. */
export interface AgentOptions {
  readonly clock: Clock;
  /** The host every event is about (`os.hostname()` in the CLI). */
  readonly host: string;
  readonly probes: readonly AgentProbe[];
  /** Checks, each on its own schedule. Default none. */
  readonly checks?: readonly Check[];
  /** Seconds between two samples of the probes. Default 10; any positive number (1 works). */
  readonly intervalSeconds?: number;
  /** Send the heartbeat. Default true. */
  readonly heartbeat?: boolean;
  /** Receives events as they are produced; must return at once (queue, don't send). */
  readonly sink: (events: readonly Event[]) => void;
  /** Log lines (probe failures). Default: none. */
  readonly log?: (line: string) => void;
}

/** Defaults of `AgentOptions`, in one place. */
export const AGENT_DEFAULTS = Object.freeze({ intervalSeconds: 10, heartbeat: true });

/** Counters of one probe. */
export interface ProbeStats {
  /** Samples started. */
  samples: number;
  /** Ticks skipped because the previous sample was still running. */
  skipped: number;
  /** Samples that threw or rejected. */
  errors: number;
  /** Events produced. */
  events: number;
  /** Duration of the last finished sample, seconds (by the agent's clock). */
  lastSeconds: number;
}

/** Counters of an agent. */
export interface AgentStats {
  /** Probe ticks run. */
  ticks: number;
  /** Ticks not run because the clock jumped past them. */
  missedTicks: number;
  heartbeats: number;
  readonly probes: ReadonlyMap<string, Readonly<ProbeStats>>;
  readonly checks: ReadonlyMap<string, Readonly<CheckStats>>;
}

interface ProbeState {
  readonly probe: AgentProbe;
  readonly stats: ProbeStats;
  running: Promise<void> | undefined;
}

/**
 * Samples probes, beats, runs checks. `start()` begins (first tick and
 * first heartbeat at once), `stop()` ends, `once()` does one round of
 * everything and resolves with its events (`satellite collector --once`).
 *
 * @example
 * const agent = new Agent({ clock: new RealClock(), host: os.hostname(), probes: defaultProbes(), checks: defaultChecks(), sink: (events) => shipping.push(events) });
 * agent.start();
 * process.once("SIGTERM", () => void agent.stop());
 */
export class Agent {
  readonly intervalSeconds: number;
  private readonly clock: Clock;
  private readonly probes: ProbeState[];
  private readonly checks: CheckScheduler;
  private readonly log: (line: string) => void;
  private readonly beat: boolean;
  private readonly counters = { ticks: 0, missedTicks: 0, heartbeats: 0 };
  private tickTimer: Timer | undefined;
  private beatTimer: Timer | undefined;
  private running = false;
  private startedAt: number;

  constructor(private readonly options: AgentOptions) {
    const interval = options.intervalSeconds ?? AGENT_DEFAULTS.intervalSeconds;
    if (typeof interval !== "number" || !Number.isFinite(interval) || interval <= 0) throw new RangeError(`collector.intervalSeconds must be a positive number, got ${String(options.intervalSeconds)}`);
    if (typeof options.host !== "string" || options.host.length === 0) throw new RangeError(`collector.host must be a non-empty string, got ${JSON.stringify(options.host)}`);
    const names = new Set<string>();
    for (const p of options.probes) {
      if (names.has(p.name)) throw new RangeError(`collector.probes: two probes are named ${JSON.stringify(p.name)}`);
      names.add(p.name);
    }
    this.intervalSeconds = interval;
    this.clock = options.clock;
    this.log = options.log ?? (() => undefined);
    this.beat = options.heartbeat ?? AGENT_DEFAULTS.heartbeat;
    this.startedAt = options.clock.now();
    this.probes = options.probes.map((probe) => ({ probe, stats: { samples: 0, skipped: 0, errors: 0, events: 0, lastSeconds: 0 }, running: undefined }));
    this.checks = new CheckScheduler({ clock: options.clock, host: options.host, checks: options.checks ?? [], sink: (events) => this.emit(events), log: this.log });
  }

  /** The counters (a snapshot of the maps, live numbers). */
  get stats(): AgentStats {
    return {
      ...this.counters,
      probes: new Map(this.probes.map((p) => [p.probe.name, p.stats])),
      checks: this.checks.stats,
    };
  }

  /** Starts the loop: the first tick and heartbeat are due at once, then every interval. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedAt = this.clock.now();
    this.armTick(this.startedAt);
    if (this.beat) this.armBeat(this.startedAt);
    this.checks.start();
  }

  /**
   * Stops the timers and the checks (runs in progress are aborted). Samples
   * still running are not waited for; their events are dropped.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.tickTimer?.cancel();
    this.beatTimer?.cancel();
    this.tickTimer = undefined;
    this.beatTimer = undefined;
    await this.checks.stop();
  }

  /** Resolves when no sample and no check run is in progress. */
  async idle(): Promise<void> {
    for (;;) {
      const busy = this.probes.map((p) => p.running).filter((r) => r !== undefined);
      if (busy.length === 0) break;
      await Promise.all(busy);
    }
    await this.checks.idle();
  }

  /**
   * One round without the loop: a heartbeat (when enabled), one sample of
   * every probe and one run of every check; resolves with all their events
   * once everything has finished (checks may take up to their timeout).
   * The events also go to the sink.
   */
  async once(): Promise<Event[]> {
    const collected: Event[] = [];
    const now = this.clock.now();
    if (this.beat) {
      const hb = [heartbeatEvent(this.options.host, now, this.startedAt)];
      this.counters.heartbeats++;
      collected.push(...hb);
      this.options.sink(hb);
    }
    const samples = this.probes.map((p) => this.sample(p, now, true, (events) => collected.push(...events)));
    const checks = this.checks.runOnce();
    await Promise.all(samples);
    collected.push(...(await checks));
    return collected;
  }

  private emit(events: readonly Event[]): void {
    if (events.length > 0) this.options.sink(events);
  }

  private armTick(at: number): void {
    this.tickTimer = this.clock.setTimer(at, () => {
      if (!this.running) return;
      const now = this.clock.now();
      let next = at + this.intervalSeconds;
      if (next <= now) {
        const missed = Math.floor((now - at) / this.intervalSeconds);
        this.counters.missedTicks += missed;
        next = at + (missed + 1) * this.intervalSeconds;
      }
      this.armTick(next);
      this.tick(now);
    });
  }

  private armBeat(at: number): void {
    this.beatTimer = this.clock.setTimer(at, () => {
      if (!this.running) return;
      const now = this.clock.now();
      let next = at + HEARTBEAT_INTERVAL_SECONDS;
      while (next <= now) next += HEARTBEAT_INTERVAL_SECONDS;
      this.armBeat(next);
      this.counters.heartbeats++;
      this.emit([heartbeatEvent(this.options.host, now, this.startedAt)]);
    });
  }

  private tick(now: number): void {
    this.counters.ticks++;
    for (const p of this.probes) {
      if (p.running !== undefined) {
        p.stats.skipped++;
        continue;
      }
      void this.sample(p, now, false);
    }
  }

  /** Samples one probe; resolves (never rejects) when it is done. */
  private sample(p: ProbeState, now: number, always: boolean, also?: (events: readonly Event[]) => void): Promise<void> {
    if (p.running !== undefined) {
      p.stats.skipped++;
      return p.running;
    }
    p.stats.samples++;
    const started = this.clock.now();
    let result: Promise<readonly Event[]>;
    try {
      result = p.probe.sample({ host: this.options.host, now });
    } catch (err) {
      result = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const done = result.then(
      (events) => {
        p.stats.lastSeconds = this.clock.now() - started;
        if (!always && !this.running) return;
        p.stats.events += events.length;
        also?.(events);
        this.emit(events);
      },
      (err: unknown) => {
        p.stats.lastSeconds = this.clock.now() - started;
        p.stats.errors++;
        this.log(`probe ${p.probe.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    p.running = done.finally(() => {
      p.running = undefined;
    });
    return p.running;
  }
}
