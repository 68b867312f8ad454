/**
 * The agent's side of the heartbeat protocol: every `intervalSeconds` (on
 * the injected clock), and soon after a task ends, send the scheduler this
 * host's capacity, running tasks and unacknowledged results; then launch
 * and kill what the answer says. One heartbeat at a time; a failed one is
 * logged and the next carries the same results again, so nothing is lost
 * while the scheduler is unreachable.
 */
import type { Clock, Timer } from "../../streams/clock.ts";
import type { HeartbeatResponse, SchedulerClient } from "../../scheduler/protocol.ts";
import type { Executor } from "./executor.ts";

/** Settings of an `AgentLoop`. */
export interface AgentLoopOptions {
  readonly host: string;
  readonly client: SchedulerClient;
  readonly clock: Clock;
  readonly executor: Executor;
  /** What this host offers to tasks. */
  readonly capacity: { readonly cpus: number; readonly mem: number };
  readonly attributes?: Readonly<Record<string, string>>;
  /** Seconds between heartbeats. Default 5 (well inside the scheduler's 30 s timeout). */
  readonly intervalSeconds?: number;
  /** Called with a failed heartbeat's error. Default: a line on stderr. */
  readonly onError?: (err: unknown) => void;
}

/**
 * Heartbeats on a timer; see the file header.
 *
 * @example
 * const loop = new AgentLoop({ host: "web1", client, clock, executor, capacity: { cpus: 8, mem: 16384 } });
 * loop.start();
 * await loop.beat(); // one exchange now
 * loop.stop();
 */
export class AgentLoop {
  private timer: Timer | undefined;
  private soonTimer: Timer | undefined;
  private inFlight: Promise<void> | undefined;
  private again = false;
  private started = false;
  private readonly intervalSeconds: number;
  private readonly onError: (err: unknown) => void;

  constructor(private readonly options: AgentLoopOptions) {
    this.intervalSeconds = options.intervalSeconds ?? 5;
    if (!(this.intervalSeconds > 0)) throw new RangeError(`AgentLoop intervalSeconds must be a positive number, got ${options.intervalSeconds}`);
    this.onError = options.onError ?? ((err) => process.stderr.write(`executor: heartbeat to the scheduler failed: ${err instanceof Error ? err.message : String(err)}\n`));
  }

  /** Sends a first heartbeat now, then one every interval. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.beat();
    this.arm();
  }

  /** Stops the timers; a heartbeat in flight completes. */
  stop(): void {
    this.started = false;
    this.timer?.cancel();
    this.soonTimer?.cancel();
    this.timer = this.soonTimer = undefined;
  }

  private arm(): void {
    const clock = this.options.clock;
    this.timer = clock.setTimer(clock.now() + this.intervalSeconds, () => {
      this.timer = undefined;
      if (!this.started) return;
      void this.beat();
      this.arm();
    });
  }

  /** Asks for a heartbeat at the current clock time (a task ended: report it promptly). */
  soon(): void {
    if (!this.started || this.soonTimer !== undefined) return;
    const clock = this.options.clock;
    this.soonTimer = clock.setTimer(clock.now(), () => {
      this.soonTimer = undefined;
      if (this.started) void this.beat();
    });
  }

  /** Resolves when no heartbeat is in flight (the one in flight, if any, has been answered and acted on). */
  async idle(): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight;
  }

  /**
   * One exchange with the scheduler. When one is in flight, resolves after
   * it and one more (so what changed meanwhile is sent). Never rejects.
   */
  beat(): Promise<void> {
    if (this.inFlight !== undefined) {
      this.again = true;
      return this.inFlight;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.again = false;
          await this.exchange();
        } while (this.again);
      } finally {
        this.inFlight = undefined;
      }
    };
    this.inFlight = run();
    return this.inFlight;
  }

  private async exchange(): Promise<void> {
    const { executor, client, host } = this.options;
    const finished = executor.pendingReports();
    let answer: HeartbeatResponse;
    try {
      answer = await client.heartbeat(host, { capacity: this.options.capacity, attributes: this.options.attributes, running: executor.runningIds(), finished });
    } catch (err) {
      this.onError(err);
      return;
    }
    executor.acknowledge(finished);
    for (const id of answer.kill) executor.kill(id);
    for (const order of answer.launch) executor.launch(order);
  }
}
