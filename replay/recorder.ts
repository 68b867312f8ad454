/**
 * Recording: writes the engine's input (every accepted event, with the
 * clock time it was received at) to gzip-compressed trace files, so that a
 * day of production traffic can later be replayed against other rules
 * (replay.ts). The recorder sits in front of the engine (`attachRecorder`)
 * and never blocks it: encoding is a few string operations per event,
 * compression runs on libuv's thread pool, and when compression or the disk
 * cannot keep up the recorder drops events and counts them (writing a `gap`
 * line into the trace) instead of growing its memory. Files rotate by size
 * and by clock time; the oldest beyond `maxFiles` are deleted.
 */
import { mkdirSync, readdirSync } from "node:fs";
import { open, readdir, unlink, type FileHandle } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { RealClock, type Clock } from "../streams/clock.ts";
import type { Engine } from "../streams/engine.ts";
import type { Event } from "../streams/event.ts";
import { TRACE_FILE_PATTERN, TRACE_VERSION, TraceEncoder, traceFileName, traceFileSeq } from "./format.ts";

/** Settings of a `TraceRecorder`; every field but `dir` has a default in `RECORDER_DEFAULTS`. */
export interface RecorderOptions {
  /** Directory of the trace files (created if missing). */
  readonly dir: string;
  /** File name prefix: `<prefix>-<seq>-<UTC time>.jsonl.gz`. */
  readonly prefix?: string | undefined;
  /** Start a new file once the current one holds about this many compressed bytes. 0: no size limit. */
  readonly maxFileBytes?: number | undefined;
  /** Start a new file once the current one spans this many seconds of clock time. 0: no time limit. */
  readonly rotateSeconds?: number | undefined;
  /** Keep at most this many trace files with this prefix in `dir`, deleting the oldest. 0: keep all. */
  readonly maxFiles?: number | undefined;
  /**
   * Most bytes waiting in memory (text not yet compressed plus compressed
   * data not yet on disk). Past it, events are dropped and counted until
   * the backlog is down to half.
   */
  readonly maxQueuedBytes?: number | undefined;
  /** Wall milliseconds between flushes to disk (a crash loses at most about this much). 0: flush only on `flush()`/`close()`. */
  readonly flushIntervalMs?: number | undefined;
  /** gzip level, 1 (fastest) to 9 (smallest). */
  readonly gzipLevel?: number | undefined;
  /** Host name written in each file's header. Default: this machine's. */
  readonly hostName?: string | undefined;
}

/** What `TraceRecorder` takes besides its settings: the clock and the callbacks. */
export interface RecorderContext {
  /** Clock for file names, time rotation and tick lines. Default wall time; `attachRecorder` passes the engine's. */
  readonly clock?: Clock | undefined;
  /** Extra header fields for each new file, e.g. the hashes of the loaded rules files. Called when a file opens. */
  readonly meta?: (() => Record<string, unknown>) | undefined;
  /** Told about I/O errors (the recorder stops writing after one and counts everything after as dropped). */
  readonly onError?: ((error: Error) => void) | undefined;
}

/** The defaults of `RecorderOptions`. */
export const RECORDER_DEFAULTS = Object.freeze({
  prefix: "trace",
  maxFileBytes: 64 * 2 ** 20,
  rotateSeconds: 3600,
  maxFiles: 48,
  maxQueuedBytes: 32 * 2 ** 20,
  flushIntervalMs: 1000,
  gzipLevel: 6,
});

/** `RecorderOptions` with every default applied. */
export type ResolvedRecorderOptions = Required<Omit<RecorderOptions, "hostName">> & { readonly hostName: string };

/**
 * Validates raw recorder settings (from a config file or flags) and applies
 * the defaults. Throws an Error naming the field when one is wrong.
 *
 * @example
 * resolveRecorderOptions({ dir: "traces", maxFiles: 10 }).rotateSeconds; // 3600
 * resolveRecorderOptions({ dir: "traces", maxFiles: -1 }); // throws "record.maxFiles must be an integer >= 0, got -1"
 */
