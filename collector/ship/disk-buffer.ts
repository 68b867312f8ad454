/**
 * The on-disk buffer: batches a destination could not take wait here, in
 * order, within a byte bound, and survive an agent restart. The directory
 * holds segment files (`segment-<n>.jsonl`, one JSON line per batch,
 * appended; a new segment when the current one reaches `segmentBytes`) and
 * `head.json`, how many batches of the oldest segment were already sent.
 * When appending would pass `maxBytes`, whole oldest segments are deleted
 * and their unsent events counted as dropped. A fully sent segment is
 * deleted. `DiskBuffer.open` reads what a previous run left (a torn last
 * line from a crash is skipped and counted), and new batches go to a new
 * segment after them.
 *
 * Delivery is at least once: a batch sent but not yet marked sent when the
 * agent dies is sent again after the restart (with the same producer id
 * and sequence, which the Kafka consumer uses to drop the copy). Writes are
 * not fsync'ed: a process crash loses nothing, a machine crash may lose
 * what the OS had not written yet. One agent per directory.
 */
import { existsSync } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, writeFile, type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { Event } from "../../streams/event.ts";
import type { BatchBuffer, BufferStats } from "./buffer.ts";
import type { Batch } from "./transport.ts";

/** Settings of a `DiskBuffer`. */
export interface DiskBufferOptions {
  /** Most bytes held on disk. Default 64 MiB. */
  readonly maxBytes?: number;
  /** Size at which a segment is closed and a new one started. Default 1 MiB; at most `maxBytes / 2`. */
  readonly segmentBytes?: number;
}

/** Defaults of `DiskBufferOptions`, in one place. */
export const DISK_BUFFER_DEFAULTS = Object.freeze({ maxBytes: 64 * 1024 * 1024, segmentBytes: 1024 * 1024 });

/** The disk buffer's counters: the `BufferStats` every buffer keeps, plus lines it could not read. */
export interface DiskBufferStats extends BufferStats {
  /** Lines of segment files that were not a batch (a torn write from a crash), skipped. */
  corruptRecords: number;
}

interface Segment {
  readonly id: number;
  readonly file: string;
  /** File size. */
  bytes: number;
  /** Events and bytes of each readable record, in order. */
  readonly recordEvents: number[];
  readonly recordBytes: number[];
  /** Records already sent (only ever > 0 on the oldest segment). */
  acked: number;
}

const SEGMENT = /^segment-(\d{12})\.jsonl$/;
const HEAD_FILE = "head.json";

function segmentName(id: number): string {
  return `segment-${String(id).padStart(12, "0")}.jsonl`;
}

function parseRecord(line: string): Batch | undefined {
  try {
    const r = JSON.parse(line) as { p?: unknown; s?: unknown; e?: unknown };
    if (typeof r.p !== "string" || typeof r.s !== "number" || !Array.isArray(r.e)) return undefined;
    return { producer: r.p, seq: r.s, events: r.e as Event[] };
  } catch {
    return undefined;
  }
}

/** The records of a segment file's text; `bad` counts lines that are not records. */
function parseSegment(text: string): { records: Batch[]; bytes: number[]; bad: number } {
  const records: Batch[] = [];
  const bytes: number[] = [];
  let bad = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.trim() === "") continue;
    const r = parseRecord(line);
    if (r === undefined) bad++;
    else {
      records.push(r);
      bytes.push(Buffer.byteLength(line) + 1);
    }
  }
  return { records, bytes, bad };
}

/**
 * A `BatchBuffer` in a directory. Open with `DiskBuffer.open`.
 *
 * @example
 * const buffer = await DiskBuffer.open("/var/lib/satellite/buffer/kafka", { maxBytes: 256 * 1024 * 1024 });
 * await buffer.append(batch);
 * const oldest = await buffer.peek();
 * await buffer.ack(oldest!);
 * await buffer.close();
 */
export class DiskBuffer implements BatchBuffer {
  readonly stats: DiskBufferStats = { events: 0, batches: 0, bytes: 0, droppedEvents: 0, droppedBatches: 0, corruptRecords: 0 };
  readonly maxBytes: number;
  readonly segmentBytes: number;
  private readonly segments: Segment[] = [];
  /** The segment new batches go to, once one was opened by this run. */
  private tail: { segment: Segment; handle: FileHandle } | undefined;
  /** The records of the oldest segment, once read. */
  private headRecords: Batch[] | undefined;
  private nextId = 1;
  private closed = false;

  private constructor(readonly dir: string, options: DiskBufferOptions) {
    this.maxBytes = options.maxBytes ?? DISK_BUFFER_DEFAULTS.maxBytes;
    this.segmentBytes = options.segmentBytes ?? Math.min(DISK_BUFFER_DEFAULTS.segmentBytes, Math.floor(this.maxBytes / 2));
    if (!Number.isInteger(this.maxBytes) || this.maxBytes < 1024) throw new RangeError(`buffer.maxBytes must be an integer >= 1024, got ${String(options.maxBytes)}`);
    if (!Number.isInteger(this.segmentBytes) || this.segmentBytes < 512 || this.segmentBytes > this.maxBytes / 2) {
      throw new RangeError(`buffer.segmentBytes must be an integer from 512 to maxBytes / 2 (${Math.floor(this.maxBytes / 2)}), got ${String(options.segmentBytes)}`);
    }
  }

  /**
   * Opens (creating it if needed) the buffer in `dir` and reads what a
   * previous run left there. If that is over `maxBytes` (the bound was
   * lowered), the oldest segments are dropped.
   */
  static async open(dir: string, options: DiskBufferOptions = {}): Promise<DiskBuffer> {
    const buffer = new DiskBuffer(dir, options);
    await buffer.load();
    return buffer;
  }

