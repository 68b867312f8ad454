/**
 * Replay throughput: how fast a recorded trace runs through the engine and
 * the built-in rules under virtual time. The benchmark records synthetic
 * traces with `TraceRecorder` — 1,000 hosts, with silent hosts, a swap
 * storm, full disks, failing checks and black-hole hosts so every rule has
 * work — and replays them with `replayTrace`, reporting events/s replayed
 * (gunzip, parsing, engine, rules, everything but loading the rules) and the
 * real-time factor. Each measured replay is the user's command,
 * `satellite replay TRACE --json`, in a fresh process with the flags that
 * command runs with, as a user runs it; the figure is the events/s it
 * reports. Two workloads, each its own trace and line: the
 * collector's whole sample per host (about 100 events, of which the rules
 * read 8: what a trace recorded from a real fleet holds; the headline) and
 * only the events the rules read (the rules' worst case). Traces this size
 * are decoded on a second thread while the first replays (`cores_used` says
 * how busy both were). Side figures show where the time goes: reading and
 * decoding alone (on one thread), replaying without rules, the same trace
 * decoded beforehand through the engine and rules (the peer: the most a
 * replay can reach), and the recorder's cost on the engine thread.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { ChunkReader, ChunkWriter, type BatchChunk } from "../replay/batch-codec.ts";
import { readTrace } from "../replay/reader.ts";
import { TraceRecorder } from "../replay/recorder.ts";
import type { DecisionReport } from "../replay/decisions.ts";
import { REPLAY_NODE_FLAGS } from "../replay/node-flags.ts";
import type { TraceSummary } from "../replay/reader.ts";
import { replayTrace, WORKER_READ_MIN_BYTES, type ReplayRun } from "../replay/replay.ts";
import {
  CHECK_TAG,
  filesystemUsedService,
  HEARTBEAT,
  HEARTBEAT_TTL_SECONDS,
  MOUNT_POINT_ATTRIBUTE,
  SWAP_PAGES_PER_SECOND,
  SWAP_USED_PCT,
  TASK_FAILED,
  TASK_FINISHED,
  TASK_ID_ATTRIBUTE,
  TASK_STARTED,
} from "../rules/builtin/services.ts";
import { VirtualClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import { makeEvent, type Event } from "../streams/event.ts";
import { judge, machine, progress, round, type BenchLine } from "./output.ts";
import { BUILTIN_RULES_DIR, loadRuleSet } from "./rule-set.ts";

/** Replays per workload; the median is the figure. */
const REPLAYS = 3;

/** The `satellite` command. */
const SATELLITE_BIN = fileURLToPath(new URL("../bin/satellite.js", import.meta.url));

/** What `satellite replay --json` prints (replay/report.ts `reportJson`), the parts read here. */
interface ReplayReport {
  readonly trace: TraceSummary;
  readonly speed: { readonly loadMs: number; readonly wallMs: number; readonly cpuMs: number; readonly eventsPerSecond: number; readonly realTimeFactor: number; readonly virtualSeconds: number };
  readonly runs: readonly ReplayRun<DecisionReport>[];
}

/** Runs `satellite replay <dir> --json` (built-in rules) in a new process, as a user would, and returns its report. */
function replayCommand(dir: string): Promise<ReplayReport> {
  return new Promise((resolve, reject) => {
    // Started with the replay's own flags, so the command runs in this process and does not re-run itself.
    const child = spawn(process.execPath, [...REPLAY_NODE_FLAGS, SATELLITE_BIN, "replay", dir, "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`satellite replay ${dir} exited with ${code}: ${err.trim()}`));
      else resolve(JSON.parse(out) as ReplayReport);
    });
  });
}

/** Events per second a replay with the built-in rules should reach (issue 8). */
export const REPLAY_TARGET = 1_000_000;

/**
 * What each host's report holds. "collector": the collector's whole sample —
 * about 100 events (CPU, load, memory, swap, pressure, two disks, two network
 * interfaces, two filesystems, processes, heartbeat, checks, tasks), as in a
 * trace recorded from a real fleet, where most events are ones no built-in
 * rule reads. "rules": only the 8 or so events the built-in rules read, every
 * one of which some rule acts on: the rules' worst case.
 */
export type ReplayWorkload = "collector" | "rules";

