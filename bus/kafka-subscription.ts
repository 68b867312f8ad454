/**
 * One member of a Kafka consumer group, as the Kafka bus runs it: a kafkajs
 * consumer with auto-commit off that walks each fetched batch message by
 * message through `handleMessage`, resolves each offset only after the
 * message was processed (or set aside), and commits after the batch (at
 * most every `commitIntervalMs` while it is behind; at once when it has
 * caught up with the partition or is stopping). It
 * keeps going through whatever Kafka does: a commit refused while the group
 * rebalances is retried by the next batch (what was processed is remembered,
 * so the redelivered messages are skipped), and a consumer kafkajs gives up
 * on is restarted with a growing delay instead of staying dead (Riemann's
 * Kafka consumer stopped for good on the first exception).
 */
import type { Consumer, EachBatchPayload, Kafka } from "kafkajs";
import type { BatchHandler, BusTopic, Subscription } from "./bus.ts";
import type { DedupTable } from "./dedup.ts";
import type { ResolvedKafkaOptions } from "./kafka-options.ts";
import { handleMessage, type ConsumerCounters, type DeadLetter, type HandlingContext } from "./message-handler.ts";

/** Counters a subscription keeps besides `ConsumerCounters` (part of `KafkaBusStats`). */
export interface SubscriptionCounters extends ConsumerCounters {
  /** Offset commits that failed (the offsets are committed with a later batch). */
  commitFailures: number;
  /** Consumers kafkajs gave up on (crashes without a restart of its own). */
  consumerCrashes: number;
  /** Consumers restarted by the bus after such a crash. */
  consumerRestarts: number;
}

/** Kafka error types after which the group must be rejoined rather than the commit retried later. */
const REJOIN_ERRORS: ReadonlySet<string> = new Set(["REBALANCE_IN_PROGRESS", "UNKNOWN_MEMBER_ID", "ILLEGAL_GENERATION", "FENCED_INSTANCE_ID"]);

/** Longest delay between restarts of a crashed consumer, in ms. */
const MAX_RESTART_DELAY_MS = 10_000;

/** What a `KafkaSubscription` needs from its bus. */
export interface SubscriptionSetup {
  readonly kafka: Kafka;
  readonly options: ResolvedKafkaOptions;
  readonly topic: BusTopic;
  readonly group: string;
  readonly handler: BatchHandler;
  readonly onAssign: ((partitions: readonly number[]) => void) | undefined;
  readonly stats: SubscriptionCounters;
  readonly dedup: DedupTable;
  readonly deadLetter: (letter: DeadLetter) => void;
  /** See `SubscribeOptions.deadLetterMalformed`. */
  readonly deadLetterMalformed: boolean;
}

/**
 * A running group member. `start` joins the group; `stop` leaves it after
 * the batch in progress is processed and committed.
 *
 * @example
 * const sub = new KafkaSubscription(setup);
 * await sub.start();
 * // ...
 * await sub.stop();
 */
export class KafkaSubscription implements Subscription {
  private current: readonly number[] = [];
  private consumer: Consumer | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartDelay: number;
  private readonly ctx: HandlingContext;
  private readonly kafkaTopic: string;

  constructor(private readonly setup: SubscriptionSetup) {
    this.kafkaTopic = setup.options.topics[setup.topic];
    this.restartDelay = setup.options.consumer.restartDelayMs;
    this.ctx = {
      topic: setup.topic,
      kafkaTopic: this.kafkaTopic,
      handler: setup.handler,
      limits: { maxMessageBytes: setup.options.consumer.maxMessageBytes, maxEvents: setup.options.consumer.maxMessageEvents },
      stats: setup.stats,
      deadLetter: setup.deadLetter,
      setAsideMalformed: setup.deadLetterMalformed,
    };
  }

  get assigned(): readonly number[] {
    return this.current;
  }

