/**
 * Decoded trace batches in a form that crosses a thread boundary cheaply:
 * the worker reader (read-worker.ts) decodes trace lines straight into a
 * `ChunkWriter`, which packs them into typed arrays (numbers as doubles, names,
 * tags and attribute maps as references into a value table the receiving
 * side keeps) whose buffers are transferred, not copied. The main thread's
 * `ChunkReader` turns a chunk back into events of exactly the shape
 * `TraceDecoder` makes and hands them over batch by batch, so a replay sees
 * the same events whichever thread decoded them. Structured cloning the
 * events themselves would cost more than decoding them.
 *
 * The value table is the trace file's own dictionary, sent once (entries
 * travel in the chunk that first needs them) and referred to by index;
 * values written out in full on their line travel in the chunk's `inline`
 * list. The table is cleared at every trace file, as the dictionary is.
 */
import type { Event } from "../streams/event.ts";
import { ABSENT_REF, type PackedBatchSink } from "./format.ts";

/** One packed run of batches, as posted from the worker. */
export interface BatchChunk {
  /** Clear the value table before adding `added` (a new trace file began). */
  readonly reset: boolean;
  /** Values appended to the table, in order. */
  readonly added: unknown[];
  /** Values used by this chunk only (references -2, -3, ...). */
  readonly inline: unknown[];
  /** Number of batches (`batchT` / `batchCount` entries used). */
  readonly batches: number;
  /** Receive time of each batch. */
  readonly batchT: Float64Array;
  /** Events in each batch (0 for a tick). */
  readonly batchCount: Int32Array;
  /** `REFS` references per event: host, service, state, description, tags, attributes. */
  readonly refs: Int32Array;
  /** `NUMS` numbers per event: time, metric, ttl (NaN: absent). */
  readonly nums: Float64Array;
}

/** References per event in `BatchChunk.refs`. */
const REFS = 6;
/** Numbers per event in `BatchChunk.nums`. */
const NUMS = 3;

/**
 * Packs decoded batches into `BatchChunk`s (the reader thread's side): the
 * `PackedBatchSink` a `TraceDecoder` writes into, so no event object is
 * made on the reader thread. The value table mirrors the trace file's
 * dictionary (same indices); `reset()` at each new file. `take()` returns the
 * chunk so far (and starts a new one) for posting with its buffers.
 *
 * @example
 * const writer = new ChunkWriter();
 * const decoder = new TraceDecoder(writer);
 * decoder.line(text); // dictionary and batch lines go into the writer
 * const chunk = writer.take();
 * if (chunk !== undefined) port.postMessage({ type: "chunk", chunk }, transferList(chunk));
 */
export class ChunkWriter implements PackedBatchSink {
  private resetPending = false;
  private added: unknown[] = [];
  private inlined: unknown[] = [];
  private batches = 0;
  private events = 0;
  /** Where the batch being written began, to drop it on `abort`. */
  private markEvents = 0;
  private markInline = 0;
  private batchT = new Float64Array(256);
  private batchCount = new Int32Array(256);
  private refs = new Int32Array(4096 * REFS);
  private nums = new Float64Array(4096 * NUMS);

  /** Events packed into the chunk being built. */
  get pendingEvents(): number {
    return this.events;
  }

  /** A new trace file starts: the reader clears its table before the next chunk's `added`. */
  reset(): void {
    this.added = [];
    this.resetPending = true;
  }

  dictionary(values: readonly unknown[]): void {
    for (const v of values) this.added.push(v);
  }

  begin(t: number): void {
    if (this.batches === this.batchT.length) {
      this.batchT = grow(this.batchT, this.batchT.length * 2);
      this.batchCount = grow(this.batchCount, this.batchCount.length * 2);
    }
    this.batchT[this.batches] = t;
    this.batchCount[this.batches] = 0;
    this.markEvents = this.events;
    this.markInline = this.inlined.length;
  }

  inline(value: unknown): number {
    return -2 - (this.inlined.push(value) - 1);
  }

