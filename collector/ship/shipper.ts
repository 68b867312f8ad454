/**
 * Moves the agent's events to one destination without ever making the
 * agent wait: `push` only queues in memory, and one pump (the only user of
 * the transport and the buffer) sends. While the destination answers,
 * queued events go out directly, as many as arrived during the previous
 * send in one batch. When a send fails, the batch goes to the buffer (on
 * disk: disk-buffer.ts) and so does everything pushed after it, the pump
 * waits a backoff on the injected clock (1 s doubling to 60 s by default),
 * then resends the buffer oldest first; once it is empty, direct sending
 * resumes. Order is kept: nothing new is sent before older buffered
 * batches. Counters (sent, buffered, dropped, retries, ...) are in `stats`.
 */
import { randomUUID } from "node:crypto";
import type { Clock, Timer } from "../../streams/clock.ts";
import type { Event } from "../../streams/event.ts";
import type { BatchBuffer } from "./buffer.ts";
import { PermanentSendError, type Batch, type Transport } from "./transport.ts";

/** Settings of a `Shipper`. */
export interface ShipperOptions {
  readonly clock: Clock;
  readonly transport: Transport;
  /** Where batches wait while the transport fails (a `DiskBuffer`, or a `MemoryBuffer`). */
  readonly buffer: BatchBuffer;
  /** Most events in one batch. Default 1,000. */
  readonly maxBatchEvents?: number;
  /** First wait after a failed send, seconds. Default 1. */
  readonly retryInitialSeconds?: number;
  /** Longest wait between two attempts, seconds. Default 60. */
  readonly retryMaxSeconds?: number;
  /** Events held in memory before the oldest are dropped (only reached when the buffer itself is slower than the agent). Default 100,000. */
  readonly maxPendingEvents?: number;
  readonly log?: (line: string) => void;
}

/** Defaults of `ShipperOptions`, in one place. */
export const SHIPPER_DEFAULTS = Object.freeze({ maxBatchEvents: 1_000, retryInitialSeconds: 1, retryMaxSeconds: 60, maxPendingEvents: 100_000 });

/** A shipper's counters (monotonic unless said otherwise). */
export interface ShipperStats {
  /** Events the destination acknowledged. */
  sent: number;
  /** Events written to the buffer (because the destination failed, or older events were still buffered). */
  buffered: number;
  /** Events dropped: the buffer was full (oldest first), memory overflowed, or the destination refused a batch for good. */
  dropped: number;
  /** Sends of buffered batches after a failure. */
  retries: number;
  /** Sends that failed. */
  sendFailures: number;
  /** Events the destination received and refused as invalid (not resent). */
  rejected: number;
  /** Events in memory now, not yet sent or buffered. */
  pending: number;
  /** Events in the buffer now. */
  bufferedNow: number;
  /** Bytes in the buffer now. */
  bufferBytes: number;
  /** True while waiting to retry. */
  backingOff: boolean;
}

/**
 * Ships events to one `Transport` through one `BatchBuffer`.
 *
 * @example
 * const shipper = new Shipper({ clock, transport: new HttpTransport({ url, clock }), buffer: await DiskBuffer.open(dir) });
 * agentSink = (events) => shipper.push(events);
 * // ...
 * await shipper.close(); // unsent events stay in the buffer for the next run
 */
