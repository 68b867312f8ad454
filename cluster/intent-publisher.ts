/**
 * The engine's side of the intents topic: `satellite engine` publishes
 * every page, resolve and host action its rules emit (after the leader gate)
 * to `satellite.intents`, where the control process (`satellite control`)
 * runs alerting and the scheduler on them. Messages are keyed by the alert's
 * dedup key (pages, resolves) or the host (host actions), so the intents
 * about one alert or host stay in order on any number of partitions; they
 * are sent in order, one request at a time, acknowledged by all in-sync
 * replicas. `flushed()` lets the engine hold back a batch's offsets until
 * the intents it produced are stored, so a crash never loses a page: the
 * batch is read again, and the same intents (same keys) are harmless twice.
 */
import { Partitioners, type Producer } from "kafkajs";
import { encodeIntentMessage, INTENT_FORMAT_VERSION, type ActionIntent } from "./intent-codec.ts";
import { kafkaFor, type TransportLog } from "./kafka-transport.ts";

/** The default topic of the intents. */
export const DEFAULT_INTENTS_TOPIC = "satellite.intents";

/** Settings of a `KafkaIntentPublisher`. */
export interface KafkaIntentPublisherOptions {
  readonly brokers: readonly string[];
  readonly engineId: string;
  /** Default `satellite.intents`. */
  readonly topic?: string | undefined;
  /** Most intents held while Kafka is unreachable; beyond it the oldest are dropped, counted and logged. Default 100,000. */
  readonly maxQueued?: number | undefined;
  /** Most intents per produce request. Default 500. */
  readonly maxPerRequest?: number | undefined;
  /** Longest wait between two attempts after a failed send, in ms (doubling from 250). Default 10,000. */
  readonly maxRetryDelayMs?: number | undefined;
  readonly log: TransportLog;
}

/** Counters of a publisher. */
export interface IntentPublisherStats {
  published: number;
  sent: number;
  sendFailures: number;
  /** Intents dropped because the queue was full (Kafka unreachable for long). */
  dropped: number;
}

interface Queued {
  readonly seq: number;
  readonly key: string;
  readonly value: Buffer;
}

interface Waiter {
  readonly seq: number;
  readonly resolve: () => void;
}

/** The message key of an intent: the dedup key of a page or resolve, the host of a host action. */
export function intentKey(intent: ActionIntent): string {
  return intent.kind === "page" || intent.kind === "resolve" ? intent.key : intent.host;
}

/**
 * Publishes intents to Kafka in order, never blocking the caller.
 *
 * @example
 * const publisher = new KafkaIntentPublisher({ brokers, engineId: "engine-a", log });
 * await publisher.start();
 * publisher.publish({ kind: "resolve", rule: "r", key: "r/p:h1", time: 10 });
 * await publisher.flushed();
 * await publisher.close();
 */
export class KafkaIntentPublisher {
  readonly stats: IntentPublisherStats = { published: 0, sent: 0, sendFailures: 0, dropped: 0 };
  readonly topic: string;
  private readonly producer: Producer;
  private readonly engineId: string;
  private readonly log: TransportLog;
  private readonly maxQueued: number;
  private readonly maxPerRequest: number;
  private readonly maxRetryDelayMs: number;
  private queue: Queued[] = [];
  private waiters: Waiter[] = [];
  private seq = 0;
  /** Every intent up to this sequence number was sent (or dropped). */
  private doneSeq = 0;
  private sending: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = 0;
  private connected = false;
  private closed = false;

  constructor(options: KafkaIntentPublisherOptions) {
    this.engineId = options.engineId;
    this.topic = options.topic ?? DEFAULT_INTENTS_TOPIC;
    this.log = options.log;
    this.maxQueued = options.maxQueued ?? 100_000;
    this.maxPerRequest = options.maxPerRequest ?? 500;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 10_000;
    this.producer = kafkaFor(options.brokers, `satellite-intents-${options.engineId}`, options.log).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      maxInFlightRequests: 1,
    });
  }

  /** Connects; intents published before are sent now. */
  async start(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
    this.kick();
  }

  /** Queues `intent` for the topic. Never throws. */
  publish(intent: ActionIntent): void {
    if (this.closed) return;
    this.stats.published++;
    this.queue.push({ seq: ++this.seq, key: intentKey(intent), value: encodeIntentMessage({ v: INTENT_FORMAT_VERSION, engine: this.engineId, intent }) });
    if (this.queue.length > this.maxQueued) {
      const dropped = this.queue.splice(0, this.queue.length - this.maxQueued);
      this.stats.dropped += dropped.length;
      this.markDone(dropped.at(-1)!.seq);
      this.log("error", `dropped ${dropped.length} intent(s): ${this.topic} has been unreachable while ${this.maxQueued} queued up (${this.stats.dropped} dropped in all)`);
    }
    this.kick();
  }

  /** Resolves once every intent published so far is stored in Kafka (or dropped); undefined when none is waiting. */
  flushed(): Promise<void> | undefined {
    if (this.doneSeq >= this.seq) return undefined;
    const seq = this.seq;
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** Sends what is queued (for at most `timeoutMs`), then disconnects; what is still queued then is logged as lost. Idempotent. */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.closed) return;
    const waiting = this.flushed();
    if (waiting !== undefined && this.connected) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([waiting, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.queue.length > 0) this.log("error", `stopping with ${this.queue.length} intent(s) not stored in ${this.topic}; their events' offsets were not committed, so the next engine reads them again`);
    this.markDone(this.seq);
    await this.sending;
    await this.producer.disconnect().catch(() => undefined);
  }

  private markDone(seq: number): void {
    if (seq <= this.doneSeq) return;
    this.doneSeq = seq;
    const due = this.waiters.filter((w) => w.seq <= seq);
    if (due.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.seq > seq);
    for (const w of due) w.resolve();
  }

  private kick(): void {
    if (this.sending !== undefined || this.retryTimer !== undefined || !this.connected || this.closed) return;
    this.sending = this.sendAll().finally(() => (this.sending = undefined));
  }

  private async sendAll(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const batch = this.queue.slice(0, this.maxPerRequest);
      try {
        await this.producer.send({ topic: this.topic, acks: -1, messages: batch.map((q) => ({ key: q.key, value: q.value })) });
      } catch (err) {
        this.stats.sendFailures++;
        this.retryDelayMs = Math.min(this.maxRetryDelayMs, this.retryDelayMs === 0 ? 250 : this.retryDelayMs * 2);
        this.log("error", `could not publish ${batch.length} intent(s) to ${this.topic}, retrying in ${this.retryDelayMs} ms: ${err instanceof Error ? err.message : String(err)}`);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.kick();
        }, this.retryDelayMs);
        return;
      }
      this.retryDelayMs = 0;
      this.stats.sent += batch.length;
      // Drops while the request was in flight removed from the front; what was sent is what is left of the batch at the front.
      const last = batch.at(-1)!.seq;
      let n = 0;
      while (n < this.queue.length && this.queue[n]!.seq <= last) n++;
      this.queue.splice(0, n);
      this.markDone(last);
    }
  }
}
