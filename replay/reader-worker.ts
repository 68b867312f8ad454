/**
 * Reading a trace on a second thread: `readTraceInWorker` has the contract
 * of `readTrace` (same visitor calls in the same order, same problems, same
 * summary) but leaves gunzip, line splitting and JSON parsing to a worker
 * thread (read-worker.ts), so the thread that replays spends its time on the
 * engine and the rules while the next part of the trace is being decoded.
 * Decoded batches cross over packed in typed arrays (batch-codec.ts).
 */
import { Worker } from "node:worker_threads";
import { ChunkReader, type BatchChunk } from "./batch-codec.ts";
import { TraceFormatError, type TraceEndStats, type TraceHeader } from "./format.ts";
import { listTraceFiles, TraceError, type ReadProgress, type ReadTraceOptions, type TraceProblem, type TraceSummary, type TraceVisitor } from "./reader.ts";

/** What the reader thread is started with. */
export interface ReaderWorkerData {
  readonly files: readonly string[];
}

/** Messages from the reader thread, in trace order. */
export type ReaderMessage =
  | { readonly type: "chunk"; readonly chunk: BatchChunk | undefined; readonly progress: ReadProgress | undefined }
  | { readonly type: "header"; readonly header: TraceHeader; readonly file: string }
  | { readonly type: "gap"; readonly dropped: number; readonly from: number; readonly to: number; readonly file: string }
  | { readonly type: "end"; readonly t: number; readonly stats: TraceEndStats; readonly file: string }
  | { readonly type: "problem"; readonly problem: TraceProblem }
  | { readonly type: "done"; readonly summary: TraceSummary }
  | { readonly type: "error"; readonly name: string; readonly message: string };

const WORKER_URL = new URL("./read-worker.js", import.meta.url);

/** The error the reader thread reported, as the class `readTrace` would have thrown. */
function rebuildError(name: string, message: string): Error {
  if (name === "TraceError") return new TraceError(message);
  if (name === "TraceFormatError") return new TraceFormatError(message);
  const err = new Error(message);
  err.name = name;
  return err;
}

/**
 * A reader thread started ahead of time: it begins decoding `paths` (see
 * `listTraceFiles`; a `TraceError` is thrown here when there is no trace)
 * as soon as it is made, holding a few chunks until `read` is called, so
 * its start-up overlaps whatever the caller does meanwhile (a replay loads
 * its rules). Call `read` once, or `stop` to give up.
 *
 * @example
 * const reader = new TraceReaderThread("traces");
 * await loadRules();
 * const summary = await reader.read({ batch: (t, events, count) => session.batch(t, events, count) });
 */
export class TraceReaderThread {
  private readonly worker: Worker;
  private readonly early: ReaderMessage[] = [];
  private handle: ((message: ReaderMessage) => void) | undefined;
  private failure: Error | undefined;
  private onFailure: ((err: Error) => void) | undefined;
  private used = false;

  constructor(paths: string | readonly string[]) {
    const data: ReaderWorkerData = { files: listTraceFiles(paths) };
    // execArgv: [] — read-worker.js registers the TypeScript loader itself, whatever the parent was started with.
    this.worker = new Worker(WORKER_URL, { workerData: data, execArgv: [] });
    this.worker.on("message", (message: ReaderMessage) => (this.handle !== undefined ? this.handle(message) : this.early.push(message)));
    const fail = (err: Error): void => {
      this.failure ??= err;
      this.onFailure?.(err);
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`the trace reader thread stopped (exit code ${code}) before the end of the trace`)));
  }

  /**
   * Hands the trace's contents to `visitor` on this thread, exactly as
   * `readTrace` does (see there for the visitor, the problems and the
   * summary). Rejects with what `visitor` throws (the thread is then
   * stopped) or when the reader thread dies. `options.onProgress` is told
   * of progress but cannot hold reading back: the reader thread stays a few
   * chunks ahead of the visitor on its own.
   */
  read(visitor: TraceVisitor, options: ReadTraceOptions = {}): Promise<TraceSummary> {
    if (this.used) return Promise.reject(new Error("TraceReaderThread.read: called twice"));
    this.used = true;
    const worker = this.worker;
    const reader = new ChunkReader();
    const batch = visitor.batch.bind(visitor);
    return new Promise<TraceSummary>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        void worker.terminate();
        reject(err instanceof Error ? err : new Error(String(err)));
      };
      this.onFailure = fail;
      this.handle = (message: ReaderMessage): void => {
        if (settled) return;
        try {
          switch (message.type) {
            case "chunk":
              if (message.chunk !== undefined) {
                reader.read(message.chunk, batch);
                worker.postMessage({ type: "ack" });
              }
              if (message.progress !== undefined) options.onProgress?.(message.progress)?.catch(fail);
              break;
            case "header":
              visitor.header?.(message.header, message.file);
              break;
            case "gap":
              visitor.gap?.(message.dropped, message.from, message.to, message.file);
              break;
            case "end":
              visitor.end?.(message.t, message.stats, message.file);
              break;
            case "problem":
              options.onProblem?.(message.problem);
              break;
            case "done":
              settled = true;
              void worker.terminate();
              resolve(message.summary);
              break;
            case "error":
              fail(rebuildError(message.name, message.message));
              break;
          }
        } catch (err) {
          fail(err);
        }
      };
      for (const message of this.early.splice(0)) this.handle(message);
      if (this.failure !== undefined) fail(this.failure);
    });
  }

  /** Stops the thread (when the trace will not be read after all). */
  stop(): void {
    this.used = true;
    void this.worker.terminate();
  }
}

/**
 * Reads the trace files `paths` on a worker thread and hands their contents
 * to `visitor` on this one, exactly as `readTrace` does: a
 * `TraceReaderThread` started and read at once. Rejects with a `TraceError`
 * when no trace is found.
 *
 * @example
 * const summary = await readTraceInWorker("traces", { batch: (t, events, count) => session.batch(t, events, count) });
 */
export async function readTraceInWorker(paths: string | readonly string[], visitor: TraceVisitor, options: ReadTraceOptions = {}): Promise<TraceSummary> {
  return new TraceReaderThread(paths).read(visitor, options);
}