export function resolveRecorderOptions(raw: unknown, where = "record"): ResolvedRecorderOptions {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${where} must be an object, got ${JSON.stringify(raw)}`);
  const r = raw as Record<string, unknown>;
  const known = new Set(["dir", "prefix", "maxFileBytes", "rotateSeconds", "maxFiles", "maxQueuedBytes", "flushIntervalMs", "gzipLevel", "hostName"]);
  for (const key of Object.keys(r)) if (!known.has(key)) throw new Error(`${where}.${key} is not a setting of the recorder`);
  const text = (key: string, fallback?: string): string => {
    const v = r[key] ?? fallback;
    if (typeof v !== "string" || v === "") throw new Error(`${where}.${key} must be a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  };
  const int = (key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const v = r[key] ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new Error(`${where}.${key} must be an integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ""}, got ${JSON.stringify(v)}`);
    return v;
  };
  const nonNegative = (key: string, fallback: number): number => {
    const v = r[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new Error(`${where}.${key} must be a number >= 0, got ${JSON.stringify(v)}`);
    return v;
  };
  const prefix = text("prefix", RECORDER_DEFAULTS.prefix);
  if (!/^[\w.]+$/.test(prefix)) throw new Error(`${where}.prefix may hold only letters, digits, "_" and ".", got ${JSON.stringify(prefix)}`);
  return {
    dir: text("dir"),
    prefix,
    maxFileBytes: int("maxFileBytes", RECORDER_DEFAULTS.maxFileBytes, 0),
    rotateSeconds: nonNegative("rotateSeconds", RECORDER_DEFAULTS.rotateSeconds),
    maxFiles: int("maxFiles", RECORDER_DEFAULTS.maxFiles, 0),
    maxQueuedBytes: int("maxQueuedBytes", RECORDER_DEFAULTS.maxQueuedBytes, 1),
    flushIntervalMs: nonNegative("flushIntervalMs", RECORDER_DEFAULTS.flushIntervalMs),
    gzipLevel: int("gzipLevel", RECORDER_DEFAULTS.gzipLevel, 1, 9),
    hostName: r.hostName === undefined ? os.hostname() : text("hostName"),
  };
}

/** Counters of a `TraceRecorder`. */
export interface RecorderStats {
  /** Events written (handed to compression). */
  events: number;
  /** Events dropped: the backlog was full, or writing had failed. */
  dropped: number;
  /** Gap lines written (one per spell of dropping). */
  gaps: number;
  /** Uncompressed bytes of trace text produced. */
  textBytes: number;
  /** Compressed bytes written to disk. */
  bytesWritten: number;
  /** Files opened. */
  files: number;
  /** Old files deleted to keep `maxFiles`. */
  deletedFiles: number;
  /** I/O errors (after the first, nothing more is written). */
  errors: number;
  /** The file being written, if any. */
  currentFile: string | undefined;
}

/** Lines gathered before they are handed to compression in one write. */
const LINES_PER_WRITE = 64;

/** One trace file being written: a gzip stream whose output goes to a file handle. */
class TraceFile {
  readonly gzip: zlib.Gzip;
  /** Compressed bytes received from gzip and not yet on disk. */
  pendingBytes = 0;
  /** Compressed bytes on disk. */
  written = 0;
  events = 0;
  dropped = 0;
  private readonly chunks: Buffer[] = [];
  private readonly handle: Promise<FileHandle>;
  private writing = false;
  private ended = false;
  private failed = false;
  private idleWaiters: (() => void)[] = [];
  /** Settles once the file is complete on disk and closed (never rejects; errors go to `onError`). */
  readonly done: Promise<void>;

  constructor(
    readonly file: string,
    readonly start: number,
    level: number,
    private readonly onBytes: (n: number) => void,
    private readonly onError: (error: Error) => void,
  ) {
    this.gzip = zlib.createGzip({ level });
    this.handle = open(file, "wx");
    this.handle.catch((err: unknown) => this.fail(err));
    this.gzip.on("data", (chunk: Buffer) => {
      if (this.failed) return;
      this.chunks.push(chunk);
      this.pendingBytes += chunk.length;
      this.kick();
    });
    this.gzip.on("error", (err) => this.fail(err));
    this.done = new Promise<void>((resolve) => {
      this.gzip.on("end", () => {
        this.ended = true;
        void this.idle()
          .then(async () => {
            if (!this.failed) await (await this.handle).close();
          })
          .catch((err: unknown) => this.fail(err))
          .finally(resolve);
      });
      this.gzip.on("error", () => resolve());
    });
  }

  /** Bytes waiting in memory for this file (text not yet compressed, compressed not yet written). */
  get queued(): number {
    return this.gzip.writableLength + this.pendingBytes;
  }

