/**
 * The contract between the shipper and the ways events leave the host:
 * a `Batch` (events plus the identity that lets a Kafka consumer drop a
 * copy it already processed), a `Transport` that delivers one batch to one
 * destination or says it could not, and `PermanentSendError` for a batch
 * the destination refuses for good (retrying the same bytes cannot help).
 * Implementations: kafka.ts, riemann.ts, http.ts; conformance in
 * transports.test.ts.
 */
import type { Event } from "../../streams/event.ts";

/**
 * Events sent together. `producer` and `seq` identify the batch (a random
 * id per shipper run, and a counter): they are kept in the disk buffer, so
 * a batch resent after an outage or a restart carries the same identity
 * and the Kafka consumer's duplicate check (bus/dedup.ts) drops the copy.
 */
export interface Batch {
  readonly producer: string;
  readonly seq: number;
  readonly events: readonly Event[];
}

/** What a destination said about a delivered batch. */
export interface SendResult {
  /** Events the destination received but refused (invalid); they are not sent again. */
  readonly rejected: number;
}

/**
 * Delivers batches to one destination. `send` resolves once the
 * destination has acknowledged the batch (Kafka: the brokers; Riemann: the
 * engine's reply; HTTP: the response), and rejects when it could not: the
 * shipper then buffers the batch and retries. It must settle within its own
 * timeout (never hang). One `send` at a time.
 *
 * @example
 * const transport: Transport = new HttpTransport({ url: "http://127.0.0.1:5001", clock });
 * await transport.send({ producer: "p", seq: 0, events });
 */
export interface Transport {
  /** Names the destination in logs and stats, and names its buffer directory: "kafka 10.0.0.1:9092", "riemann 10.0.0.5:5555". */
  readonly name: string;
  send(batch: Batch): Promise<SendResult | void>;
  /** Releases connections. */
  close(): Promise<void>;
}

/**
 * The destination refused the batch for good (too large, not decodable):
 * the shipper drops it and counts it instead of retrying forever.
 *
 * @example
 * if (res.status === 413) throw new PermanentSendError("batch over the server's body limit");
 */
export class PermanentSendError extends Error {
  override readonly name = "PermanentSendError";
}