/** Settings of `runReplayBench`; sizes default to the published figure's. */
export interface ReplayBenchOptions {
  /** Hosts in the fleet. Default 1,000. */
  readonly hosts?: number;
  /** Events in the trace (whole report rounds, at least this many). Default 3,000,000. */
  readonly events?: number;
  /** The workloads to run, each its own trace (the first is the headline). Default both, "collector" first. */
  readonly workloads?: readonly ReplayWorkload[];
  /** Seconds between two reports of a host. Default 10. */
  readonly intervalSeconds?: number;
  /** Where the traces are written (one subdirectory per workload, kept). Default: a temporary directory, removed afterwards. */
  readonly dir?: string;
}

/** Seconds between a collector's probe time (the event's time) and the engine receiving it. */
const SHIPPING_DELAY_SECONDS = 0.037;

/** 32-bit integer mix, for deterministic "randomness" per (host, round). */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

const ROOT = filesystemUsedService("/");
const VAR = filesystemUsedService("/var");
const CHECK_TAGS: readonly string[] = Object.freeze([CHECK_TAG]);
const ROOT_ATTRIBUTES = Object.freeze({ [MOUNT_POINT_ATTRIBUTE]: "/" });
const VAR_ATTRIBUTES = Object.freeze({ [MOUNT_POINT_ATTRIBUTE]: "/var" });
const CHECKS = ["ntp synchronized", "disk writable"] as const;

/**
 * Appends host `h`'s report of round `k` (at time `t`) to `out`: what a
 * collector sends every interval, plus the host's task events. Rotating
 * spells make the built-in rules act: a host in 500 silent for 20 rounds,
 * a swap storm over a quarter of the fleet every 120 rounds (for 15), a
 * filesystem in 300 filling up for 60 rounds, a check in 200 failing for 12
 * rounds, a host in 250 failing every task for 90 rounds.
 */
function report(h: number, k: number, t: number, host: string, start: number, out: Event[]): void {
  if (mix(h * 7919 + Math.floor(k / 20)) % 500 === 0) return; // silent spell
  const r = mix(h * 1_000_003 + k);
  out.push(makeEvent({ host, service: HEARTBEAT, time: t, state: "ok", metric: t - start, ttl: HEARTBEAT_TTL_SECONDS }));
  const storm = k % 120 < 15 && h % 4 === 0;
  const swap = storm ? 300 + (r % 500) : r % 5;
  out.push(makeEvent({ host, service: SWAP_PAGES_PER_SECOND, time: t, state: "ok", metric: swap, ttl: 30, attributes: { in: String(Math.round(swap * 0.7)), out: String(swap - Math.round(swap * 0.7)) } }));
  out.push(makeEvent({ host, service: SWAP_USED_PCT, time: t, state: "ok", metric: (r % 100) / 1000, ttl: 30 }));
  const full = mix(h * 31 + Math.floor(k / 60)) % 300 === 0;
  out.push(makeEvent({ host, service: ROOT, time: t, state: "ok", metric: 0.4 + (r % 100) / 1000, ttl: 180, attributes: ROOT_ATTRIBUTES }));
  out.push(makeEvent({ host, service: VAR, time: t, state: "ok", metric: full ? 0.95 : 0.5 + (r % 50) / 1000, ttl: 180, attributes: VAR_ATTRIBUTES }));
  for (let c = 0; c < CHECKS.length; c++) {
    const failing = mix(h * 131 + c * 17 + Math.floor(k / 12)) % 200 === 0;
    out.push(
      makeEvent({
        host,
        service: CHECKS[c]!,
        time: t,
        state: failing ? "critical" : "ok",
        metric: failing ? 2 : 0,
        tags: CHECK_TAGS,
        ttl: 60,
        description: failing ? "exit 2: check failed" : undefined,
      }),
    );
  }
  // About one task start and one end per host per round; a black hole fails every task.
  const blackHole = mix(h * 613 + Math.floor(k / 90)) % 250 === 0;
  const id = `t${h}-${k}`;
  if (r % 3 !== 0) out.push(makeEvent({ host, service: TASK_STARTED, time: t, state: "ok", ttl: 600, attributes: { [TASK_ID_ATTRIBUTE]: id } }));
  if (r % 3 !== 1) {
    const failed = blackHole || r % 97 === 0;
    out.push(
      makeEvent({
        host,
        service: failed ? TASK_FAILED : TASK_FINISHED,
        time: t,
        state: failed ? "critical" : "ok",
        metric: failed ? 1 : r % 600,
        ttl: 600,
        description: failed ? "exit 1" : undefined,
        attributes: { [TASK_ID_ATTRIBUTE]: `t${h}-${k - 1}` },
      }),
    );
  }
}

