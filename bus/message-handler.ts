/**
 * What a Kafka consumer does with one message, apart from Kafka: skip it if
 * it was processed already, decode it, set it aside with a reason if it is
 * malformed, otherwise hand its events to the handler and count what the
 * handler rejected. It never throws and never waits on anything but the
 * handler, so one bad message can neither crash the consumer nor block its
 * partition. The Kafka bus calls it for every fetched message; the fuzz test
 * calls it directly with mutated bytes.
 */
import type { BatchHandler, BusStats, BusTopic, HandlerResult } from "./bus.ts";
import { decodeMessage, type MessageLimits } from "./codec.ts";
import { isThenable, rejectedCount } from "./handler-result.ts";
import type { PartitionDedup } from "./dedup.ts";

/** Reason code of a message whose handler threw. */
export const HANDLER_ERROR = "handler_error";

/** A message set aside, with everything the dead-letter topic records about it. */
export interface DeadLetter {
  /** Stable code: a `MalformedCode` or `"handler_error"`. */
  readonly reason: string;
  /** A sentence saying what was wrong. */
  readonly detail: string;
  /** Kafka topic, partition and offset the message was read from. */
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** The counters `handleMessage` updates: the bus's, plus malformed messages by reason. */
export interface ConsumerCounters extends BusStats {
  readonly malformedByReason: Map<string, number>;
}

/** Everything `handleMessage` needs besides the message. */
export interface HandlingContext {
  /** Logical topic handed to the handler in `Origin`. */
  readonly topic: BusTopic;
  /** Kafka topic name, recorded on dead letters. */
  readonly kafkaTopic: string;
  readonly handler: BatchHandler;
  readonly limits: MessageLimits;
  readonly stats: ConsumerCounters;
  /** Takes a message set aside; must not throw (the Kafka bus queues it for the dead-letter topic). */
  readonly deadLetter: (letter: DeadLetter) => void;
  /**
   * Set malformed messages aside (default) or only count and skip them: a
   * second reader of a topic (an indexer, the control process's view) leaves
   * that to the engines' group, so the dead-letter topic holds each once.
   * Handler failures are set aside either way.
   */
  readonly setAsideMalformed?: boolean | undefined;
}

/** The parts of a fetched Kafka message `handleMessage` reads. */
export interface RawMessage {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/**
 * Handles one message of `partition`. Returns undefined when done
 * synchronously (the handler returned a plain value), or a promise that
 * resolves (never rejects) when the handler's promise settles. Afterwards the
 * message is marked processed in `dedup`, whatever happened to it.
 *
 * @example
 * const pending = handleMessage(ctx, dedup, 0, { offset: "41", key: null, value: Buffer.from('{"v":1,"events":[]}') });
 * if (pending) await pending;
 */
export function handleMessage(ctx: HandlingContext, dedup: PartitionDedup, partition: number, message: RawMessage): Promise<void> | undefined {
  const stats = ctx.stats;
  const offset = Number(message.offset);
  if (dedup.isRedelivered(offset)) {
    stats.duplicatesSkipped++;
    return undefined;
  }
  const decoded = decodeMessage(message.value, ctx.limits);
  if (!decoded.ok) {
    stats.malformedMessages++;
    stats.malformedByReason.set(decoded.malformed.code, (stats.malformedByReason.get(decoded.malformed.code) ?? 0) + 1);
    if (ctx.setAsideMalformed !== false) setAside(ctx, partition, message, decoded.malformed.code, decoded.malformed.reason);
    dedup.markProcessed(offset);
    return undefined;
  }
  const { events, producer, seq } = decoded.message;
  if (producer !== undefined && seq !== undefined && dedup.isRepublished(producer, seq)) {
    stats.duplicatesSkipped++;
    dedup.markProcessed(offset);
    return undefined;
  }
  stats.deliveredEvents += events.length;
  let result: HandlerResult | void | Promise<HandlerResult | void>;
  try {
    result = ctx.handler(events, { topic: ctx.topic, partition, offset });
  } catch (err) {
    handlerFailed(ctx, partition, message, err);
    dedup.markProcessed(offset, producer, seq);
    return undefined;
  }
  if (isThenable(result)) {
    return Promise.resolve(result).then(
      (r) => {
        stats.rejectedEvents += rejectedCount(r);
        dedup.markProcessed(offset, producer, seq);
      },
      (err: unknown) => {
        handlerFailed(ctx, partition, message, err);
        dedup.markProcessed(offset, producer, seq);
      },
    );
  }
  stats.rejectedEvents += rejectedCount(result);
  dedup.markProcessed(offset, producer, seq);
  return undefined;
}


function handlerFailed(ctx: HandlingContext, partition: number, message: RawMessage, err: unknown): void {
  ctx.stats.handlerErrors++;
  setAside(ctx, partition, message, HANDLER_ERROR, `the handler failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 1000));
}

function setAside(ctx: HandlingContext, partition: number, message: RawMessage, reason: string, detail: string): void {
  ctx.stats.deadLettered++;
  try {
    ctx.deadLetter({ reason, detail, topic: ctx.kafkaTopic, partition, offset: message.offset, key: message.key, value: message.value });
  } catch {
    // A dead-letter sink that throws must not take the consumer down; the message is counted either way.
  }
}
