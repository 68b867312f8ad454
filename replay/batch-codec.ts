/**
 * Decoded trace batches in a form that crosses a thread boundary cheaply:
 * the worker reader (read-worker.ts) decodes trace lines into events, and a
 * `ChunkWriter` packs them into typed arrays (numbers as doubles, names,
 * tags and attribute maps as references into a value table the receiving
 * side keeps) whose buffers are transferred, not copied. The main thread's
 * `ChunkReader` turns a chunk back into events of exactly the shape
 * `TraceDecoder` makes and hands them over batch by batch, so a replay sees
 * the same events whichever thread decoded them. Structured cloning the
 * events themselves would cost more than decoding them.
 *
 * A value is sent once and referred to by number afterwards: strings by
 * value, tag lists and attribute maps by identity when they are frozen (the
 * trace's dictionary entries), and values used once (attribute maps written
 * out in full) travel in the chunk's `inline` list. The table is cleared at
 * every trace file (each file has its own dictionary) and is bounded:
 * past `MAX_TABLE` entries values go inline.
 */
import type { Event } from "../streams/event.ts";

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
/** Reference of an absent field. */
const ABSENT = -1;
/** Most entries in the value table before values go inline. */
export const MAX_TABLE = 1 << 20;

function inlineRef(k: number): number {
  return -2 - k;
}

/**
 * Packs decoded batches into `BatchChunk`s (the worker side). Call `batch`
 * for each decoded batch, `take()` to get the chunk so far (and its
 * transferable buffers) and start a new one, and `reset()` at each new
 * trace file.
 *
 * @example
 * const writer = new ChunkWriter();
 * writer.batch(t, decoder.events, count);
 * const chunk = writer.take();
 * if (chunk !== undefined) port.postMessage({ type: "chunk", chunk }, transferList(chunk));
 */
export class ChunkWriter {
  private readonly strings = new Map<string, number>();
  private readonly objects = new Map<object, number>();
  private tableSize = 0;
  private resetPending = false;
  private added: unknown[] = [];
  private inline: unknown[] = [];
  private batches = 0;
  private events = 0;
  private batchT = new Float64Array(256);
  private batchCount = new Int32Array(256);
  private refs = new Int32Array(4096 * REFS);
  private nums = new Float64Array(4096 * NUMS);

  /** Events packed into the chunk being built. */
  get pendingEvents(): number {
    return this.events;
  }

  /** Batches (ticks included) packed into the chunk being built. */
  get pendingBatches(): number {
    return this.batches;
  }

  /** Forgets the value table (a new trace file starts); the next chunk tells the reader to do the same. */
  reset(): void {
    this.strings.clear();
    this.objects.clear();
    this.tableSize = 0;
    this.added = [];
    this.resetPending = true;
  }

  /** Packs the first `count` of `events`, received at `t`. */
  batch(t: number, events: readonly Event[], count: number): void {
    if (this.batches === this.batchT.length) {
      this.batchT = grow(this.batchT, this.batchT.length * 2);
      this.batchCount = grow(this.batchCount, this.batchCount.length * 2);
    }
    this.batchT[this.batches] = t;
    this.batchCount[this.batches] = count;
    this.batches++;
    const need = (this.events + count) * REFS;
    if (need > this.refs.length) {
      const capacity = Math.max(need / REFS, (this.refs.length / REFS) * 2);
      this.refs = grow(this.refs, capacity * REFS);
      this.nums = grow(this.nums, capacity * NUMS);
    }
    const refs = this.refs;
    const nums = this.nums;
    for (let i = 0; i < count; i++) {
      const e = events[i]!;
      const r = this.events * REFS;
      const n = this.events * NUMS;
      refs[r] = this.name(e.host);
      refs[r + 1] = this.name(e.service);
      refs[r + 2] = e.state === undefined ? ABSENT : this.name(e.state);
      refs[r + 3] = e.description === undefined ? ABSENT : this.name(e.description);
      refs[r + 4] = e.tags === undefined ? ABSENT : this.object(e.tags);
      refs[r + 5] = e.attributes === undefined ? ABSENT : this.object(e.attributes);
      nums[n] = e.time;
      nums[n + 1] = e.metric ?? NaN;
      nums[n + 2] = e.ttl ?? NaN;
      this.events++;
    }
  }

  /** The chunk built so far (undefined when empty), and a fresh one started. */
  take(): BatchChunk | undefined {
    if (this.batches === 0 && !this.resetPending && this.added.length === 0) return undefined;
    const chunk: BatchChunk = {
      reset: this.resetPending,
      added: this.added,
      inline: this.inline,
      batches: this.batches,
      batchT: this.batchT.slice(0, this.batches),
      batchCount: this.batchCount.slice(0, this.batches),
      refs: this.refs.slice(0, this.events * REFS),
      nums: this.nums.slice(0, this.events * NUMS),
    };
    this.resetPending = false;
    this.added = [];
    this.inline = [];
    this.batches = 0;
    this.events = 0;
    return chunk;
  }

  private name(value: string): number {
    const id = this.strings.get(value);
    if (id !== undefined) return id;
    if (this.tableSize >= MAX_TABLE) return inlineRef(this.inline.push(value) - 1);
    this.strings.set(value, this.tableSize);
    this.added.push(value);
    return this.tableSize++;
  }

  private object(value: object): number {
    // Frozen: a dictionary entry, used again and again. Not frozen: written out in full on its line, used once.
    if (!Object.isFrozen(value)) return inlineRef(this.inline.push(value) - 1);
    const id = this.objects.get(value);
    if (id !== undefined) return id;
    if (this.tableSize >= MAX_TABLE) return inlineRef(this.inline.push(value) - 1);
    this.objects.set(value, this.tableSize);
    this.added.push(value);
    return this.tableSize++;
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
  return ref >= 0 ? table[ref] : ref === ABSENT ? undefined : inline[-2 - ref];
}