  private async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const ids = (await readdir(this.dir))
      .map((f) => SEGMENT.exec(f))
      .filter((m) => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const id of ids) {
      const file = path.join(this.dir, segmentName(id));
      const text = await readFile(file, "utf8");
      const { records, bytes, bad } = parseSegment(text);
      this.stats.corruptRecords += bad;
      const segment: Segment = { id, file, bytes: Buffer.byteLength(text), recordEvents: records.map((r) => r.events.length), recordBytes: bytes, acked: 0 };
      this.segments.push(segment);
      this.nextId = id + 1;
    }
    const head = this.segments[0];
    if (head !== undefined) {
      try {
        const cursor = JSON.parse(await readFile(path.join(this.dir, HEAD_FILE), "utf8")) as { segment?: unknown; acked?: unknown };
        if (cursor.segment === head.id && typeof cursor.acked === "number" && Number.isInteger(cursor.acked) && cursor.acked > 0) head.acked = Math.min(cursor.acked, head.recordEvents.length);
      } catch {
        // no cursor (or a torn one): resend the whole head segment (at least once)
      }
    }
    for (const s of this.segments) {
      for (let i = s.acked; i < s.recordEvents.length; i++) {
        this.stats.events += s.recordEvents[i]!;
        this.stats.bytes += s.recordBytes[i]!;
        this.stats.batches++;
      }
    }
    await this.dropOldestUntil(0);
    await this.discardSentHeads();
  }

  async append(batch: Batch): Promise<void> {
    if (this.closed) throw new Error("DiskBuffer: append after close");
    const line = `${JSON.stringify({ p: batch.producer, s: batch.seq, e: batch.events })}\n`;
    const bytes = Buffer.byteLength(line);
    if (bytes > this.maxBytes - this.segmentBytes) {
      // Never fits beside a segment of older data: drop it rather than everything else.
      this.stats.droppedBatches++;
      this.stats.droppedEvents += batch.events.length;
      return;
    }
    if (this.tail === undefined || (this.tail.segment.bytes + bytes > this.segmentBytes && this.tail.segment.recordEvents.length > 0)) await this.roll();
    await this.dropOldestUntil(bytes);
    const tail = this.tail!;
    await tail.handle.write(line);
    tail.segment.bytes += bytes;
    tail.segment.recordEvents.push(batch.events.length);
    tail.segment.recordBytes.push(bytes);
    if (this.headRecords !== undefined && this.segments[0] === tail.segment) this.headRecords.push(batch);
    this.stats.events += batch.events.length;
    this.stats.batches++;
    this.stats.bytes += bytes;
  }

  async peek(): Promise<Batch | undefined> {
    await this.discardSentHeads();
    const head = this.segments[0];
    if (head === undefined || head.acked >= head.recordEvents.length) return undefined;
    if (this.headRecords === undefined) {
      const { records } = parseSegment(await readFile(head.file, "utf8"));
      this.headRecords = records;
    }
    return this.headRecords[head.acked];
  }

  async ack(batch: Batch): Promise<void> {
    const head = this.segments[0];
    if (head === undefined || this.headRecords === undefined) return;
    const current = this.headRecords[head.acked];
    if (current === undefined || current.producer !== batch.producer || current.seq !== batch.seq) return; // dropped meanwhile
    this.stats.events -= head.recordEvents[head.acked]!;
    this.stats.bytes -= head.recordBytes[head.acked]!;
    this.stats.batches--;
    head.acked++;
    if (head.acked >= head.recordEvents.length) await this.discardSentHeads();
    else await this.writeCursor(head);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail?.handle.close();
    this.tail = undefined;
  }

  /** Segment files in the directory now (for tests and diagnostics). */
  get segmentCount(): number {
    return this.segments.length;
  }

  private async roll(): Promise<void> {
    if (this.tail !== undefined) await this.tail.handle.close();
    const id = this.nextId++;
    const file = path.join(this.dir, segmentName(id));
    const handle = await open(file, "a");
    const segment: Segment = { id, file, bytes: 0, recordEvents: [], recordBytes: [], acked: 0 };
    this.segments.push(segment);
    this.tail = { segment, handle };
  }

  /** Deletes oldest segments (never the tail) until `incoming` more bytes fit. */
  private async dropOldestUntil(incoming: number): Promise<void> {
    while (this.stats.bytes + incoming > this.maxBytes) {
      const head = this.segments[0];
      if (head === undefined || head === this.tail?.segment) return;
      for (let i = head.acked; i < head.recordEvents.length; i++) {
        this.stats.droppedEvents += head.recordEvents[i]!;
        this.stats.droppedBatches++;
        this.stats.events -= head.recordEvents[i]!;
        this.stats.bytes -= head.recordBytes[i]!;
        this.stats.batches--;
      }
      await this.removeHead();
    }
  }

  /** Deletes oldest segments whose every batch was sent; the tail too (it is reopened on the next append). */
  private async discardSentHeads(): Promise<void> {
    for (;;) {
      const head = this.segments[0];
      if (head === undefined || head.acked < head.recordEvents.length) return;
      if (head === this.tail?.segment) {
        await this.tail.handle.close();
        this.tail = undefined;
      }
      await this.removeHead();
    }
  }

  private async removeHead(): Promise<void> {
    const head = this.segments.shift();
    this.headRecords = undefined;
    if (head === undefined) return;
    await rm(head.file, { force: true });
    const cursor = path.join(this.dir, HEAD_FILE);
    if (existsSync(cursor)) await rm(cursor, { force: true });
  }

  private async writeCursor(head: Segment): Promise<void> {
    const file = path.join(this.dir, HEAD_FILE);
    await writeFile(`${file}.tmp`, JSON.stringify({ segment: head.id, acked: head.acked }));
    await rename(`${file}.tmp`, file);
  }
}