/** What the collector's probes send besides what `report` writes, by service name (collector/probes). */
const SAMPLE_SERVICES: readonly string[] = Object.freeze([
  "system.cpu.cores", "system.cpu.total.pct", "system.cpu.total.norm.pct", "system.cpu.user.pct", "system.cpu.system.pct", "system.cpu.iowait.pct", "system.cpu.steal.pct",
  "system.load.1", "system.load.5", "system.load.15", "system.load.norm.1", "system.load.norm.5", "system.load.norm.15", "system.load.cores",
  "system.memory.total", "system.memory.free", "system.memory.used.bytes", "system.memory.used.pct", "system.memory.actual.free", "system.memory.actual.used.bytes", "system.memory.actual.used.pct",
  "system.memory.swap.total", "system.memory.swap.free", "system.memory.swap.used.bytes",
  ...["cpu", "memory", "io"].flatMap((r) => ["some", "full"].flatMap((k) => ["10", "60", "300"].map((w) => `linux.pressure.${r}.${k}.${w}.pct`))),
  ...["vda", "vdb"].flatMap((d) => ["read.per_sec.bytes", "write.per_sec.bytes", "read.request.per_sec", "write.request.per_sec", "busy", "await"].map((m) => `system.diskio.iostat.${m} ${d}`)),
  ...["eth0", "eth1"].flatMap((n) => ["in", "out"].flatMap((dir) => ["bytes_per_sec", "packets_per_sec", "errors_per_sec", "dropped_per_sec"].map((m) => `system.network.${dir}.${m} ${n}`))),
  ...["total", "running", "sleeping", "blocked", "idle", "stopped", "zombie", "dead", "unknown", "threads.running", "threads.blocked"].map((m) => `system.process.summary.${m}`),
]);

/** The collector's per-filesystem figures besides the used fraction (which `report` writes), with their mount. */
const FILESYSTEM_FIGURES: readonly { readonly service: string; readonly attributes: Readonly<Record<string, string>> }[] = Object.freeze(
  [["/", ROOT_ATTRIBUTES] as const, ["/var", VAR_ATTRIBUTES] as const].flatMap(([mount, attributes]) =>
    ["total", "free", "available", "used.bytes", "inodes.used.pct"].map((m) => ({ service: `system.filesystem.${m} ${mount}`, attributes })),
  ),
);

/**
 * Appends the rest of host `h`'s collector sample of round `k` to `out`:
 * every figure `SAMPLE_SERVICES` and `FILESYSTEM_FIGURES` name, with values
 * of full double precision (ratios) or integers (counts, bytes), as the
 * probes compute them. No built-in rule reads any of them.
 */
function sampleRest(h: number, k: number, t: number, host: string, out: Event[]): void {
  for (let i = 0; i < SAMPLE_SERVICES.length; i++) {
    const r = mix(h * 7_368_787 + k * 104_729 + i);
    const service = SAMPLE_SERVICES[i]!;
    const metric = service.endsWith("pct") || service.includes("load") ? r / 2 ** 32 : r % 100_000;
    out.push(makeEvent({ host, service, time: t, state: "ok", metric, ttl: 30 }));
  }
  for (let i = 0; i < FILESYSTEM_FIGURES.length; i++) {
    const f = FILESYSTEM_FIGURES[i]!;
    const r = mix(h * 15_485_863 + k * 7_919 + i);
    out.push(makeEvent({ host, service: f.service, time: t, state: "ok", metric: f.service.endsWith("pct") ? r / 2 ** 32 : r * 4096, ttl: 180, attributes: f.attributes }));
  }
}

/**
 * Records the synthetic trace into `dir` and returns what it took: events,
 * rounds, the wall milliseconds spent inside `record` calls (the cost a
 * recording engine pays) and in total (compression included).
 */
