/**
 * Runs checks on their schedules with the injected clock (no wall timers),
 * and turns their results into events. Each check has at most one run at a
 * time: a fire that finds the previous run still going is skipped and
 * counted. At a run's deadline (`timeoutSeconds`) the scheduler reports a
 * critical "timed out" event for the check at once and aborts the run (a
 * command check then kills its process group); a run that throws is
 * critical too. A run that is still not gone at a later fire (a process
 * stuck in the kernel ignores SIGKILL, e.g. `df` on a hung NFS mount)
 * renews the critical event, so the check stays critical instead of
 * expiring. Every event: host = the agent's, tag "check", ttl = the check's
 * `ttlPeriods` periods.
 */
import { CHECK_TAG } from "../../rules/builtin/services.ts";
import type { Clock, Timer } from "../../streams/clock.ts";
import { makeEvent, validateEvent, type Event } from "../../streams/event.ts";
import type { Check, CheckResult } from "./check.ts";
import { nextCronTime } from "./cron.ts";

/** Counters of one check. */
export interface CheckStats {
  /** Runs started. */
  runs: number;
  /** Fires skipped because the previous run was still going. */
  skipped: number;
  /** Runs that hit their deadline. */
  timeouts: number;
  /** Runs that threw (a bug in an in-process check) or could not be scheduled. */
  errors: number;
  /** Results replaced by a critical event because they were not valid events. */
  invalidResults: number;
}

/** Settings of a `CheckScheduler`. */
export interface CheckSchedulerOptions {
  readonly clock: Clock;
  /** The host every event is about. */
  readonly host: string;
  readonly checks: readonly Check[];
  /** Receives each run's events; must not block (the shipper queues them). */
  readonly sink: (events: readonly Event[]) => void;
  readonly log?: (line: string) => void;
}

interface CheckState {
  readonly check: Check;
  readonly stats: CheckStats;
  timer: Timer | undefined;
  running: Promise<void> | undefined;
  startedAt: number;
  /** The run's abort, while it runs. */
  abort: AbortController | undefined;
  timedOut: boolean;
}

/**
 * The ttl of an event of `check` from a run scheduled at `at`: `ttlPeriods`
 * intervals, or for a cron check the time until its `ttlPeriods`-th next
 * fire (so an irregular schedule, e.g. weekdays only, is covered).
 *
 * @example
 * checkTtl({ schedule: { kind: "interval", seconds: 60 }, ttlPeriods: 3, ... }, now); // 180
 */
export function checkTtl(check: Pick<Check, "schedule" | "ttlPeriods">, at: number): number {
  if (check.schedule.kind === "interval") return check.schedule.seconds * check.ttlPeriods;
  let t = at;
  const whole = Math.ceil(check.ttlPeriods);
  for (let i = 0; i < whole; i++) {
    const next = nextCronTime(check.schedule.expression, t);
    if (next === undefined) break;
    t = next;
  }
  const ttl = (t - at) * (check.ttlPeriods / whole);
  return ttl > 0 ? ttl : 60;
}

/**
 * The complete event of one check result: host, time, ttl and the "check"
 * tag filled in, validated as the engine would; an invalid result becomes a
 * critical event for the check saying why.
 *
 * @example
 * checkEvent(check, { state: "ok", metric: 0 }, "web1", now, 180);
 * // { host: "web1", service: check.name, state: "ok", metric: 0, ttl: 180, tags: ["check"], time: now }
 */
export function checkEvent(check: Pick<Check, "name" | "tags">, result: CheckResult, host: string, now: number, ttl: number): { event: Event; valid: boolean } {
  const tags = [CHECK_TAG, ...check.tags];
  for (const t of result.tags ?? []) if (!tags.includes(t)) tags.push(t);
  const candidate = {
    host,
    service: result.service ?? check.name,
    time: now,
    state: result.state,
    description: result.description,
    metric: result.metric,
    tags,
    ttl: result.ttl ?? ttl,
    attributes: result.attributes,
  };
  const v = validateEvent(candidate, now);
  if (v.ok) return { event: makeEvent(candidate), valid: true };
  const event = makeEvent({ host, service: check.name, time: now, state: "critical", description: `the check's result is not a valid event: ${v.rejection.reason}`, tags: [CHECK_TAG, ...check.tags], ttl });
  return { event, valid: false };
}

/**
 * Schedules and runs checks. `start()` arms every check's first fire
 * (interval checks fire at once, cron checks at their next time), `stop()`
 * cancels the timers and aborts runs in progress, `runOnce()` runs every
 * check now and resolves with their events (for `--once`).
 *
 * @example
 * const scheduler = new CheckScheduler({ clock, host: "web1", checks, sink: (events) => shipping.push(events) });
 * scheduler.start();
 * // ...
 * await scheduler.stop();
 */
export class CheckScheduler {
  private readonly states: CheckState[];
  private started = false;
  private readonly log: (line: string) => void;

