/**
 * The Kafka bus's producer side: batches events into messages and sends
 * them, in order, until the brokers acknowledge them. Events are grouped by
 * topic and host (the message key, so one host's events stay in one
 * partition, in order); a message is sealed when it reaches its event or
 * byte limit, or when it has waited `lingerMs`. One send is in flight at a
 * time and a failed send is retried with the same messages (same producer id
 * and sequence numbers) until it succeeds, so a broker outage delays events
 * and never reorders or loses them; the copies a retry may write are what
 * the consumer's sequence check drops. Memory is bounded: `add` waits while
 * `maxQueuedEvents` are held.
 */
import { randomUUID } from "node:crypto";
import { CompressionTypes, type Producer } from "kafkajs";
import type { Event } from "../streams/event.ts";
import { encodeParts, ENVELOPE_BYTES } from "./codec.ts";
import type { KafkaLog, ResolvedKafkaOptions } from "./kafka-options.ts";

/** Counters the outbox keeps (part of `KafkaBusStats`). */
export interface OutboxCounters {
  publishedEvents: number;
  queuedEvents: number;
  /** Messages acknowledged by the brokers (event messages and dead letters). */
  producedMessages: number;
  /** Send attempts that failed (each is retried). */
  produceFailures: number;
  /** Events still unacknowledged when `close` gave up waiting. */
  droppedOnClose: number;
  /** Messages the brokers refused for good (too large, invalid) and that were dropped. */
  unsendableMessages: number;
  /** Events dropped by `publish` because one alone exceeds `maxMessageBytes`. */
  oversizedEvents: number;
}

/** Kafka errors that condemn the messages of a request, not the connection: retrying the same bytes cannot succeed. */
const MESSAGE_ERRORS: ReadonlySet<string> = new Set(["MESSAGE_TOO_LARGE", "RECORD_LIST_TOO_LARGE", "INVALID_RECORD", "CORRUPT_MESSAGE"]);

