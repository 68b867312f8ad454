/**
 * The Elasticsearch sink: buffers documents (documents.ts) and writes them
 * to their data streams with bulk `create` requests, so that a caller that
 * awaits `write()` knows its documents are stored (or failed for good and
 * counted) before it commits its Kafka offsets. The buffer is bounded:
 * while Elasticsearch is slow or down, `write()` waits instead of growing
 * memory, which holds the consumer back (backpressure). Whole-request
 * failures and per-document 429/5xx results are retried with exponential
 * backoff on the injected clock; per-document errors that retrying cannot
 * fix (mapping errors, 400s) are counted by reason and logged, never
 * dropped silently; 409 (already stored, e.g. a time-series data stream
 * seeing a Kafka replay) counts as stored.
 *
 * Why `client.bulk` and not `client.helpers.bulk`: the helper (read in
 * @elastic/elasticsearch 9.4 lib/helpers.js) reports results through
 * `onSuccess`/`onDrop` with a re-parsed copy of each document and reports
 * 429s that ran out of retries after all other items, with `error: null`,
 * so it cannot tell which caller's `write()` a result settles or why a
 * document was dropped; its flush interval and retry wait are wall-clock
 * `setTimeout`s (untestable under the virtual clock); and a request-level
 * failure rejects the whole helper, discarding the documents it had pulled
 * from a streaming datasource but not yet sent. sink.test.ts pins the first
 * point against the local server. This sink keeps the helper's semantics
 * (create actions, byte-sized batches, 429 retried, other item errors not)
 * on top of `client.bulk`, whose response items are in request order.
 */
import type { Client, estypes } from "@elastic/elasticsearch";
import type { Clock, Timer } from "../../streams/clock.ts";
import { createElasticsearchClient } from "./client.ts";
import { dataStreamName, type EsDocument } from "./documents.ts";
import { ELASTICSEARCH_DEFAULTS } from "./options.ts";
import { describeError } from "./templates.ts";

/** Settings and collaborators of an `ElasticsearchSink`. Give `client`, or `node` (and credentials) to build one. */
export interface ElasticsearchSinkOptions {
  /** A client to use (the sink never closes it). Its own retries should be off: the sink passes `maxRetries: 0` per request. */
  readonly client?: Client | undefined;
  /** Cluster URL, used when no `client` is given (the sink then owns and closes its client). */
  readonly node?: string | undefined;
  readonly apiKey?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** All timing (flush interval, retry backoff) runs on this clock. */
  readonly clock: Clock;
  /** Bytes of queued documents that trigger a bulk request; also the most bytes in one request. Default 5,000,000. */
  readonly flushBytes?: number | undefined;
  /** Longest a queued document waits before its bulk request starts, in seconds. Default 1. */
  readonly flushIntervalSeconds?: number | undefined;
  /** Most documents held (queued, in flight, waiting for a retry); `write` waits while it is reached. Default 50,000. */
  readonly maxBufferedDocs?: number | undefined;
  /** Per-request timeout, in seconds. Default 30. */
  readonly requestTimeoutSeconds?: number | undefined;
  /** First retry delay, in seconds; doubles per consecutive failure. Default 1. */
  readonly retryInitialSeconds?: number | undefined;
  /** Longest retry delay, in seconds. Default 60. */
  readonly retryMaxSeconds?: number | undefined;
  /** Where log lines go. Default: stderr. */
  readonly log?: ((line: string) => void) | undefined;
  /** Source of jitter in [0, 1): a retry waits between half and all of its delay. Default Math.random. */
  readonly random?: (() => number) | undefined;
  /**
   * Runs once before the first bulk request, with the sink's client (e.g.
   * installing the index templates, so the first document does not create
   * its data stream from a stock template). Documents wait until it has
   * succeeded; a rejection is logged and retried with the backoff of a
   * failed request. Default: nothing.
   */
  readonly prepare?: ((client: Client) => Promise<void>) | undefined;
}