export class Shipper {
  /** Identity of this run's batches (see `Batch`). */
  readonly producer: string = randomUUID();
  private seq = 0;
  private pending: Event[] = [];
  private pumping: Promise<void> | undefined;
  private retryTimer: Timer | undefined;
  private delay = 0;
  private afterFailure = false;
  private closing = false;
  private readonly counters = { sent: 0, buffered: 0, dropped: 0, retries: 0, sendFailures: 0, rejected: 0 };
  private readonly maxBatch: number;
  private readonly initialDelay: number;
  private readonly maxDelay: number;
  private readonly maxPending: number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: ShipperOptions) {
    this.maxBatch = options.maxBatchEvents ?? SHIPPER_DEFAULTS.maxBatchEvents;
    this.initialDelay = options.retryInitialSeconds ?? SHIPPER_DEFAULTS.retryInitialSeconds;
    this.maxDelay = options.retryMaxSeconds ?? SHIPPER_DEFAULTS.retryMaxSeconds;
    this.maxPending = options.maxPendingEvents ?? SHIPPER_DEFAULTS.maxPendingEvents;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1 || this.maxBatch > 1_000) throw new RangeError(`shipping.maxBatchEvents must be an integer from 1 to 1000, got ${String(options.maxBatchEvents)}`);
    if (!(this.initialDelay > 0)) throw new RangeError(`shipping.retryInitialSeconds must be a positive number, got ${String(options.retryInitialSeconds)}`);
    if (!(this.maxDelay >= this.initialDelay)) throw new RangeError(`shipping.retryMaxSeconds must be a number >= retryInitialSeconds, got ${String(options.retryMaxSeconds)}`);
    if (!Number.isInteger(this.maxPending) || this.maxPending < 1) throw new RangeError(`shipping.maxPendingEvents must be a positive integer, got ${String(options.maxPendingEvents)}`);
    this.log = options.log ?? (() => undefined);
  }

  /** The transport's name. */
  get name(): string {
    return this.options.transport.name;
  }

  get stats(): ShipperStats {
    const b = this.options.buffer.stats;
    return {
      ...this.counters,
      dropped: this.counters.dropped + b.droppedEvents,
      pending: this.pending.length,
      bufferedNow: b.events,
      bufferBytes: b.bytes,
      backingOff: this.retryTimer !== undefined,
    };
  }

  /** Queues events; returns at once. After `close`, events are dropped and counted. */
  push(events: readonly Event[]): void {
    if (events.length === 0) return;
    if (this.closing) {
      this.counters.dropped += events.length;
      return;
    }
    for (const e of events) this.pending.push(e);
    if (this.pending.length > this.maxPending) {
      const over = this.pending.length - this.maxPending;
      this.pending.splice(0, over);
      this.counters.dropped += over;
    }
    this.kick();
  }

  /** Starts sending what the buffer holds (events a previous run left on disk); pushes do this too. */
  drain(): void {
    this.kick();
  }

  /** Resolves when the pump has nothing it can do now (everything sent, or buffered while waiting to retry). */
  async idle(): Promise<void> {
    while (this.pumping !== undefined) await this.pumping;
  }

  /**
   * Stops: cancels the retry, lets a send in progress finish, writes what is
   * still in memory to the buffer (so a disk buffer sends it on the next
   * run), closes the buffer and the transport.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    await this.idle();
    while (this.pending.length > 0) await this.bufferBatch(this.take());
    await this.options.buffer.close();
    await this.options.transport.close();
  }

  private kick(): void {
    if (this.pumping !== undefined || this.closing) return;
    let failed = false;
    this.pumping = this.pump()
      .catch((err: unknown) => {
        // The buffer failed (disk error): wait as after a failed send rather than spin.
        failed = true;
        this.log(`shipper ${this.name}: buffer error: ${err instanceof Error ? err.message : String(err)}`);
        this.backOff();
      })
      .finally(() => {
        this.pumping = undefined;
        // Events pushed while the pump's last step settled, after it had decided to stop.
        if (!failed && !this.closing && this.pending.length > 0) this.kick();
      });
  }

  private backOff(): void {
    this.afterFailure = true;
    this.delay = this.delay === 0 ? this.initialDelay : Math.min(this.maxDelay, this.delay * 2);
    if (this.retryTimer !== undefined || this.closing) return;
    const clock = this.options.clock;
    this.retryTimer = clock.setTimer(clock.now() + this.delay, () => {
      this.retryTimer = undefined;
      this.kick();
    });
  }

  private take(): Batch {
    const events = this.pending.length <= this.maxBatch ? this.pending : this.pending.slice(0, this.maxBatch);
    this.pending = events === this.pending ? [] : this.pending.slice(this.maxBatch);
    return { producer: this.producer, seq: this.seq++, events };
  }

  private async bufferBatch(batch: Batch): Promise<void> {
    try {
      await this.options.buffer.append(batch);
      this.counters.buffered += batch.events.length;
    } catch (err) {
      this.counters.dropped += batch.events.length;
      this.log(`shipper ${this.name}: could not buffer ${batch.events.length} events, dropped them: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The only place that sends and touches the buffer. */
  private async pump(): Promise<void> {
    const buffer = this.options.buffer;
    for (;;) {
      if (this.closing) return;
      const backingOff = this.retryTimer !== undefined;
      if (this.pending.length > 0 && (backingOff || buffer.stats.batches > 0)) {
        await this.bufferBatch(this.take()); // behind older batches
        continue;
      }
      if (backingOff) return;
      if (buffer.stats.batches > 0) {
        const batch = await buffer.peek();
        if (batch === undefined) throw new Error(`the buffer counts ${buffer.stats.batches} batches but returned none`);
        if (this.afterFailure) this.counters.retries++;
        if (await this.send(batch)) await buffer.ack(batch);
        else return;
        continue;
      }
      if (this.pending.length > 0) {
        const batch = this.take();
        if (!(await this.send(batch))) await this.bufferBatch(batch);
        continue;
      }
      return;
    }
  }

  /** Sends one batch; false when it failed (a retry is then scheduled). A permanent refusal counts as done. */
  private async send(batch: Batch): Promise<boolean> {
    try {
      const result = await this.options.transport.send(batch);
      const rejected = result?.rejected ?? 0;
      this.counters.rejected += rejected;
      this.counters.sent += batch.events.length - rejected;
      this.delay = 0;
      this.afterFailure = false;
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof PermanentSendError) {
        this.counters.dropped += batch.events.length;
        this.log(`shipper ${this.name}: dropped ${batch.events.length} events the destination refused: ${message}`);
        return true;
      }
      this.counters.sendFailures++;
      this.backOff();
      this.log(`shipper ${this.name}: send failed (${message}); buffering, next attempt in ${this.delay} s`);
      return false;
    }
  }
}