/** True when `err` (or an error it wraps) is one of `MESSAGE_ERRORS`. */
function isMessageError(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === "object" && e !== null && depth < 5; depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === "string" && MESSAGE_ERRORS.has(type)) return true;
    e = (e as { originalError?: unknown; cause?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

/** A message ready to send. */
interface Outgoing {
  readonly topic: string;
  readonly key: string | Buffer | null;
  readonly value: string | Buffer;
  readonly headers: Record<string, string> | undefined;
  /** Events it carries (0 for a dead letter). */
  readonly events: number;
  readonly bytes: number;
  /** Position in sealing order; acknowledged in the same order. */
  readonly id: number;
}

interface Filling {
  readonly topic: string;
  readonly host: string;
  parts: string[];
  bytes: number;
}

interface Waiter {
  readonly topic: string;
  readonly events: readonly Event[];
  /** Settles when the events are admitted into the outbox (or it closes). */
  readonly admitted: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * Batches, sends and retries. Made by `KafkaBus`; `producer` is a kafkajs
 * producer it owns from then on.
 *
 * @example
 * const outbox = new Outbox(kafka.producer(), resolved, stats);
 * await outbox.add("satellite.events", events);
 * await outbox.flush();
 */
export class Outbox {
  /** This producer's id in every message it writes (dedup identity). */
  readonly producerId: string = randomUUID();
  private seq = 0;
  private nextId = 0;
  private ackedThrough = -1;
  private readonly filling = new Map<string, Filling>();
  private ready: Outgoing[] = [];
  private readonly waiters: Waiter[] = [];
  private flushWaiters: { readonly target: number; readonly resolve: () => void }[] = [];
  private lingerTimer: NodeJS.Timeout | undefined;
  private pumping = false;
  /** Messages still to send one at a time, to find the one the brokers refuse. */
  private isolate = 0;
  private connected = false;
  /** Set by `close`: no new events are taken. */
  private closing = false;
  /** Set when `close` gives up: the send loop stops. */
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly log: KafkaLog;

  constructor(
    private readonly producer: Producer,
    private readonly options: ResolvedKafkaOptions,
    private readonly stats: OutboxCounters,
  ) {
    this.log = options.log;
  }

  /** Queues `events` for Kafka topic `topic`; waits while the outbox is full. */
  add(topic: string, events: readonly Event[]): Promise<void> {
    if (this.closing) return Promise.reject(new Error("KafkaBus: publish after close"));
    const n = events.length;
    if (n === 0) return Promise.resolve();
    this.stats.publishedEvents += n;
    this.stats.queuedEvents += n;
    if (this.waiters.length === 0 && (this.stats.queuedEvents === n || this.stats.queuedEvents <= this.options.producer.maxQueuedEvents)) {
      this.fill(topic, events);
      return Promise.resolve();
    }
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const admitted = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.waiters.push({ topic, events: events.slice(), admitted, resolve, reject });
    return admitted;
  }

  /** Queues one message as is (a dead letter); never waits, never refused before close. */
  addRaw(topic: string, key: Buffer | null, value: Buffer, headers: Record<string, string>): void {
    if (this.stopped) return;
    this.ready.push({ topic, key, value, headers, events: 0, bytes: value.length, id: this.nextId++ });
    this.kick();
  }

  /** Resolves when everything queued before the call is acknowledged by the brokers. */
  async flush(): Promise<void> {
    await Promise.allSettled(this.waiters.map((w) => w.admitted));
    this.sealAll();
    const target = this.nextId - 1;
    if (this.ackedThrough >= target) return;
    await new Promise<void>((resolve) => this.flushWaiters.push({ target, resolve }));
  }

  /** Sends what it can within `timeoutMs`, then stops; returns the number of events left unsent. */
  async close(timeoutMs: number): Promise<number> {
    if (this.closing) return 0;
    const flushed = this.flush();
    this.closing = true;
    for (const w of this.waiters.splice(0)) {
      this.stats.queuedEvents -= w.events.length;
      w.reject(new Error("KafkaBus: closed before the events found room"));
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([flushed, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    clearTimeout(this.lingerTimer);
    this.stopped = true;
    this.wake?.();
    let left = 0;
    for (const f of this.filling.values()) left += f.parts.length;
    for (const m of this.ready) left += m.events;
    this.filling.clear();
    this.ready = [];
    this.stats.droppedOnClose += left;
    this.stats.queuedEvents -= left;
    for (const w of this.flushWaiters.splice(0)) w.resolve();
    if (this.connected) await this.producer.disconnect().catch(() => undefined);
    return left;
  }

  private fill(topic: string, events: readonly Event[]): void {
    const { maxMessageEvents, maxMessageBytes } = this.options.producer;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const json = JSON.stringify(e);
      if (json.length + ENVELOPE_BYTES > maxMessageBytes) {
        this.stats.oversizedEvents++;
        this.stats.queuedEvents--;
        this.log("error", "event larger than producer.maxMessageBytes; dropped it", { host: e.host, service: e.service, bytes: json.length });
        continue;
      }
      const host = typeof e.host === "string" ? e.host : "";
      const key = topic + "\u0000" + host;
      let f = this.filling.get(key);
      if (f !== undefined && (f.parts.length >= maxMessageEvents || f.bytes + json.length + 1 > maxMessageBytes)) {
        this.seal(f);
        f = undefined;
      }
      if (f === undefined) {
        f = { topic, host, parts: [], bytes: ENVELOPE_BYTES };
        this.filling.set(key, f);
      }
      f.parts.push(json);
      f.bytes += json.length + 1;
    }
    if (this.lingerTimer === undefined && this.filling.size > 0) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = undefined;
        this.sealAll();
      }, this.options.producer.lingerMs);
    }
  }

  private seal(f: Filling): void {
    this.filling.delete(f.topic + "\u0000" + f.host);
    if (f.parts.length === 0) return;
    const value = encodeParts(f.parts, { producer: this.producerId, seq: this.seq++ });
    this.ready.push({ topic: f.topic, key: f.host, value, headers: undefined, events: f.parts.length, bytes: value.length, id: this.nextId++ });
    this.kick();
  }

  private sealAll(): void {
    for (const f of [...this.filling.values()]) this.seal(f);
    if (this.lingerTimer !== undefined && this.filling.size === 0) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
  }

  private admit(): void {
    while (this.waiters.length > 0 && !this.stopped) {
      const w = this.waiters[0]!;
      const others = this.stats.queuedEvents - this.waitingEvents();
      if (others > 0 && others + w.events.length > this.options.producer.maxQueuedEvents) return;
      this.waiters.shift();
      this.fill(w.topic, w.events);
      w.resolve();
    }
  }

  private waitingEvents(): number {
    let n = 0;
    for (const w of this.waiters) n += w.events.length;
    return n;
  }

  private kick(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    void this.pump().finally(() => {
      this.pumping = false;
      if (this.ready.length > 0 && !this.stopped) this.kick();
    });
  }

  private async pump(): Promise<void> {
    let delay = 100;
    while (this.ready.length > 0 && !this.stopped) {
      const batch = this.takeBatch(this.isolate > 0);
      try {
        if (!this.connected) {
          await this.producer.connect();
          this.connected = true;
        }
        await this.send(batch);
        delay = 100;
      } catch (err) {
        if (this.stopped) return;
        this.stats.produceFailures++;
        if (isMessageError(err)) {
          if (batch.length > 1) {
            this.isolate = batch.length;
            continue;
          }
          this.stats.unsendableMessages++;
          this.log("error", "kafka refused a message for good; dropped it", { error: errorText(err), topic: batch[0]!.topic, events: batch[0]!.events, bytes: batch[0]!.bytes });
          if (this.isolate > 0) this.isolate--;
          this.acknowledge(batch, false);
          continue;
        }
        this.log("warn", "kafka send failed; retrying the same messages", { error: errorText(err), messages: batch.length, retryInMs: delay });
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.options.producer.maxRetryDelayMs);
        continue;
      }
      if (this.stopped) return; // close gave up on these and counted them
      if (this.isolate > 0) this.isolate--;
      this.acknowledge(batch, true);
    }
  }

  private takeBatch(single: boolean): Outgoing[] {
    if (single) return this.ready.slice(0, 1);
    const max = this.options.producer.maxRequestBytes;
    let bytes = 0;
    let n = 0;
    while (n < this.ready.length && (n === 0 || bytes + this.ready[n]!.bytes <= max)) bytes += this.ready[n++]!.bytes;
    return this.ready.slice(0, n);
  }

  private async send(batch: readonly Outgoing[]): Promise<void> {
    const byTopic = new Map<string, { key: string | Buffer | null; value: string | Buffer; headers?: Record<string, string> }[]>();
    for (const m of batch) {
      let list = byTopic.get(m.topic);
      if (list === undefined) byTopic.set(m.topic, (list = []));
      list.push(m.headers === undefined ? { key: m.key, value: m.value } : { key: m.key, value: m.value, headers: m.headers });
    }
    await this.producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      acks: this.options.producer.acks,
      compression: this.options.producer.compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None,
    });
  }

  private acknowledge(batch: readonly Outgoing[], sent: boolean): void {
    // The batch is a prefix of `ready` (one send in flight), so removing it keeps the order.
    this.ready.splice(0, batch.length);
    let events = 0;
    for (const m of batch) events += m.events;
    if (sent) this.stats.producedMessages += batch.length;
    this.stats.queuedEvents -= events;
    this.ackedThrough = batch[batch.length - 1]!.id;
    if (this.flushWaiters.length > 0) {
      const still: typeof this.flushWaiters = [];
      for (const w of this.flushWaiters) {
        if (w.target <= this.ackedThrough) w.resolve();
        else still.push(w);
      }
      this.flushWaiters = still;
    }
    this.admit();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
