/**
 * The body of the trace reader thread: reads the trace files it is given
 * with `readTrace` (gunzip, line splitting, JSON parsing, checking — the
 * costly part of a replay) and posts what it decodes to the main thread:
 * batches the decoder packs straight into a `ChunkWriter` (no event objects
 * here), and every header, gap, end line,
 * problem and progress report, in trace order. It stays at most
 * `MAX_IN_FLIGHT` chunks ahead of the main thread, which acknowledges each
 * chunk once replayed, so a slow replay never makes the reader buffer the
 * whole trace. reader-worker.ts is the other side of the protocol.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ChunkWriter, transferList } from "./batch-codec.ts";
import { readTrace, type ReadProgress } from "./reader.ts";
import type { ReaderMessage, ReaderWorkerData } from "./reader-worker.ts";

/** Chunks posted and not yet acknowledged before reading pauses. */
const MAX_IN_FLIGHT = 4;

const port = parentPort;
if (port === null) throw new Error("read-worker.ts runs as a worker thread (see reader-worker.ts)");
const { files } = workerData as ReaderWorkerData;
const writer = new ChunkWriter();
let inFlight = 0;
let wake: (() => void) | undefined;

port.on("message", (message: { type: string }) => {
  if (message.type !== "ack") return;
  inFlight--;
  const w = wake;
  wake = undefined;
  w?.();
});

function post(message: ReaderMessage, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

/** Posts the batches packed so far (with `progress`, if given). */
function flush(progress?: ReadProgress): void {
  const chunk = writer.take();
  if (chunk !== undefined) inFlight++;
  if (chunk !== undefined || progress !== undefined) post({ type: "chunk", chunk, progress }, chunk === undefined ? [] : transferList(chunk));
}

async function run(): Promise<void> {
  const summary = await readTrace(
    files,
    {
      batch: () => {}, // batches go straight into the writer (options.pack)
      header: (header, file) => {
        flush();
        writer.reset();
        post({ type: "header", header, file });
      },
      gap: (dropped, from, to, file) => {
        flush();
        post({ type: "gap", dropped, from, to, file });
      },
      end: (t, stats, file) => {
        flush();
        post({ type: "end", t, stats, file });
      },
    },
    {
      pack: writer,
      onProblem: (problem) => {
        flush();
        post({ type: "problem", problem });
      },
      onProgress: async (progress) => {
        flush(progress);
        while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => (wake = resolve));
      },
    },
  );
  flush();
  post({ type: "done", summary });
}

run().catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ type: "error", name: e.name, message: e.message });
});