async function recordTrace(dir: string, hosts: number, events: number, interval: number, workload: ReplayWorkload): Promise<{ events: number; rounds: number; recordMs: number; totalMs: number; bytes: number; dropped: number; files: number }> {
  const start = 1_735_689_600; // 2025-01-01T00:00:00Z
  const clock = new VirtualClock(start);
  const recorder = new TraceRecorder({ dir, flushIntervalMs: 0, maxFileBytes: 0, rotateSeconds: 3600, maxFiles: 0 }, { clock });
  const names = Array.from({ length: hosts }, (_, i) => `host-${String(i).padStart(4, "0")}`);
  const batch: Event[] = [];
  let n = 0;
  let k = 0;
  let recordMs = 0;
  const started = performance.now();
  while (n < events) {
    for (let h = 0; h < hosts; h++) {
      // The collector stamps its probe time; the engine receives the report a little later (shipping, batching).
      const t = start + k * interval + (h * interval) / hosts;
      const received = t + SHIPPING_DELAY_SECONDS;
      batch.length = 0;
      report(h, k, t, names[h]!, start, batch);
      if (workload === "collector" && batch.length > 0) sampleRest(h, k, t, names[h]!, batch);
      clock.advanceTo(received);
      const before = performance.now();
      recorder.tap(batch, received);
      recordMs += performance.now() - before;
      n += batch.length;
      // Let compression and the disk keep up, as the event loop does between a live engine's batches.
      if (recorder.queuedBytes > 16 * 2 ** 20) await recorder.flush();
    }
    k++;
    if (k % 60 === 0) progress(`replay: recorded ${n} events (${k} rounds)`);
  }
  const stats = await recorder.close();
  return { events: n, rounds: k, recordMs, totalMs: performance.now() - started, bytes: stats.bytesWritten, dropped: stats.dropped, files: stats.files };
}

/**
 * The peer figure: the same trace, decoded beforehand into the packed form
 * the reader thread hands over (batch-codec.ts, untimed), then fed through
 * an engine with the built-in rules on a virtual clock — the replaying
 * thread's work without any reading: what the engine and rules cost, and so
 * the most a replay can reach. Returns events/s.
 */
async function fromMemory(dir: string): Promise<{ eventsPerSecond: number; events: number }> {
  const writer = new ChunkWriter();
  const chunks: BatchChunk[] = [];
  let start: number | undefined;
  const flush = (): void => {
    const chunk = writer.take();
    if (chunk !== undefined) chunks.push(chunk);
  };
  await readTrace(
    dir,
    {
      header: (header) => {
        flush();
        writer.reset();
        start ??= header.start;
      },
      batch: () => {},
    },
    { pack: writer, onProgress: () => (writer.pendingEvents >= 50_000 ? flush() : undefined) },
  );
  flush();
  const clock = new VirtualClock(start ?? 0);
  const engine = new Engine({ clock });
  const rules = await loadRuleSet([BUILTIN_RULES_DIR], engine.ctx);
  engine.setStream(rules.stream);
  const reader = new ChunkReader();
  let n = 0;
  const started = performance.now();
  for (const chunk of chunks) {
    reader.read(chunk, (t, events, count) => {
      if (t > clock.now()) clock.advanceTo(t);
      for (let i = 0; i < count; i++) engine.process(events[i]!);
      n += count;
    });
  }
  const ms = performance.now() - started;
  rules.close();
  return { eventsPerSecond: n / (ms / 1000), events: n };
}

/** The bench line of each workload. */
const LINE_NAMES: Readonly<Record<ReplayWorkload, string>> = Object.freeze({ collector: "replay_builtin_rules", rules: "replay_builtin_rules_rule_events_only" });

/** What each workload's trace holds, in the bench line. */
const WORKLOAD_TEXT: Readonly<Record<ReplayWorkload, string>> = Object.freeze({
  collector: "the collector's whole sample per host and round (about 100 events; the built-in rules read 8 of them)",
  rules: "only the events the built-in rules read (about 8 per host and round): the rules' worst case",
});

/**
 * Runs the benchmark and returns its lines: one per workload —
 * `replay_builtin_rules` (the collector's whole samples, the headline) and
 * `replay_builtin_rules_rule_events_only` (the worst case), in events/s with
 * the real-time factor and the target — and `record_trace` (events/s the
 * recorder takes on the engine thread, on the first workload's trace).
 *
 * @example
 * const [line] = await runReplayBench({ hosts: 50, events: 20_000 });
 * line.value; // events replayed per second
 */
