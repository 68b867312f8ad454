/**
 * Publishing the simulator's events through the collector's transports
 * (collector/ship: HTTP, Riemann, Kafka, in-process engine). A transport
 * takes one batch at a time, and the simulator produces events in bursts
 * (a fleet sample) and in drips (task events), so each transport gets a
 * `TransportPublisher`: events queue up while a send is in flight and go
 * together in the next one. A failed batch is counted and dropped (a
 * simulation has no use for an on-disk buffer); beyond `maxQueued` events
 * the oldest are dropped and counted.
 */
import type { Batch, Transport } from "../collector/ship/transport.ts";
import type { Event } from "../streams/event.ts";

/** Counters of a `TransportPublisher`. */
export interface PublisherStats {
  /** Events delivered (the destination answered). */
  sent: number;
  /** Of those, events the destination refused as invalid. */
  rejected: number;
  /** Events in batches that failed. */
  failed: number;
  /** Events dropped because the queue was full. */
  dropped: number;
  /** Batches that failed. */
  errors: number;
}

/** Settings of a `TransportPublisher`. */
export interface TransportPublisherOptions {
  /** Most events queued while a send is in flight; older ones are dropped beyond. Default 200,000. */
  readonly maxQueued?: number | undefined;
  /** Most events in one batch. Default 5,000 (under the API's 5 MB body limit). */
  readonly maxBatch?: number | undefined;
  /** A failed batch. */
  readonly onError?: ((err: unknown) => void) | undefined;
}

/** Defaults of `TransportPublisherOptions`, in one place. */
export const PUBLISHER_DEFAULTS = Object.freeze({ maxQueued: 200_000, maxBatch: 5_000 });

/**
 * Queues events for one transport and sends them one batch at a time.
 *
 * @example
 * const out = new TransportPublisher(new HttpTransport({ url: "http://127.0.0.1:5001", clock }));
 * out.publish(events);
 * await out.idle();
 */
export class TransportPublisher {
  readonly stats: PublisherStats = { sent: 0, rejected: 0, failed: 0, dropped: 0, errors: 0 };
  private queue: Event[] = [];
  private sending: Promise<void> | undefined;
  private seq = 0;
  private readonly producer = `simulate-${process.pid}-${Date.now().toString(36)}`;
  private readonly maxQueued: number;
  private readonly maxBatch: number;

  constructor(
    readonly transport: Transport,
    private readonly options: TransportPublisherOptions = {},
  ) {
    this.maxQueued = options.maxQueued ?? PUBLISHER_DEFAULTS.maxQueued;
    this.maxBatch = options.maxBatch ?? PUBLISHER_DEFAULTS.maxBatch;
  }

  /** The transport's name. */
  get name(): string {
    return this.transport.name;
  }

  /** Queues `events`, and starts sending unless a send is in flight. Never throws. */
  publish(events: readonly Event[]): void {
    for (const e of events) this.queue.push(e);
    const excess = this.queue.length - this.maxQueued;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.stats.dropped += excess;
    }
    this.sending ??= this.drain();
  }

  /** Resolves once everything queued so far has been sent (or failed). */
  async idle(): Promise<void> {
    while (this.sending !== undefined) await this.sending;
  }

  /** Sends what is queued, then closes the transport. */
  async close(): Promise<void> {
    await this.idle();
    await this.transport.close();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const events = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
        this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
        const batch: Batch = { producer: this.producer, seq: this.seq++, events };
        try {
          const result = await this.transport.send(batch);
          this.stats.sent += events.length;
          this.stats.rejected += result?.rejected ?? 0;
        } catch (err) {
          this.stats.failed += events.length;
          this.stats.errors++;
          this.options.onError?.(err);
        }
      }
    } finally {
      this.sending = undefined;
    }
  }
}