  /** Joins the group and starts consuming; a failure is logged and retried in the background. */
  async start(): Promise<void> {
    try {
      await this.run();
    } catch (err) {
      this.setup.options.log("error", "kafka consumer failed to start; retrying", { group: this.setup.group, topic: this.kafkaTopic, error: message(err) });
      this.scheduleRestart();
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer !== undefined) await consumer.disconnect().catch(() => undefined);
    this.assign([]);
  }

  private async run(): Promise<void> {
    const c = this.setup.options.consumer;
    // kafkajs restarts a crashed consumer on a timer of its own; it must not bring back one this
    // subscription has stopped or replaced (that would be a zombie group member).
    const current = (): boolean => !this.stopped && this.consumer === consumer;
    const consumer: Consumer = this.setup.kafka.consumer({
      groupId: this.setup.group,
      sessionTimeout: c.sessionTimeoutMs,
      heartbeatInterval: c.heartbeatIntervalMs,
      rebalanceTimeout: c.rebalanceTimeoutMs,
      maxWaitTimeInMs: c.maxWaitMs,
      maxBytesPerPartition: c.maxBytesPerPartition,
      maxBytes: c.maxBytes,
      retry: { restartOnFailure: () => Promise.resolve(current()) },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      if (current()) this.assign(e.payload.memberAssignment[this.kafkaTopic] ?? []);
      else void consumer.disconnect().catch(() => undefined);
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.setup.options.log("warn", "kafka consumer crashed", { group: this.setup.group, error: message(e.payload.error), kafkajsRestarts: e.payload.restart });
      if (e.payload.restart || !current()) return;
      this.setup.stats.consumerCrashes++;
      this.assign([]);
      this.scheduleRestart();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.kafkaTopic], fromBeginning: c.fromBeginning });
    await consumer.run({
      autoCommit: false,
      autoCommitInterval: c.commitIntervalMs,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    if (this.stopped) await consumer.disconnect().catch(() => undefined);
  }

  private scheduleRestart(): void {
    if (this.stopped) return;
    const delay = this.restartDelay;
    this.restartDelay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    this.restartTimer = setTimeout(() => {
      const old = this.consumer;
      this.consumer = undefined;
      void (async () => {
        if (old !== undefined) await old.disconnect().catch(() => undefined);
        if (this.stopped) return;
        this.setup.stats.consumerRestarts++;
        await this.start();
      })();
    }, delay);
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const batch = payload.batch;
    const partition = batch.partition;
    const dedup = this.setup.dedup.get(batch.topic, partition);
    const messages = batch.messages;
    for (let i = 0; i < messages.length; i++) {
      if (!payload.isRunning() || payload.isStale()) break;
      const m = messages[i]!;
      const pending = handleMessage(this.ctx, dedup, partition, m);
      if (pending !== undefined) await pending;
      payload.resolveOffset(m.offset);
      if ((i & 255) === 255) await payload.heartbeat();
    }
    this.restartDelay = this.setup.options.consumer.restartDelayMs;
    try {
      // Behind: commit at most every commitIntervalMs. Caught up with the partition, or stopping:
      // commit now, so an idle or departing member leaves no processed messages uncommitted.
      const last = messages[messages.length - 1];
      const caughtUp = last === undefined || Number(batch.highWatermark) <= Number(last.offset) + 1;
      if (caughtUp || !payload.isRunning()) await payload.commitOffsetsIfNecessary(payload.uncommittedOffsets());
      else await payload.commitOffsetsIfNecessary();
    } catch (err) {
      this.setup.stats.commitFailures++;
      const type = (err as { type?: unknown }).type;
      if (typeof type === "string" && REJOIN_ERRORS.has(type)) throw err; // kafkajs rejoins the group
      this.setup.options.log("warn", "kafka offset commit failed; the offsets go with the next commit", { group: this.setup.group, error: message(err) });
    }
  }

  private assign(partitions: readonly number[]): void {
    const sorted = [...partitions].sort((a, b) => a - b);
    if (sorted.length === this.current.length && sorted.every((p, i) => p === this.current[i])) return;
    this.current = sorted;
    try {
      this.setup.onAssign?.(sorted);
    } catch {
      // A listener's failure is its own.
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
