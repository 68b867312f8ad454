/**
 * Reading traces back: finds the trace files named on the command line (files
 * or directories), then streams each through gunzip and a line splitter into
 * a `TraceDecoder`, handing every batch of events to a visitor. Nothing loads
 * a whole file: memory is one decompressed chunk and the current line. A
 * trace cut short by a crash (a truncated gzip stream, a half-written last
 * line, no end line) or a corrupt line is reported as a problem with its file
 * and line number, and everything readable around it is still delivered.
 */
import { createReadStream, readdirSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import zlib from "node:zlib";
import type { Event } from "../streams/event.ts";
import { TraceDecoder, traceFileSeq, TraceFormatError, type PackedBatchSink, type TraceEndStats, type TraceHeader } from "./format.ts";

/** A trace that cannot be read at all (no files, unreadable path); the message says which. */
export class TraceError extends Error {
  override readonly name = "TraceError";
}

/** Something wrong inside a trace file: where, and what was done about it. */
export interface TraceProblem {
  readonly file: string;
  /** 1-based line number in the decompressed file; 0 when the problem is about the file as a whole. */
  readonly line: number;
  readonly message: string;
}

/** Receives a trace's contents in order. Only `batch` is required. */
export interface TraceVisitor {
  /** A file's header (its first line). */
  header?(header: TraceHeader, file: string): void;
  /**
   * Events received at clock time `t`: the first `count` entries of
   * `events` (a reused array; copy what you keep). `count` is 0 for a tick
   * line (the clock reached `t`).
   */
  batch(t: number, events: readonly Event[], count: number): void;
  /** The recorder dropped `dropped` events received from `from` to `to`. */
  gap?(dropped: number, from: number, to: number, file: string): void;
  /** A file's end line: it was closed cleanly at clock time `t`. */
  end?(t: number, stats: TraceEndStats, file: string): void;
}

/** How far reading has got, for a progress bar. */
export interface ReadProgress {
  /** Compressed bytes read so far, over all files. */
  readonly bytesRead: number;
  /** Total size of all files. */
  readonly totalBytes: number;
  /** Events delivered so far. */
  readonly events: number;
  /** The receive time of the latest batch, NaN before the first. */
  readonly t: number;
  readonly file: string;
}

/** What was read from one file. */
export interface TraceFileSummary {
  readonly file: string;
  readonly bytes: number;
  readonly header: TraceHeader | undefined;
  readonly lines: number;
  readonly events: number;
  /** True when the file ends with an end line (closed cleanly). */
  readonly complete: boolean;
}

/** What `readTrace` read, over all files. */
export interface TraceSummary {
  readonly files: readonly TraceFileSummary[];
  readonly events: number;
  readonly lines: number;
  /** Compressed bytes read. */
  readonly bytes: number;
  /** Decompressed bytes read. */
  readonly textBytes: number;
  /** Events the recorder dropped (sum of the gap lines). */
  readonly dropped: number;
  /** Receive time of the first batch, and the latest time the trace reached (batches, ticks, end lines); NaN when empty. */
  readonly firstT: number;
  readonly lastT: number;
  readonly problems: readonly TraceProblem[];
}

/** Settings of `readTrace`. */
export interface ReadTraceOptions {
  /**
   * Called after each decompressed chunk is handled. When it returns a
   * promise, reading waits for it before the next chunk (backpressure: the
   * worker reader holds back until the replay has caught up).
   */
  readonly onProgress?: ((progress: ReadProgress) => void | Promise<void>) | undefined;
  /** Called for each problem as it is found (they are also in the summary). */
  readonly onProblem?: ((problem: TraceProblem) => void) | undefined;
  /**
   * Decode batches straight into this sink in packed form (the reader
   * thread's `ChunkWriter`) instead of into events: `visitor.batch` is then
   * not called. Everything else — problems, the summary, the other visitor
   * calls — is the same. Reset or flush it in `visitor.header`.
   */
  readonly pack?: PackedBatchSink | undefined;
}

/** Decompressed bytes handed over per chunk. */
const CHUNK_BYTES = 1 << 18;

/** Skipped lines listed per file; past it they are only counted. */
const MAX_LINE_PROBLEMS = 20;

/** Longest line accepted; a longer one is a corrupt file, not a trace. */
const MAX_LINE_BYTES = 64 * 2 ** 20;

/**
 * The trace files `paths` name, in replay order: each path is a file (taken
 * as is) or a directory (its `*.jsonl.gz` / `*.jsonl` files, trace-named ones
 * ordered by sequence number, others by name, after them). Throws a
 * `TraceError` when a path does not exist or no file is found.
 *
 * @example
 * listTraceFiles("traces");       // ["traces/trace-000001-…jsonl.gz", "traces/trace-000002-…jsonl.gz"]
 * listTraceFiles(["a.jsonl.gz"]); // ["a.jsonl.gz"]
 */
export function listTraceFiles(paths: string | readonly string[]): string[] {
  const files: string[] = [];
  for (const p of typeof paths === "string" ? [paths] : paths) {
    let stat;
    try {
      stat = statSync(p);
    } catch {
      throw new TraceError(`no trace at ${p}: no such file or directory`);
    }
    if (!stat.isDirectory()) {
      files.push(p);
      continue;
    }
    const names = readdirSync(p).filter((n) => /\.jsonl(\.gz)?$/.test(n) && statSync(path.join(p, n)).isFile());
    names.sort((a, b) => {
      const sa = traceFileSeq(a);
      const sb = traceFileSeq(b);
      if (sa !== undefined && sb !== undefined && sa !== sb) return sa - sb;
      if ((sa === undefined) !== (sb === undefined)) return sa === undefined ? 1 : -1;
      return a < b ? -1 : a > b ? 1 : 0;
    });
    if (names.length === 0) throw new TraceError(`no trace files (*.jsonl.gz) in ${p}`);
    for (const n of names) files.push(path.join(p, n));
  }
  if (files.length === 0) throw new TraceError("no trace files given");
  return files;
}

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * Reads the trace files `paths` (see `listTraceFiles`) in order and hands
 * their contents to `visitor`. Resolves with a summary; rejects only when
 * the trace cannot be found (`TraceError`) or the visitor throws. Problems
 * inside files (corrupt or cut-off lines, a truncated or corrupt gzip
 * stream, a file without an end line) are collected and reading goes on
 * with the next line or file. Plain (uncompressed) JSON-lines files are read
 * too.
 *
 * @example
 * const summary = await readTrace("traces", {
 *   batch: (t, events, count) => { clock.advanceTo(t); for (let i = 0; i < count; i++) engine.process(events[i]!); },
 * });
 * console.log(`${summary.events} events, ${summary.problems.length} problems`);
 */
export async function readTrace(paths: string | readonly string[], visitor: TraceVisitor, options: ReadTraceOptions = {}): Promise<TraceSummary> {
  const files = listTraceFiles(paths);
  const sizes = files.map((f) => statSync(f).size);
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const problems: TraceProblem[] = [];
  const problem = (p: TraceProblem): void => {
    problems.push(p);
    options.onProblem?.(p);
  };
  const summaries: TraceFileSummary[] = [];
  let bytesBefore = 0;
  let events = 0;
  let lines = 0;
  let textBytes = 0;
  let dropped = 0;
  let firstT = NaN;
  let lastT = NaN;

  for (let fi = 0; fi < files.length; fi++) {
    const file = files[fi]!;
    const decoder = new TraceDecoder(options.pack);
    let header: TraceHeader | undefined;
    let fileLines = 0;
    let fileEvents = 0;
    let complete = false;
    let sawEnd = false;
    let fileProblems = 0;

    const handleLine = (text: string): void => {
      fileLines++;
      if (text.length === 0) return;
      if (sawEnd) {
        problem({ file, line: fileLines, message: "content after the end line: ignored" });
        return;
      }
      let decoded;
      try {
        decoded = decoder.line(text);
      } catch (err) {
        if (!(err instanceof TraceFormatError)) throw err;
        // Without a header this is no trace at all: one problem for the file, not one per line.
        if (header === undefined) throw new TraceFormatError(`not a trace file (${err.message})`);
        fileProblems++;
        if (fileProblems <= MAX_LINE_PROBLEMS) problem({ file, line: fileLines, message: `${err.message}: line skipped` });
        return;
      }
      switch (decoded.kind) {
        case "batch":
          if (Number.isNaN(firstT) && decoded.count > 0) firstT = decoded.t;
          if (!(decoded.t <= lastT)) lastT = decoded.t;
          fileEvents += decoded.count;
          events += decoded.count;
          if (options.pack === undefined) visitor.batch(decoded.t, decoder.events, decoded.count);
          break;
        case "header":
          if (header !== undefined) complete = false;
          header = decoded.header;
          visitor.header?.(decoded.header, file);
          break;
        case "gap":
          dropped += decoded.dropped;
          problem({ file, line: fileLines, message: `the recorder dropped ${decoded.dropped} events received between ${iso(decoded.from)} and ${iso(decoded.to)} (it could not write fast enough)` });
          visitor.gap?.(decoded.dropped, decoded.from, decoded.to, file);
          break;
        case "end":
          sawEnd = true;
          complete = true;
          if (!(decoded.t <= lastT)) lastT = decoded.t;
          visitor.end?.(decoded.t, decoded.stats, file);
          break;
        case "dictionary":
          break;
      }
    };

    const input = createReadStream(file, { highWaterMark: 1 << 18 });
    let stream: NodeJS.ReadableStream = input;
    /** Compressed bytes of this file used so far (gunzip's input, not what the read stream has buffered ahead). */
    let used = (): number => input.bytesRead;
    let gzip: boolean;
    try {
      gzip = await isGzip(file);
    } catch (err) {
      problem({ file, line: 0, message: `cannot read the file: ${err instanceof Error ? err.message : String(err)}` });
      input.destroy();
      summaries.push({ file, bytes: sizes[fi]!, header, lines: 0, events: 0, complete: false });
      continue;
    }
    if (gzip) {
      // Sync-flush at the end: a file cut off mid-stream (a crash) yields what it holds instead of an error.
      const gunzip = zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: CHUNK_BYTES });
      input.on("error", (err) => gunzip.destroy(err));
      input.pipe(gunzip);
      stream = gunzip;
      used = () => gunzip.bytesWritten;
    }
    let carry: Buffer | undefined;
    try {
      for await (const piece of stream as AsyncIterable<Buffer>) {
        textBytes += piece.length;
        let from = 0;
        if (carry !== undefined) {
          // Finish the line the previous chunk ended in (only that line is copied).
          const nl = piece.indexOf(10);
          if (nl < 0) {
            if (carry.length + piece.length > MAX_LINE_BYTES) throw new TraceFormatError(`a line longer than ${MAX_LINE_BYTES} bytes`);
            carry = Buffer.concat([carry, piece]);
            continue;
          }
          const head = carry;
          carry = undefined;
          handleLine(Buffer.concat([head, piece.subarray(0, nl)]).toString("utf8"));
          from = nl + 1;
        }
        const lastNewline = piece.lastIndexOf(10);
        if (lastNewline < from) {
          carry = from < piece.length ? Buffer.from(piece.subarray(from)) : undefined;
          continue;
        }
        carry = lastNewline + 1 < piece.length ? Buffer.from(piece.subarray(lastNewline + 1)) : undefined;
        // Complete lines only, so no UTF-8 sequence is cut: "\n" never occurs inside one.
        const text = piece.toString("utf8", from, lastNewline);
        let start = 0;
        for (;;) {
          const nl = text.indexOf("\n", start);
          if (nl < 0) {
            handleLine(text.slice(start));
            break;
          }
          handleLine(text.slice(start, nl));
          start = nl + 1;
        }
        const waiting = options.onProgress?.({ bytesRead: bytesBefore + used(), totalBytes, events, t: lastT, file });
        if (waiting !== undefined) await waiting;
      }
    } catch (err) {
      if (err instanceof TraceFormatError) problem({ file, line: fileLines + 1, message: `${err.message}: the rest of the file is skipped` });
      else if (isStreamError(err)) problem({ file, line: fileLines + 1, message: `unreadable after line ${fileLines} (${err.message}): the rest of the file is skipped` });
      else throw err;
      carry = undefined;
      complete = false;
    }
    if (carry !== undefined) {
      // The last line has no "\n": a hand-made file, or a recording cut off mid-line.
      const text = carry.toString("utf8");
      let whole = true;
      try {
        JSON.parse(text);
      } catch {
        whole = false;
      }
      if (whole) {
        try {
          handleLine(text);
        } catch (err) {
          if (!(err instanceof TraceFormatError)) throw err;
          problem({ file, line: fileLines, message: `${err.message}: the rest of the file is skipped` });
        }
      } else {
        fileLines++;
        problem({ file, line: fileLines, message: `the file ends in the middle of line ${fileLines} (${carry.length} bytes; the recording was cut off): line skipped` });
      }
    }
    if (fileProblems > MAX_LINE_PROBLEMS) problem({ file, line: 0, message: `${fileProblems - MAX_LINE_PROBLEMS} more lines skipped (not listed)` });
    if (!complete && header !== undefined) {
      problem({ file, line: 0, message: "no end line: the recording stopped without closing this file (a crash, or it is still being written); replayed up to its last complete line" });
    }
    bytesBefore += sizes[fi]!;
    lines += fileLines;
    summaries.push({ file, bytes: sizes[fi]!, header, lines: fileLines, events: fileEvents, complete });
    const waiting = options.onProgress?.({ bytesRead: bytesBefore, totalBytes, events, t: lastT, file });
    if (waiting !== undefined) await waiting;
  }
  return { files: summaries, events, lines, bytes: totalBytes, textBytes, dropped, firstT, lastT, problems };
}

