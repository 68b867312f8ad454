/**
 * The Riemann protocol benchmarks: events per second over Riemann TCP on
 * loopback with messages of 100 events, and the ack latency of single-event
 * messages (p50 and p99). The server runs in this process with an `Engine`
 * on the real clock (validation and index insert for every event, no rules:
 * the figure is the transport's and the ingest path's); the client is
 * `riemann/load-generator.ts` in a forked process, replaying pre-encoded
 * frames, so client and server each have their own thread. Riemann's
 * published figures are printed beside ours as context (not measured here).
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RealClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import { startRiemannServer } from "../riemann/server.ts";
import type { LatencyCommand, LatencyResult, ThroughputCommand, ThroughputResult } from "../riemann/load-generator.ts";
import { judge, machine, progress, round } from "./output.ts";

/** Target of the bulk run, events/s (issue 3). */
export const RIEMANN_TCP_TARGET = 300_000;
/** Target of the ack latency p99, ms (issue 3). */
export const RIEMANN_ACK_P99_TARGET_MS = 2;

/** Sizes of the runs; every field has a default. */
export interface RiemannBenchOptions {
  readonly eventsPerMessage?: number;
  readonly connections?: number;
  readonly inFlight?: number;
  readonly warmupMs?: number;
  readonly durationMs?: number;
  readonly latencyCount?: number;
  readonly latencyWarmup?: number;
}

const PEER = {
  peer: "riemann",
  peer_measured: false,
  peer_source: 'aphyr, "65K messages/sec", https://aphyr.com/posts/279-65k-messages-sec (../shared/anchors/riemann.md section 6)',
};

type Reply = ThroughputResult | LatencyResult | { kind: "error"; message: string };

function ask<R extends Reply>(child: ChildProcess, command: ThroughputCommand | LatencyCommand): Promise<R> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`load generator exited with code ${String(code)}`));
    child.once("exit", onExit);
    child.once("message", (reply: Reply) => {
      child.off("exit", onExit);
      if (reply.kind === "error") reject(new Error(`load generator: ${reply.message}`));
      else resolve(reply as R);
    });
    child.send(command);
  });
}

/** Asks the load generator to exit and waits for it (at most 5 s, then kills it). */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  if (child.connected) child.send({ kind: "exit" });
  const timer = setTimeout(() => child.kill(), 5000);
  await exited;
  clearTimeout(timer);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

/**
 * Runs both Riemann benchmarks and prints three lines through `print`:
 * `riemann_tcp_events_per_s`, `riemann_tcp_ack_p50_ms` and
 * `riemann_tcp_ack_p99_ms`, each with its target, sizes, the machine and
 * Riemann's published figure as context.
 *
 * @example
 * await benchRiemann((line) => printLine(line as BenchLine));
 */
export async function benchRiemann(print: (line: object) => void, options: RiemannBenchOptions = {}): Promise<void> {
  const eventsPerMessage = options.eventsPerMessage ?? 100;
  const connections = options.connections ?? 2;
  const inFlight = options.inFlight ?? 16;
  const engine = new Engine({ clock: new RealClock() });
  const server = await startRiemannServer({ engine, port: 0, udp: false });
  const ext = import.meta.url.endsWith(".js") ? ".js" : ".ts";
  const child = fork(fileURLToPath(new URL(`../riemann/load-generator${ext}`, import.meta.url)), ["--ipc"], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  try {
    progress(`riemann: bulk, ${connections} connection(s) x ${inFlight} in flight, messages of ${eventsPerMessage} events`);
    const acceptedBefore = engine.stats.accepted;
    const bulk = await ask<ThroughputResult>(child, {
      kind: "throughput",
      host: "127.0.0.1",
      port: server.tcpPort!,
      eventsPerMessage,
      distinctMessages: 200,
      connections,
      inFlight,
      warmupMs: options.warmupMs ?? 2000,
      durationMs: options.durationMs ?? 5000,
    });
    const perSecond = bulk.events / bulk.seconds;
    print({
      name: "riemann_tcp_events_per_s",
      value: round(perSecond),
      unit: "events/s",
      ...judge(perSecond, { op: ">=", value: RIEMANN_TCP_TARGET }),
      events_per_message: eventsPerMessage,
      frame_bytes: bulk.frameBytes,
      connections,
      in_flight_per_connection: inFlight,
      measured_seconds: round(bulk.seconds, 3),
      events_acked: bulk.events,
      error_replies: bulk.errorReplies,
      server_accepted_whole_run: engine.stats.accepted - acceptedBefore,
      server: "this process: RiemannHandler -> Engine.submitAll (validate + index insert, no rules), RealClock",
      client: "forked process replaying pre-encoded frames (our encoder, Riemann's field layout)",
      ...PEER,
      peer_value: 200_000,
      peer_range: "185000-200000 events/s",
      peer_conditions: "Riemann pre-0.2.0 (2013), 3 client threads on one socket, messages of 100 events, 2.5 GHz Core 2 Quad; client-bound",
      ...machine(),
    });

    progress("riemann: ack latency, single-event messages, one in flight");
    const lat = await ask<LatencyResult>(child, {
      kind: "latency",
      host: "127.0.0.1",
      port: server.tcpPort!,
      count: options.latencyCount ?? 20_000,
      warmup: options.latencyWarmup ?? 2_000,
    });
    const sorted = [...lat.samplesMs].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    const context = {
      samples: sorted.length,
      p50_ms: round(p50, 3),
      p90_ms: round(percentile(sorted, 90), 3),
      p99_ms: round(p99, 3),
      p999_ms: round(percentile(sorted, 99.9), 3),
      max_ms: round(sorted[sorted.length - 1] ?? NaN, 3),
      error_replies: lat.errorReplies,
      measured: "client-side round trip: write of one length-prefixed single-event Msg to the {ok:true} ack (ack sent after Engine.submitAll returned)",
      ...PEER,
      peer_source: "aphyr on HN item 5148500 (../shared/anchors/riemann.md section 6)",
      peer_value_text: "~0.1-1 ms end-to-end single-event latency, spikes to ~30 ms on GC; riemann.io: 99ths around 5 ms",
      ...machine(),
    };
    print({ name: "riemann_tcp_ack_p50_ms", value: round(p50, 3), unit: "ms", ...context });
    print({ name: "riemann_tcp_ack_p99_ms", value: round(p99, 3), unit: "ms", ...judge(p99, { op: "<=", value: RIEMANN_ACK_P99_TARGET_MS }), ...context });
  } finally {
    await stopChild(child);
    await server.close();
  }
}