  event(host: number, service: number, state: number, description: number, tags: number, attributes: number, time: number, metric: number, ttl: number): void {
    if ((this.events + 1) * REFS > this.refs.length) {
      this.refs = grow(this.refs, this.refs.length * 2);
      this.nums = grow(this.nums, this.nums.length * 2);
    }
    const r = this.events * REFS;
    const refs = this.refs;
    refs[r] = host;
    refs[r + 1] = service;
    refs[r + 2] = state;
    refs[r + 3] = description;
    refs[r + 4] = tags;
    refs[r + 5] = attributes;
    const n = this.events * NUMS;
    const nums = this.nums;
    nums[n] = time;
    nums[n + 1] = metric;
    nums[n + 2] = ttl;
    this.events++;
    this.batchCount[this.batches]!++;
  }

  end(): void {
    this.batches++;
  }

  abort(): void {
    this.events = this.markEvents;
    this.inlined.length = this.markInline;
  }

  /** The chunk built so far (undefined when there is nothing to send), and a fresh one started. */
  take(): BatchChunk | undefined {
    if (this.batches === 0 && !this.resetPending && this.added.length === 0) return undefined;
    const chunk: BatchChunk = {
      reset: this.resetPending,
      added: this.added,
      inline: this.inlined,
      batches: this.batches,
      batchT: this.batchT.slice(0, this.batches),
      batchCount: this.batchCount.slice(0, this.batches),
      refs: this.refs.slice(0, this.events * REFS),
      nums: this.nums.slice(0, this.events * NUMS),
    };
    this.resetPending = false;
    this.added = [];
    this.inlined = [];
    this.batches = 0;
    this.events = 0;
    return chunk;
  }
}

function grow<A extends Float64Array | Int32Array>(array: A, length: number): A {
  const next = new (array.constructor as new (n: number) => A)(length);
  next.set(array);
  return next;
}

/**
 * The buffers of `chunk` to transfer with it.
 *
 * @example
 * port.postMessage({ type: "chunk", chunk }, transferList(chunk));
 */
export function transferList(chunk: BatchChunk): ArrayBuffer[] {
  return [chunk.batchT.buffer, chunk.batchCount.buffer, chunk.refs.buffer, chunk.nums.buffer] as ArrayBuffer[];
}

/**
 * Unpacks `BatchChunk`s back into events (the main-thread side), keeping
 * the value table across chunks. Events have `TraceDecoder`'s shape (every
 * field present, in `makeEvent`'s order); table objects are frozen, as the
 * decoder's dictionary entries are.
 *
 * @example
 * const reader = new ChunkReader();
 * reader.read(chunk, (t, events, count) => session.batch(t, events, count));
 */
export class ChunkReader {
  private readonly table: unknown[] = [];
  /** The reused array batches are handed over in (copy what you keep). */
  private readonly events: Event[] = [];

  /** Hands each batch of `chunk` to `batch(t, events, count)`, in order. */
  read(chunk: BatchChunk, batch: (t: number, events: readonly Event[], count: number) => void): void {
    const table = this.table;
    if (chunk.reset) table.length = 0;
    for (const v of chunk.added) table.push(typeof v === "object" && v !== null ? Object.freeze(v) : v);
    const inline = chunk.inline;
    const { batchT, batchCount, refs, nums } = chunk;
    const events = this.events;
    let e = 0;
    for (let b = 0; b < chunk.batches; b++) {
      const count = batchCount[b]!;
      for (let i = 0; i < count; i++, e++) {
        const r = e * REFS;
        const n = e * NUMS;
        const metric = nums[n + 1]!;
        const ttl = nums[n + 2]!;
        events[i] = {
          host: value(table, inline, refs[r]!) as string,
          service: value(table, inline, refs[r + 1]!) as string,
          time: nums[n]!,
          state: value(table, inline, refs[r + 2]!) as string | undefined,
          description: value(table, inline, refs[r + 3]!) as string | undefined,
          metric: metric === metric ? metric : undefined,
          tags: value(table, inline, refs[r + 4]!) as readonly string[] | undefined,
          ttl: ttl === ttl ? ttl : undefined,
          attributes: value(table, inline, refs[r + 5]!) as Readonly<Record<string, string>> | undefined,
        };
      }
      batch(batchT[b]!, events, count);
    }
  }
}

function value(table: readonly unknown[], inline: readonly unknown[], ref: number): unknown {
  return ref >= 0 ? table[ref] : ref === ABSENT_REF ? undefined : inline[-2 - ref];
}