function isStreamError(err: unknown): err is Error {
  return err instanceof Error && (typeof (err as { code?: unknown }).code === "string" || typeof (err as { errno?: unknown }).errno === "number");
}

/**
 * ISO time of unix seconds `t`, or the number as text when it is not a date.
 *
 * @example
 * iso(1735732800.5); // "2025-01-01T12:00:00.500Z"
 */
export function iso(t: number): string {
  const d = new Date(t * 1000);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
}

/**
 * The start time in the header of the first of `files` (see
 * `listTraceFiles`), reading only its first line; undefined when the file
 * has no readable header. A replay sets its clock there before loading rules.
 *
 * @example
 * const start = await peekTraceStart(listTraceFiles("traces")); // 1735732800.25
 */
export async function peekTraceStart(files: readonly string[]): Promise<number | undefined> {
  const file = files[0];
  if (file === undefined) return undefined;
  const input = createReadStream(file, { highWaterMark: 1 << 16 });
  let gunzip: zlib.Gunzip | undefined;
  try {
    let stream: NodeJS.ReadableStream = input;
    if (await isGzip(file)) {
      gunzip = zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
      const g = gunzip;
      input.on("error", (err) => g.destroy(err));
      input.pipe(g);
      stream = g;
    }
    let head = Buffer.alloc(0);
    for await (const piece of stream as AsyncIterable<Buffer>) {
      head = Buffer.concat([head, piece]);
      const nl = head.indexOf(10);
      if (nl >= 0 || head.length > 1 << 20) {
        const line = new TraceDecoder().line(head.toString("utf8", 0, nl < 0 ? head.length : nl));
        return line.kind === "header" && Number.isFinite(line.header.start) ? line.header.start : undefined;
      }
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    input.destroy();
    gunzip?.destroy();
  }
}