  constructor(private readonly options: CheckSchedulerOptions) {
    this.log = options.log ?? (() => undefined);
    this.states = options.checks.map((check) => ({
      check,
      stats: { runs: 0, skipped: 0, timeouts: 0, errors: 0, invalidResults: 0 },
      timer: undefined,
      running: undefined,
      startedAt: 0,
      abort: undefined,
      timedOut: false,
    }));
  }

  /** Counters by check name. */
  get stats(): ReadonlyMap<string, Readonly<CheckStats>> {
    return new Map(this.states.map((s) => [s.check.name, s.stats]));
  }

  /** Arms every check. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const now = this.options.clock.now();
    for (const s of this.states) {
      const first = s.check.schedule.kind === "interval" ? now : nextCronTime(s.check.schedule.expression, now);
      this.arm(s, first);
    }
  }

  /** Cancels the timers, aborts runs in progress and waits for them to settle. */
  async stop(): Promise<void> {
    this.started = false;
    for (const s of this.states) {
      s.timer?.cancel();
      s.timer = undefined;
      s.abort?.abort();
    }
    await this.idle();
  }

  /** Resolves when no run is in progress. */
  async idle(): Promise<void> {
    for (;;) {
      const running = this.states.map((s) => s.running).filter((p) => p !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /**
   * Runs every check once, now (checks still running are skipped), and
   * resolves with the events of these runs once all have settled or timed
   * out; the events also go to the sink.
   */
  async runOnce(): Promise<Event[]> {
    const collected: Event[] = [];
    const now = this.options.clock.now();
    const runs = this.states.map((s) => this.fire(s, now, (events) => collected.push(...events)));
    await Promise.all(runs);
    return collected;
  }

  private arm(s: CheckState, at: number | undefined): void {
    if (!this.started) return;
    if (at === undefined) {
      s.stats.errors++;
      this.log(`check ${JSON.stringify(s.check.name)}: its schedule has no next time; it will not run again`);
      return;
    }
    s.timer = this.options.clock.setTimer(at, () => {
      s.timer = undefined;
      const next = this.nextFire(s, at);
      this.arm(s, next);
      void this.fire(s, at);
    });
  }

  private nextFire(s: CheckState, at: number): number | undefined {
    const schedule = s.check.schedule;
    if (schedule.kind === "cron") return nextCronTime(schedule.expression, Math.max(at, this.options.clock.now()));
    let next = at + schedule.seconds;
    const now = this.options.clock.now();
    if (next <= now) next += Math.ceil((now - next) / schedule.seconds + 1e-9) * schedule.seconds; // the clock jumped: skip missed fires
    return next;
  }

  private emit(events: readonly Event[], also?: (events: readonly Event[]) => void): void {
    if (events.length === 0) return;
    also?.(events);
    this.options.sink(events);
  }

  private critical(s: CheckState, description: string, ttl: number, also?: (events: readonly Event[]) => void): void {
    const now = this.options.clock.now();
    this.emit([checkEvent(s.check, { state: "critical", description }, this.options.host, now, ttl).event], also);
  }

  /** Starts a run for the fire at `at`; resolves when it has settled (or at once when skipped). */
  private fire(s: CheckState, at: number, also?: (events: readonly Event[]) => void): Promise<void> {
    const check = s.check;
    const clock = this.options.clock;
    const ttl = checkTtl(check, at);
    if (s.running !== undefined) {
      s.stats.skipped++;
      if (s.timedOut) {
        const since = clock.now() - s.startedAt;
        this.critical(s, `still running ${Math.round(since)} s after it started; killed at its ${check.timeoutSeconds} s timeout but has not exited`, ttl, also);
      }
      return Promise.resolve();
    }
    s.stats.runs++;
    const abort = new AbortController();
    s.abort = abort;
    s.startedAt = clock.now();
    s.timedOut = false;
    const deadline = clock.setTimer(s.startedAt + check.timeoutSeconds, () => {
      if (s.abort !== abort) return;
      s.timedOut = true;
      s.stats.timeouts++;
      this.critical(s, `timed out after ${check.timeoutSeconds} s`, ttl, also);
      abort.abort();
    });
    const settle = (): void => {
      deadline.cancel();
      if (s.abort === abort) s.abort = undefined;
      s.running = undefined;
    };
    let run: Promise<readonly CheckResult[]>;
    try {
      run = check.run({ host: this.options.host, signal: abort.signal });
    } catch (err) {
      run = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const running = run.then(
      (results) => {
        if (s.timedOut || abort.signal.aborted) return;
        const now = clock.now();
        const events: Event[] = [];
        for (const r of results) {
          const { event, valid } = checkEvent(check, r, this.options.host, now, ttl);
          if (!valid) s.stats.invalidResults++;
          events.push(event);
        }
        this.emit(events, also);
      },
      (err: unknown) => {
        if (s.timedOut || abort.signal.aborted) return;
        s.stats.errors++;
        const message = err instanceof Error ? err.message : String(err);
        this.log(`check ${JSON.stringify(check.name)} failed: ${message}`);
        this.critical(s, `the check failed: ${message}`, ttl, also);
      },
    );
    s.running = running.finally(settle);
    return s.running;
  }
}