/** Counters for /metrics. All are totals since start except `buffered`, `bufferedBytes` and `waitingWrites`. */
export interface SinkStats {
  /** Documents Elasticsearch stored. */
  indexed: number;
  /** Documents Elasticsearch already had (409); counted as stored. */
  duplicates: number;
  /** Documents not indexed for good, all reasons. */
  failed: number;
  /** `failed` by reason: the bulk item's `error.type` (e.g. "document_parsing_exception"), or "serialization_error". */
  failedByReason: Record<string, number>;
  /** Documents sent again (per-item 429/5xx, or every document of a failed request). */
  retries: number;
  /** `retries` by reason: the item's error type, or the request's status / error name. */
  retriesByReason: Record<string, number>;
  /** Bulk requests sent (one per flush). */
  requests: number;
  /** Bulk requests that failed as a whole (connection error, timeout, 429/5xx status...). */
  requestFailures: number;
  /** Documents held now: queued, in flight, or waiting for a retry. */
  buffered: number;
  bufferedBytes: number;
  /** `write` calls waiting for room in the buffer. */
  waitingWrites: number;
  /** Documents whose writers were told they were not indexed because the sink was aborted. */
  abandoned: number;
  /** The last request-level error, if any. */
  lastError: string | undefined;
}

interface Ticket {
  remaining: number;
  admitted: boolean;
  settled: boolean;
  readonly promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

interface Entry {
  readonly action: string;
  readonly json: string;
  readonly bytes: number;
  readonly seq: number;
  readonly ticket: Ticket;
  readonly index: string;
}

interface Admission {
  readonly docs: readonly EsDocument[];
  next: number;
  readonly ticket: Ticket;
}

function newTicket(remaining: number): Ticket {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { remaining, admitted: false, settled: false, promise, resolve, reject };
}

function errorType(item: estypes.BulkResponseItem): string {
  return item.error?.type ?? `http_${item.status}`;
}

function requestErrorReason(err: unknown): string {
  const status = (err as { meta?: { statusCode?: unknown } } | null)?.meta?.statusCode;
  if (typeof status === "number" && status > 0) return `http_${status}`;
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name : "error";
}

/**
 * Writes documents to Elasticsearch data streams in bulk, bounded and with retries.
 *
 * @example
 * const sink = new ElasticsearchSink({ node: process.env.ELASTICSEARCH_URL, clock: new RealClock() });
 * await bus.subscribe("events", async (events) => {
 *   await sink.write(events.map((e) => eventDocument(e as Event)));   // offsets commit after this resolves
 * });
 * // on shutdown:
 * await sink.close();
 */
export class ElasticsearchSink {
  private readonly client: Client;
  private readonly ownsClient: boolean;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private readonly random: () => number;
  private readonly flushBytes: number;
  private readonly flushIntervalSeconds: number;
  private readonly maxBufferedDocs: number;
  private readonly requestTimeoutMs: number;
  private readonly retryInitialSeconds: number;
  private readonly retryMaxSeconds: number;
  /** Still to run before the first bulk request (undefined once it has succeeded). */
  private prepare: ((client: Client) => Promise<void>) | undefined;

  private queue: Entry[] = [];
  private head = 0;
  private queuedBytes = 0;
  private held = 0;
  private heldBytes = 0;
  private seq = 0;
  /** Queued entries with seq ≤ drainUntil are due now (their flush interval ran out, or they are retries). */
  private drainUntil = 0;
  private readonly admissions: Admission[] = [];
  private readonly open = new Set<Ticket>();
  private flushTimer: Timer | undefined;
  private retryTimer: Timer | undefined;
  private inFlight: Promise<void> | undefined;
  private flushWaiters = 0;
  private failureStreak = 0;
  private splitLimit: number | undefined;
  private closing = false;
  private aborted = false;
  private full = false;
  private readonly counters: Omit<SinkStats, "buffered" | "bufferedBytes" | "waitingWrites"> = {
    indexed: 0,
    duplicates: 0,
    failed: 0,
    failedByReason: {},
    retries: 0,
    retriesByReason: {},
    requests: 0,
    requestFailures: 0,
    abandoned: 0,
    lastError: undefined,
  };