export async function runReplayBench(options: ReplayBenchOptions = {}): Promise<BenchLine[]> {
  const hosts = options.hosts ?? 1000;
  const events = options.events ?? 3_000_000;
  const interval = options.intervalSeconds ?? 10;
  const root = options.dir ?? mkdtempSync(path.join(os.tmpdir(), "satellite-bench-replay-"));
  const lines: BenchLine[] = [];
  let record: BenchLine | undefined;
  try {
    for (const workload of options.workloads ?? (["collector", "rules"] as const)) {
      const dir = path.join(root, workload);
      progress(`replay (${workload}): recording a trace of ${events} events over ${hosts} hosts`);
      const recorded = await recordTrace(dir, hosts, events, interval, workload);
      progress(`replay (${workload}): reading and decoding only`);
      const readStarted = performance.now();
      const read = await readTrace(dir, { batch: () => {} });
      const readMs = performance.now() - readStarted;
      progress(`replay (${workload}): replaying with no rules (engine and index only)`);
      const bare = await replayTrace({ trace: dir, builtin: false });
      progress(`replay (${workload}): the same trace decoded beforehand, from memory through an engine with the built-in rules (the peer figure)`);
      const peer = await fromMemory(dir);
      // Three replays (the machine is noisy), each `satellite replay --json` in a fresh process: the median
      // is the figure, all three are listed, and their decisions must agree.
      const attempts: ReplayReport[] = [];
      for (let i = 0; i < REPLAYS; i++) {
        progress(`replay (${workload}): satellite replay with the built-in rules (${i + 1} of ${REPLAYS})`);
        attempts.push(await replayCommand(dir));
      }
      const decisions = new Set(attempts.map((a) => JSON.stringify(a.runs[0]!.decisions)));
      if (decisions.size !== 1) throw new Error(`replay (${workload}): ${REPLAYS} replays of one trace decided differently`);
      const sorted = [...attempts].sort((a, b) => a.speed.eventsPerSecond - b.speed.eventsPerSecond);
      const median = sorted[Math.floor(REPLAYS / 2)]!;
      const result = { ...median.speed, trace: median.trace };
      const run = median.runs[0]!;
      const c = run.decisions.counts;
      lines.push({
        name: LINE_NAMES[workload],
        value: round(result.eventsPerSecond),
        unit: "events/s",
        ...judge(result.eventsPerSecond, { op: ">=", value: REPLAY_TARGET }),
        workload: WORKLOAD_TEXT[workload],
        command: "satellite replay TRACE --json (a fresh process per replay)",
        runs_events_per_s: attempts.map((a) => round(a.speed.eventsPerSecond)),
        real_time_factor: round(result.realTimeFactor),
        events: result.trace.events,
        events_per_host_report: round(result.trace.events / (hosts * recorded.rounds), 3),
        hosts,
        virtual_seconds: round(result.virtualSeconds, 6),
        wall_ms: round(result.wallMs),
        rules_load_ms: round(result.loadMs),
        // The trace is decoded on a second thread while this one replays (readInWorker "auto"): cores busy on average.
        decoded_on_second_thread: result.trace.bytes >= WORKER_READ_MIN_BYTES,
        cores_used: round(result.cpuMs / result.wallMs, 3),
        trace_bytes: result.trace.bytes,
        trace_text_bytes: result.trace.textBytes,
        bytes_per_event: round(result.trace.bytes / result.trace.events, 3),
        trace_files: result.trace.files.length,
        // Where the time goes: reading alone, replaying into an engine without rules, and the peer:
        // the same events from memory through the same engine and rules, no trace.
        read_decode_only_events_per_s: round(read.events / (readMs / 1000)),
        replay_no_rules_events_per_s: round(bare.eventsPerSecond),
        live_from_memory_events_per_s: round(peer.eventsPerSecond),
        ratio_to_live: round(result.eventsPerSecond / peer.eventsPerSecond, 3),
        rules_files: run.rules.flatMap((r) => r.files),
        pages: c.pages,
        resolves: c.resolves,
        page_intents: c.pageIntents,
        hosts_taken_out: c.hostsTakenOut,
        drains: c.drains,
        restores: c.restores,
        expired_events: run.engine.expired,
        stream_errors: run.engine.streamErrors,
        rule_errors: Object.values(run.ruleErrors).reduce((a, b) => a + b, 0),
        problems: result.trace.problems.length,
        ...machine(),
      });
      record ??= {
        name: "record_trace",
        value: round(recorded.events / (recorded.recordMs / 1000)),
        unit: "events/s",
        path: "TraceRecorder.tap on the engine thread (encoding; compression runs on the thread pool)",
        workload: WORKLOAD_TEXT[workload],
        wall_events_per_s: round(recorded.events / (recorded.totalMs / 1000)),
        events: recorded.events,
        dropped: recorded.dropped,
        files: recorded.files,
        bytes: recorded.bytes,
        ...machine(),
      };
      if (options.dir === undefined) rmSync(dir, { recursive: true, force: true }); // one trace on disk at a time
    }
    return record === undefined ? lines : [...lines, record];
  } finally {
    if (options.dir === undefined) rmSync(root, { recursive: true, force: true });
  }
}
