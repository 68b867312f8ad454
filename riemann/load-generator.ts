/**
 * A Riemann TCP load generator, run as its own process (the benchmark forks
 * it, so client and server do not share a JavaScript thread). It pre-encodes
 * a pool of messages with our encoder (fields as Riemann's own encoder
 * writes them: time, time_micros, metric_d and metric_f) and then only
 * writes frames and counts acks: the figure measures the server. Two runs:
 * `throughput` (messages of N events, a window of requests in flight per
 * connection, acks counted over a timed window after a warm-up) and
 * `latency` (one single-event message at a time, each round trip timed).
 * Commands arrive over the IPC channel; results go back the same way.
 */
import net from "node:net";
import { performance } from "node:perf_hooks";
import { makeEvent, type Event } from "../streams/event.ts";
import { eventToRiemann } from "./codec.ts";
import { encodeFrame, FrameDecoder } from "./framing.ts";
import { encodeMsg } from "./schema.ts";

/** Settings of a throughput run. */
export interface ThroughputCommand {
  readonly kind: "throughput";
  readonly host: string;
  readonly port: number;
  /** Events per message. */
  readonly eventsPerMessage: number;
  /** Distinct pre-encoded messages cycled through (distinct hosts and services). */
  readonly distinctMessages: number;
  /** TCP connections, each with its own window. */
  readonly connections: number;
  /** Requests in flight per connection. */
  readonly inFlight: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** Settings of a latency run. */
export interface LatencyCommand {
  readonly kind: "latency";
  readonly host: string;
  readonly port: number;
  /** Round trips measured after `warmup` unmeasured ones. */
  readonly count: number;
  readonly warmup: number;
}

/** Outcome of a throughput run: acked events and messages within the measured window. */
export interface ThroughputResult {
  readonly kind: "throughput";
  readonly events: number;
  readonly messages: number;
  readonly seconds: number;
  /** Replies that were not `{ok: true}` (over the whole run). */
  readonly errorReplies: number;
  readonly frameBytes: number;
}

/** Outcome of a latency run: every round trip, milliseconds, in order. */
export interface LatencyResult {
  readonly kind: "latency";
  readonly samplesMs: number[];
  readonly errorReplies: number;
}

const OK_BODY = Buffer.from(encodeMsg({ ok: true }));

/**
 * The frames of a throughput run: `count` messages of `perMessage` events,
 * hosts `host-00000`.. and 20 services, times at `now`.
 *
 * @example
 * const frames = benchFrames(200, 100, Date.now() / 1000); // 20,000 distinct keys
 */
export function benchFrames(count: number, perMessage: number, now: number): Buffer[] {
  const frames: Buffer[] = [];
  let n = 0;
  for (let m = 0; m < count; m++) {
    const events: Event[] = [];
    for (let i = 0; i < perMessage; i++, n++) {
      events.push(
        makeEvent({
          host: `host-${String(Math.floor(n / 20)).padStart(5, "0")}`,
          service: `service.metric.${n % 20}`,
          time: now,
          state: "ok",
          metric: (n % 1000) * 0.37,
          ttl: 60,
          tags: ["bench"],
        }),
      );
    }
    frames.push(encodeFrame(encodeMsg({ events: events.map(eventToRiemann) })));
  }
  return frames;
}

function connect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}

/**
 * Runs a throughput measurement against a Riemann TCP port.
 *
 * @example
 * const r = await runThroughput({ kind: "throughput", host: "127.0.0.1", port, eventsPerMessage: 100, distinctMessages: 200, connections: 2, inFlight: 8, warmupMs: 1000, durationMs: 3000 });
 * r.events / r.seconds; // events per second
 */
export async function runThroughput(cmd: ThroughputCommand): Promise<ThroughputResult> {
  const frames = benchFrames(cmd.distinctMessages, cmd.eventsPerMessage, Date.now() / 1000);
  const sockets = await Promise.all(Array.from({ length: cmd.connections }, () => connect(cmd.host, cmd.port)));
  let measuring = false;
  let stopping = false;
  let acked = 0;
  let errorReplies = 0;
  let next = 0;
  const done: Promise<void>[] = sockets.map(
    (socket) =>
      new Promise<void>((resolve, reject) => {
        let outstanding = 0;
        const send = (): void => {
          outstanding++;
          socket.write(frames[next++ % frames.length]!);
        };
        const decoder = new FrameDecoder(1 << 20, {
          onFrame(frame) {
            outstanding--;
            if (!frame.equals(OK_BODY)) errorReplies++;
            else if (measuring) acked++;
            if (!stopping) send();
            else if (outstanding === 0) resolve();
          },
          onOversize: () => reject(new Error("oversized reply")),
        });
        socket.on("data", (chunk: Buffer) => decoder.push(chunk));
        socket.on("error", reject);
        socket.cork();
        for (let i = 0; i < cmd.inFlight; i++) send();
        socket.uncork();
      }),
  );
  await new Promise((r) => setTimeout(r, cmd.warmupMs));
  measuring = true;
  const start = performance.now();
  await new Promise((r) => setTimeout(r, cmd.durationMs));
  measuring = false;
  const seconds = (performance.now() - start) / 1000;
  const events = acked * cmd.eventsPerMessage;
  const messages = acked;
  stopping = true;
  await Promise.all(done);
  for (const s of sockets) s.destroy();
  return { kind: "throughput", events, messages, seconds, errorReplies, frameBytes: frames[0]!.length };
}

/**
 * Runs a latency measurement: single-event messages, one in flight.
 *
 * @example
 * const r = await runLatency({ kind: "latency", host: "127.0.0.1", port, count: 20000, warmup: 2000 });
 */
export async function runLatency(cmd: LatencyCommand): Promise<LatencyResult> {
  const frames = benchFrames(1000, 1, Date.now() / 1000);
  const socket = await connect(cmd.host, cmd.port);
  const samplesMs: number[] = [];
  let errorReplies = 0;
  await new Promise<void>((resolve, reject) => {
    let i = 0;
    let sentAt = 0;
    const send = (): void => {
      sentAt = performance.now();
      socket.write(frames[i % frames.length]!);
    };
    const decoder = new FrameDecoder(1 << 20, {
      onFrame(frame) {
        const rtt = performance.now() - sentAt;
        if (!frame.equals(OK_BODY)) errorReplies++;
        if (i >= cmd.warmup) samplesMs.push(rtt);
        i++;
        if (i < cmd.warmup + cmd.count) send();
        else resolve();
      },
      onOversize: () => reject(new Error("oversized reply")),
    });
    socket.on("data", (chunk: Buffer) => decoder.push(chunk));
    socket.on("error", reject);
    send();
  });
  socket.destroy();
  return { kind: "latency", samplesMs, errorReplies };
}

// As a forked child: run each command received over IPC and send the result back.
if (process.send !== undefined && process.argv[2] === "--ipc") {
  process.on("message", (cmd: ThroughputCommand | LatencyCommand | { kind: "exit" }) => {
    if (cmd.kind === "exit") {
      process.disconnect();
      return;
    }
    const run = cmd.kind === "throughput" ? runThroughput(cmd) : runLatency(cmd);
    run.then(
      (result) => process.send!(result),
      (err: unknown) => process.send!({ kind: "error", message: err instanceof Error ? err.message : String(err) }),
    );
  });
}