  /** Resolves when every compressed byte received so far is on disk (or writing failed). */
  idle(): Promise<void> {
    if ((!this.writing && this.chunks.length === 0) || this.failed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Makes everything written so far decodable from disk: a gzip sync flush, then the disk write. */
  async flush(): Promise<void> {
    if (this.ended || this.gzip.writableEnded) return;
    await new Promise<void>((resolve) => this.gzip.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    await this.idle();
  }

  private kick(): void {
    if (this.writing || this.chunks.length === 0 || this.failed) return;
    this.writing = true;
    const chunks = this.chunks.splice(0);
    void this.handle
      .then((h) => h.writev(chunks))
      .then(({ bytesWritten }) => {
        this.written += bytesWritten;
        this.pendingBytes -= bytesWritten;
        this.onBytes(bytesWritten);
        this.writing = false;
        if (this.chunks.length > 0) this.kick();
        else this.wake();
      })
      .catch((err: unknown) => this.fail(err));
  }

  private wake(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.writing = false;
    this.chunks.length = 0;
    this.pendingBytes = 0;
    this.onError(err instanceof Error ? err : new Error(String(err)));
    this.wake();
    void this.handle.then((h) => h.close()).catch(() => undefined);
  }
}

/**
 * Writes events to rotating trace files (format.ts). `record(event, t)` and
 * `tap(events, t)` take events with the clock time they were received at;
 * both return at once and never throw.
 *
 * - Lines are gathered in memory and handed to gzip in writes of
 *   `LINES_PER_WRITE` lines; every `flushIntervalMs` (wall time: an I/O
 *   edge, not stream logic) the open line is closed, a tick line records the
 *   clock time, and gzip is sync-flushed so the file on disk is readable up
 *   to there even if the process dies.
 * - Backpressure: when more than `maxQueuedBytes` wait in memory, events are
 *   dropped (counted in `stats.dropped`) until the backlog is down to half;
 *   a `["gap", n, from, to]` line then says how many were lost, so a replay
 *   can report it. Memory stays bounded by about `maxQueuedBytes` plus one
 *   write.
 * - Rotation: a new file when the current one reaches `maxFileBytes`
 *   compressed (checked as data reaches the disk, so files end up a little
 *   over) or spans `rotateSeconds` of clock time; each file starts with a
 *   header and a fresh dictionary and ends with an `end` line. Files are
 *   numbered on from the highest number already in `dir`.
 * - An I/O error (disk full, directory removed) is reported once through
 *   `onError`; the recorder then stops writing and counts every later event
 *   as dropped. The engine is never affected.
 * - `close()` writes what is gathered, ends the file and resolves when it
 *   is on disk. `flush()` does the same without ending the file.
 *
 * @example
 * const recorder = new TraceRecorder({ dir: "traces", maxFiles: 24 }, { clock, onError: (e) => log(e.message) });
 * recorder.record(event, clock.now());
 * await recorder.close();
 */
export class TraceRecorder {
  readonly options: ResolvedRecorderOptions;
  readonly stats: RecorderStats = { events: 0, dropped: 0, gaps: 0, textBytes: 0, bytesWritten: 0, files: 0, deletedFiles: 0, errors: 0, currentFile: undefined };
  /** Records a batch received at `receivedAt`: the tap to put in front of the engine. */
  readonly tap: (events: readonly Event[], receivedAt: number) => void;
  private readonly clock: Clock;
  private readonly meta: (() => Record<string, unknown>) | undefined;
  private readonly onError: (error: Error) => void;
  private readonly tell: ((error: Error) => void) | undefined;
  private encoder = new TraceEncoder();
  private readonly out: string[] = [];
  private current: TraceFile | undefined;
  private readonly closing = new Set<TraceFile>();
  private seq: number;
  private lastT = -Infinity;
  private dropping = false;
  private gapFrom = 0;
  private gapTo = 0;
  private gapCount = 0;
  private rotateDue = false;
  private failed = false;
  private closed = false;
  private closedStats: Promise<RecorderStats> | undefined;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(options: RecorderOptions, context: RecorderContext = {}) {
    this.options = resolveRecorderOptions(options);
    this.clock = context.clock ?? new RealClock();
    this.meta = context.meta;
    const tell = context.onError;
    this.tell = tell;
    this.onError = (error: Error): void => {
      this.stats.errors++;
      if (!this.failed) {
        this.failed = true;
        tell?.(error);
      }
    };
    mkdirSync(this.options.dir, { recursive: true });
    let max = 0;
    for (const name of readdirSync(this.options.dir)) {
      if (!this.ours(name)) continue;
      max = Math.max(max, traceFileSeq(name) ?? 0);
    }
    this.seq = max;
    this.tap = (events: readonly Event[], receivedAt: number): void => {
      for (let i = 0; i < events.length; i++) this.record(events[i]!, receivedAt);
    };
    if (this.options.flushIntervalMs > 0) {
      this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Bytes waiting in memory to be compressed or written (what `maxQueuedBytes` limits). */
  get queuedBytes(): number {
    return this.queued();
  }

  /** Records one event received at clock time `receivedAt`. Never throws, never waits. */
  record(event: Event, receivedAt: number): void {
    if (this.closed || this.failed) {
      this.stats.dropped++;
      return;
    }
    if (this.dropping && !this.resume()) {
      this.drop(receivedAt);
      return;
    }
    let file = this.current;
    if (file === undefined) file = this.openFile(receivedAt);
    else if (this.rotateDue || (this.options.rotateSeconds > 0 && receivedAt - file.start >= this.options.rotateSeconds)) file = this.rotate(receivedAt);
    this.encoder.add(receivedAt, event, this.out);
    this.lastT = receivedAt;
    file.events++;
    this.stats.events++;
    if (this.out.length >= LINES_PER_WRITE) this.write();
  }

  /** Writes everything gathered and makes the current file readable on disk up to here (a tick line records the clock). */
  async flush(): Promise<void> {
    const file = this.current;
    if (file === undefined || this.closed) return;
    this.encoder.flush(this.out);
    const now = this.clock.now();
    if (now > this.lastT && !this.dropping) {
      this.out.push(this.encoder.tick(now));
      this.lastT = now;
    }
    this.write();
    await file.flush();
  }

  /** Ends the current file (end line) and resolves with the final counters once everything is on disk. Idempotent. */
  close(): Promise<RecorderStats> {
    this.closedStats ??= this.closeNow();
    return this.closedStats;
  }

  private async closeNow(): Promise<RecorderStats> {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.current !== undefined) this.endFile(Math.max(this.clock.now(), this.lastT));
    this.closed = true;
    await Promise.all([...this.closing].map((f) => f.done));
    await this.prune();
    this.stats.currentFile = undefined;
    return { ...this.stats };
  }

  /** Bytes waiting in memory over every file still being written. */
  private queued(): number {
    let n = this.current?.queued ?? 0;
    for (const f of this.closing) n += f.queued;
    return n;
  }

  private drop(t: number): void {
    this.stats.dropped++;
    if (this.current !== undefined) this.current.dropped++;
    if (this.gapCount === 0) this.gapFrom = t;
    this.gapTo = t;
    this.gapCount++;
  }

  /** While dropping: true (after writing the gap line) once the backlog is down to half. */
  private resume(): boolean {
    if (this.queued() > this.options.maxQueuedBytes / 2) return false;
    this.dropping = false;
    if (this.gapCount > 0) {
      this.out.push(this.encoder.gap(this.gapCount, this.gapFrom, this.gapTo));
      this.stats.gaps++;
      this.gapCount = 0;
    }
    return true;
  }

  /** Hands the gathered lines to gzip; starts dropping when the backlog is over the limit. */
  private write(): void {
    const file = this.current;
    if (file === undefined || this.out.length === 0) return;
    const text = this.out.join("");
    this.out.length = 0;
    this.stats.textBytes += text.length;
    file.gzip.write(text);
    if (this.options.maxFileBytes > 0 && file.written + file.pendingBytes >= this.options.maxFileBytes) this.rotateDue = true;
    if (this.queued() > this.options.maxQueuedBytes) {
      this.encoder.flush(this.out);
      if (this.out.length > 0) {
        const rest = this.out.join("");
        this.out.length = 0;
        this.stats.textBytes += rest.length;
        file.gzip.write(rest);
      }
      this.dropping = true;
    }
  }

  private openFile(t: number): TraceFile {
    const seq = ++this.seq;
    const name = path.join(this.options.dir, traceFileName(this.options.prefix, seq, t));
    const file = new TraceFile(name, t, this.options.gzipLevel, (n) => (this.stats.bytesWritten += n), this.onError);
    this.current = file;
    this.encoder = new TraceEncoder();
    this.rotateDue = false;
    this.stats.files++;
    this.stats.currentFile = name;
    let meta: Record<string, unknown> | undefined;
    try {
      meta = this.meta?.();
    } catch (err) {
      meta = { metaError: err instanceof Error ? err.message : String(err) };
    }
    this.out.push(this.encoder.header({ satelliteTrace: TRACE_VERSION, seq, start: t, host: this.options.hostName, meta }));
    return file;
  }

  private rotate(t: number): TraceFile {
    this.endFile(t);
    return this.openFile(t);
  }

  /** Writes the end line of the current file and lets it finish in the background. */
  private endFile(t: number): void {
    const file = this.current!;
    this.current = undefined;
    this.encoder.flush(this.out);
    if (this.gapCount > 0) {
      this.out.push(this.encoder.gap(this.gapCount, this.gapFrom, this.gapTo));
      this.stats.gaps++;
      this.gapCount = 0;
    }
    this.out.push(this.encoder.end(t, { events: file.events, dropped: file.dropped }));
    const text = this.out.join("");
    this.out.length = 0;
    this.stats.textBytes += text.length;
    file.gzip.end(text);
    this.closing.add(file);
    void file.done.then(async () => {
      this.closing.delete(file);
      if (!this.closed) await this.prune();
    });
  }

  private ours(name: string): boolean {
    const m = TRACE_FILE_PATTERN.exec(name);
    return m !== null && m[1] === this.options.prefix && m[4] === ".gz";
  }

  /** Deletes the oldest trace files beyond `maxFiles` (the file being written counts). Errors are reported, not thrown. */
  private async prune(): Promise<void> {
    const max = this.options.maxFiles;
    if (max === 0 || this.failed) return;
    try {
      const names = (await readdir(this.options.dir)).filter((n) => this.ours(n)).sort((a, b) => traceFileSeq(a)! - traceFileSeq(b)!);
      const keep = new Set([this.current?.file, ...[...this.closing].map((f) => f.file)].filter((f) => f !== undefined).map((f) => path.basename(f)));
      let excess = names.length - max;
      for (const name of names) {
        if (excess <= 0) break;
        if (keep.has(name)) continue;
        await unlink(path.join(this.options.dir, name));
        this.stats.deletedFiles++;
        excess--;
      }
    } catch (err) {
      // A failed delete does not stop the recording: counted and told, nothing more.
      this.stats.errors++;
      this.tell?.(new Error(`cannot delete old trace files: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
}

/** A recorder attached to an engine; `close()` detaches it and closes the recorder. */
export interface Recording {
  readonly recorder: TraceRecorder;
  /** Stops recording (the engine is left as it was) and resolves with the recorder's final counters. */
  close(): Promise<RecorderStats>;
}

/**
 * Puts `recorder` (or a new one built from `options` on the engine's clock)
 * in front of `engine`: every event the engine accepts (through `submit`,
 * `submitAll` or `process`) is recorded with the engine clock's time,
 * before it is processed. Expiries and the engine's own error events are not
 * recorded: a replay makes them again.
 *
 * Works by wrapping the instance's `process` method (every accepted event
 * passes through it); `close()` puts the original back.
 *
 * @example
 * const recording = attachRecorder(engine, { dir: "traces" }, { onError: (e) => log(`recorder: ${e.message}`) });
 * // on shutdown
 * await recording.close();
 */
export function attachRecorder(engine: Engine, recorder: TraceRecorder | RecorderOptions, context: RecorderContext = {}): Recording {
  const clock = engine.ctx.clock;
  const rec = recorder instanceof TraceRecorder ? recorder : new TraceRecorder(recorder, { clock, ...context });
  const own = Object.getOwnPropertyDescriptor(engine, "process");
  const original = engine.process.bind(engine);
  engine.process = function recordedProcess(event: Event): void {
    rec.record(event, clock.now());
    original(event);
  };
  let closed: Promise<RecorderStats> | undefined;
  return {
    recorder: rec,
    close(): Promise<RecorderStats> {
      if (closed === undefined) {
        if (own !== undefined) Object.defineProperty(engine, "process", own);
        else delete (engine as { process?: unknown }).process;
        closed = rec.close();
      }
      return closed;
    },
  };
}