  constructor(options: ElasticsearchSinkOptions) {
    if (options.client === undefined && options.node === undefined) throw new RangeError("ElasticsearchSink: give a client or a node URL");
    const num = (name: string, value: number | undefined, fallback: number, integer: boolean): number => {
      if (value === undefined) return fallback;
      if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isSafeInteger(value))) throw new RangeError(`ElasticsearchSink: ${name} must be a positive ${integer ? "integer" : "number"}, got ${value}`);
      return value;
    };
    this.clock = options.clock;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.random = options.random ?? Math.random;
    this.flushBytes = num("flushBytes", options.flushBytes, ELASTICSEARCH_DEFAULTS.flushBytes, true);
    this.flushIntervalSeconds = num("flushIntervalSeconds", options.flushIntervalSeconds, ELASTICSEARCH_DEFAULTS.flushIntervalSeconds, false);
    this.maxBufferedDocs = num("maxBufferedDocs", options.maxBufferedDocs, ELASTICSEARCH_DEFAULTS.maxBufferedDocs, true);
    const timeout = num("requestTimeoutSeconds", options.requestTimeoutSeconds, ELASTICSEARCH_DEFAULTS.requestTimeoutSeconds, false);
    this.requestTimeoutMs = timeout * 1000;
    this.retryInitialSeconds = num("retryInitialSeconds", options.retryInitialSeconds, ELASTICSEARCH_DEFAULTS.retryInitialSeconds, false);
    this.retryMaxSeconds = Math.max(this.retryInitialSeconds, num("retryMaxSeconds", options.retryMaxSeconds, ELASTICSEARCH_DEFAULTS.retryMaxSeconds, false));
    this.prepare = options.prepare;
    this.ownsClient = options.client === undefined;
    this.client =
      options.client ??
      createElasticsearchClient({ node: options.node!, apiKey: options.apiKey, username: options.username, password: options.password, requestTimeoutSeconds: timeout });
  }

  /**
   * Queues `docs` and resolves once every one of them is settled: stored
   * (or already stored), or failed for good (counted in
   * `stats().failedByReason` and logged). Waits while the buffer is full,
   * and keeps waiting while Elasticsearch is unreachable (retrying with
   * backoff), so an awaiting caller is held back instead of buffering
   * without bound. Documents are sent in call order, also across
   * concurrent writes (a document retried after a per-item 429 is stored
   * after the others of its request).
   * Rejects only when the sink is closed before the call, or aborted
   * before the documents were stored.
   *
   * @example
   * await sink.write([eventDocument(e), alertDocument(record)]);
   */
  write(docs: readonly EsDocument[]): Promise<void> {
    if (this.closing || this.aborted) return Promise.reject(new Error("ElasticsearchSink: write after close"));
    if (docs.length === 0) return Promise.resolve();
    const ticket = newTicket(docs.length);
    this.open.add(ticket);
    this.admissions.push({ docs, next: 0, ticket });
    this.admit();
    return ticket.promise;
  }

  /**
   * Sends everything written so far without waiting for the flush interval
   * and resolves when those writes are settled (it waits through retries).
   *
   * @example
   * await sink.flush();
   */
  async flush(): Promise<void> {
    const pending = [...this.open].map((t) => t.promise);
    if (pending.length === 0) return;
    this.flushWaiters++;
    this.kick();
    try {
      await Promise.allSettled(pending);
    } finally {
      this.flushWaiters--;
    }
  }

  /**
   * Refuses new writes, flushes what is held (waiting through retries for as
   * long as it takes; call `abort` to give up), then closes the client if
   * the sink made it.
   *
   * @example
   * await sink.close();
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.flush();
    await this.idle();
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    if (this.ownsClient) await this.client.close();
  }

  /**
   * Gives up on everything held: cancels timers and rejects the pending
   * writes (their callers must not commit), counting the documents in
   * `abandoned`. A request in flight is left to finish; its result is ignored.
   *
   * @example
   * await Promise.race([sink.close(), deadline]).catch(() => sink.abort("shutdown deadline"));
   */
  abort(reason: string): void {
    if (this.aborted) return;
    this.aborted = true;
    this.closing = true;
    this.flushTimer?.cancel();
    this.retryTimer?.cancel();
    this.flushTimer = this.retryTimer = undefined;
    let pendingDocs = this.held;
    for (const a of this.admissions) pendingDocs += a.docs.length - a.next;
    this.counters.abandoned += pendingDocs;
    const error = new Error(`ElasticsearchSink aborted (${reason}): ${pendingDocs} document(s) not indexed`);
    for (const t of this.open) {
      t.settled = true;
      t.reject(error);
    }
    this.open.clear();
    this.admissions.length = 0;
    this.queue = [];
    this.head = 0;
    this.queuedBytes = this.held = this.heldBytes = 0;
    if (pendingDocs > 0) this.log(`elasticsearch: ${error.message}`);
    if (this.ownsClient) void this.client.close().catch(() => {});
  }

  /**
   * Resolves when no bulk request is in flight (the sink is then empty,
   * waiting for its flush interval, or waiting for a retry timer). For tests
   * under a virtual clock: advance the clock, then await `idle()`.
   *
   * @example
   * clock.advanceBy(1);
   * await sink.idle();
   */
  async idle(): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight;
  }

  /**
   * A snapshot of the counters.
   *
   * @example
   * sink.stats().failedByReason; // { document_parsing_exception: 2 }
   */
  stats(): SinkStats {
    let waiting = 0;
    for (const a of this.admissions) if (a.next < a.docs.length) waiting++;
    return {
      ...this.counters,
      failedByReason: { ...this.counters.failedByReason },
      retriesByReason: { ...this.counters.retriesByReason },
      buffered: this.held,
      bufferedBytes: this.heldBytes,
      waitingWrites: waiting,
    };
  }

  // --- admission -----------------------------------------------------------

  private admit(): void {
    while (this.admissions.length > 0) {
      const a = this.admissions[0]!;
      while (a.next < a.docs.length && this.held < this.maxBufferedDocs) this.enqueue(a.docs[a.next++]!, a.ticket);
      if (a.next < a.docs.length) {
        if (!this.full) {
          this.full = true;
          this.log(`elasticsearch: buffer full (${this.held} documents); writes wait until Elasticsearch takes some`);
        }
        break;
      }
      this.admissions.shift();
      a.ticket.admitted = true;
      this.settleTicketIfDone(a.ticket);
    }
    if (this.full && this.admissions.length === 0) {
      this.full = false;
      this.log(`elasticsearch: buffer has room again (${this.held} documents)`);
    }
    this.kick();
  }

  private enqueue(doc: EsDocument, ticket: Ticket): void {
    let json: string;
    let index: string;
    try {
      index = dataStreamName(doc);
      json = JSON.stringify(doc);
    } catch (err) {
      this.failFor(ticket, "serialization_error", `a document could not be serialized: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const action = `{"create":{"_index":${JSON.stringify(index)}}}`;
    const bytes = Buffer.byteLength(action) + Buffer.byteLength(json) + 2;
    const entry: Entry = { action, json, bytes, seq: ++this.seq, ticket, index };
    this.queue.push(entry);
    this.queuedBytes += bytes;
    this.held++;
    this.heldBytes += bytes;
    if (this.flushTimer === undefined && entry.seq > this.drainUntil) {
      this.flushTimer = this.clock.setTimer(this.clock.now() + this.flushIntervalSeconds, () => {
        this.flushTimer = undefined;
        this.drainUntil = Math.max(this.drainUntil, this.seq);
        this.kick();
      });
    }
  }

  private failFor(ticket: Ticket, reason: string, message: string): void {
    this.counters.failed++;
    this.counters.failedByReason[reason] = (this.counters.failedByReason[reason] ?? 0) + 1;
    this.log(`elasticsearch: 1 document not indexed: ${reason}: ${message}`);
    ticket.remaining--;
    this.settleTicketIfDone(ticket);
  }

  private settleTicketIfDone(ticket: Ticket): void {
    if (ticket.admitted && ticket.remaining === 0 && !ticket.settled) {
      ticket.settled = true;
      this.open.delete(ticket);
      ticket.resolve();
    }
  }

  private settle(entry: Entry): void {
    this.held--;
    this.heldBytes -= entry.bytes;
    entry.ticket.remaining--;
    this.settleTicketIfDone(entry.ticket);
  }

  // --- sending -------------------------------------------------------------

  private queued(): number {
    return this.queue.length - this.head;
  }

  private shouldSend(): boolean {
    if (this.queued() === 0) return false;
    if (this.queuedBytes >= this.flushBytes || this.flushWaiters > 0 || this.admissions.length > 0 || this.closing) return true;
    return this.queue[this.head]!.seq <= this.drainUntil;
  }

  private kick(): void {
    if (this.inFlight !== undefined || this.retryTimer !== undefined || this.aborted || !this.shouldSend()) return;
    const batch = this.takeBatch();
    this.inFlight = this.send(batch).finally(() => {
      this.inFlight = undefined;
      this.kick();
    });
  }

  private takeBatch(): Entry[] {
    const batch: Entry[] = [];
    let bytes = 0;
    while (this.head < this.queue.length) {
      const e = this.queue[this.head]!;
      if (batch.length > 0 && (bytes + e.bytes > this.flushBytes || (this.splitLimit !== undefined && batch.length >= this.splitLimit))) break;
      batch.push(e);
      bytes += e.bytes;
      this.head++;
    }
    this.queuedBytes -= bytes;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  /** Puts `entries` back at the front of the queue, in order, due at once. */
  private requeue(entries: readonly Entry[]): void {
    let bytes = 0;
    let maxSeq = 0;
    for (const e of entries) {
      bytes += e.bytes;
      if (e.seq > maxSeq) maxSeq = e.seq;
    }
    if (this.head >= entries.length) {
      this.head -= entries.length;
      for (let i = 0; i < entries.length; i++) this.queue[this.head + i] = entries[i]!;
    } else {
      this.queue = [...entries, ...this.queue.slice(this.head)];
      this.head = 0;
    }
    this.queuedBytes += bytes;
    this.drainUntil = Math.max(this.drainUntil, maxSeq);
  }

  private async send(batch: Entry[]): Promise<void> {
    const prepare = this.prepare;
    if (prepare !== undefined) {
      try {
        await prepare(this.client);
        this.prepare = undefined;
      } catch (err) {
        if (this.aborted) return;
        // `prepare` says what failed in its own words (installTemplates names the template and the server's answer).
        const description = err instanceof Error ? err.message : describeError(err);
        this.counters.lastError = description;
        this.requeue(batch);
        this.failureStreak++;
        const delay = this.scheduleRetry();
        this.log(`elasticsearch: cannot write yet: ${description}; ${batch.length} document(s) wait, retrying in ${delay.toFixed(1)} s`);
        return;
      }
      if (this.aborted) return;
    }
    this.counters.requests++;
    const operations: string[] = new Array<string>(batch.length * 2);
    for (let i = 0; i < batch.length; i++) {
      operations[2 * i] = batch[i]!.action;
      operations[2 * i + 1] = batch[i]!.json;
    }
    let response: estypes.BulkResponse;
    try {
      response = await this.client.bulk<string>({ operations }, { maxRetries: 0, requestTimeout: this.requestTimeoutMs });
    } catch (err) {
      if (!this.aborted) this.requestFailed(batch, err);
      return;
    }
    if (!this.aborted) this.handleResponse(batch, response);
  }

  private handleResponse(batch: readonly Entry[], response: estypes.BulkResponse): void {
    const items = (response as { items?: unknown }).items;
    if (!Array.isArray(items) || items.length !== batch.length) {
      this.requestFailed(batch, new Error(`bulk response has ${Array.isArray(items) ? items.length : "no"} items for ${batch.length} documents`));
      return;
    }
    this.splitLimit = undefined;
    this.counters.lastError = undefined;
    const retry: Entry[] = [];
    const retryReasons = new Set<string>();
    const failures = new Map<string, { count: number; index: string; reason: string }>();
    for (let i = 0; i < batch.length; i++) {
      const entry = batch[i]!;
      const result = items[i] as Partial<Record<estypes.BulkOperationType, estypes.BulkResponseItem>>;
      const item = result.create ?? Object.values(result)[0];
      const status = item?.status ?? 0;
      if (status >= 200 && status < 300) {
        this.counters.indexed++;
        this.settle(entry);
      } else if (status === 409) {
        this.counters.duplicates++;
        this.settle(entry);
      } else if (item !== undefined && (status === 429 || status >= 500)) {
        const reason = errorType(item);
        this.counters.retries++;
        this.counters.retriesByReason[reason] = (this.counters.retriesByReason[reason] ?? 0) + 1;
        retryReasons.add(reason);
        retry.push(entry);
      } else {
        const reason = item === undefined ? "malformed_item" : errorType(item);
        this.counters.failed++;
        this.counters.failedByReason[reason] = (this.counters.failedByReason[reason] ?? 0) + 1;
        const seen = failures.get(reason);
        if (seen) seen.count++;
        else failures.set(reason, { count: 1, index: entry.index, reason: item?.error?.reason ?? `status ${status}` });
        this.settle(entry);
      }
    }
    for (const [type, f] of failures) {
      this.log(`elasticsearch: ${f.count} document(s) not indexed (not retried), e.g. into ${f.index}: ${type}: ${f.reason}`);
    }
    if (retry.length > 0) {
      this.requeue(retry);
      this.failureStreak++;
      const delay = this.scheduleRetry();
      this.log(`elasticsearch: ${retry.length} document(s) rejected for now (${[...retryReasons].join(", ")}); retrying in ${delay.toFixed(1)} s`);
    } else {
      this.failureStreak = 0;
    }
    this.admit();
  }

  private requestFailed(batch: readonly Entry[], err: unknown): void {
    const description = describeError(err);
    this.counters.requestFailures++;
    this.counters.lastError = description;
    const status = (err as { meta?: { statusCode?: unknown } } | null)?.meta?.statusCode;
    if (status === 413) {
      if (batch.length > 1) {
        this.splitLimit = Math.ceil(batch.length / 2);
        this.requeue(batch);
        this.log(`elasticsearch: bulk request of ${batch.length} documents too large (${description}); sending ${this.splitLimit} at a time`);
        return;
      }
      this.held--;
      this.heldBytes -= batch[0]!.bytes;
      this.failFor(batch[0]!.ticket, "request_entity_too_large", `${batch[0]!.bytes} bytes into ${batch[0]!.index}: ${description}`);
      this.admit();
      return;
    }
    const reason = requestErrorReason(err);
    this.counters.retries += batch.length;
    this.counters.retriesByReason[reason] = (this.counters.retriesByReason[reason] ?? 0) + batch.length;
    this.requeue(batch);
    this.failureStreak++;
    const delay = this.scheduleRetry();
    this.log(`elasticsearch: bulk request of ${batch.length} document(s) failed (${description}); retrying in ${delay.toFixed(1)} s`);
  }

  /** Arms the retry timer for the current failure streak; returns the delay in seconds. */
  private scheduleRetry(): number {
    const full = Math.min(this.retryMaxSeconds, this.retryInitialSeconds * 2 ** Math.min(this.failureStreak - 1, 30));
    const delay = full / 2 + (full / 2) * Math.min(1, Math.max(0, this.random()));
    this.retryTimer?.cancel();
    this.retryTimer = this.clock.setTimer(this.clock.now() + delay, () => {
      this.retryTimer = undefined;
      this.kick();
    });
    return delay;
  }
}
