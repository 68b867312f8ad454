/**
 * The collector benchmark (issue 4, item 5): what one sample of the
 * collector's probes costs next to one scrape of Prometheus' node_exporter
 * on the same machine in the same run, and what `systeminformation`'s calls
 * would have cost instead. node_exporter (Debian's
 * /usr/bin/prometheus-node-exporter, default collectors) listens on a free
 * loopback port and is scraped `scrapes` times back to back; its CPU per
 * scrape is the change of utime + stime in /proc/<pid>/stat (every thread)
 * over the scrapes, its RSS is VmRSS after them. Ours: bench/collector-child.ts
 * samples `defaultProbes()` `samples` times in a fresh Node process, each
 * sample's events JSON-encoded as shipping would, and reports its
 * process.cpuUsage (every thread) and VmRSS. The two sides alternate for
 * `rounds` rounds (the machine is shared; its load moves) and the figures
 * are the medians. Ours runs under tsx (how
 * bin/satellite.js runs the agent today) and from a plain-JavaScript build
 * (bench/js-build.ts, how a compiled deployment runs), because tsx's loader
 * thread alone adds tens of MB of RSS. Targets: our CPU per sample <=
 * node_exporter's per scrape; our RSS <= 64 MB. node_exporter is always
 * stopped (finally). bench/run.ts calls `benchCollector` (group "collector").
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CollectorChildResult } from "./collector-child.ts";
import type { SiChildResult } from "./collector-si-child.ts";
import { buildPlainJs, type JsBuild } from "./js-build.ts";
import { judge, machine, progress, round, type BenchLine } from "./output.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Debian's node_exporter. */
export const NODE_EXPORTER = "/usr/bin/prometheus-node-exporter";

/** The RSS our collector process may use, MB. */
export const COLLECTOR_RSS_TARGET_MB = 64;

const MB = 1024 * 1024;

/** Sizes of one run; every field has a default. */
export interface CollectorBenchOptions {
  /** Timed node_exporter scrapes. Default 50. */
  readonly scrapes?: number;
  /** Timed samples of our probes. Default 50. */
  readonly samples?: number;
  /** Untimed scrapes / samples first. Default 5. */
  readonly warmup?: number;
  /** Rounds of (scrapes, samples), alternating; figures are the medians. Default 3. */
  readonly rounds?: number;
  /** Also run our probes from a plain-JavaScript build (about 10 s to build). Default true. */
  readonly js?: boolean;
  /** Timed calls per systeminformation function (0 skips them; each takes 0.6 s or more). Default 5. */
  readonly siCalls?: number;
}

/** A running node_exporter. */
interface NodeExporter {
  readonly child: ChildProcess;
  readonly url: string;
  readonly version: string;
  scrape(): Promise<string>;
}

/** One batch of scrapes of node_exporter. */
interface ScrapeBatch {
  readonly cpuSecondsPerScrape: number;
  readonly wallMsPerScrape: number;
  readonly bytesPerScrape: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** CPU ticks (utime + stime, all threads) of process `pid`. */
function processTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
}

function rssBytes(pid: number | "self"): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
  return m === null ? 0 : Number(m[1]) * 1024;
}

function clockTicksPerSecond(): number {
  const out = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  return Number(out.stdout?.trim()) || 100;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const killed = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]);
  if (!killed) {
    child.kill("SIGKILL");
    await exited;
  }
}

/**
 * Starts node_exporter on a free loopback port with its default collectors
 * and waits until it answers (10 s at most). The caller must `stop` it; if
 * it never answers it is stopped here.
 */
async function startNodeExporter(): Promise<NodeExporter> {
  const versionRun = spawnSync(NODE_EXPORTER, ["--version"], { encoding: "utf8" });
  const version = `${versionRun.stdout ?? ""}${versionRun.stderr ?? ""}`.split("\n")[0]?.trim() ?? "";
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/metrics`;
  const child = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (log = (log + chunk).slice(-2000)));
  const scrape = async (): Promise<string> => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`node_exporter answered ${response.status}`);
    return response.text();
  };
  try {
    for (let waited = 0; ; waited += 50) {
      if (child.exitCode !== null) throw new Error(`node_exporter exited (${child.exitCode}): ${log}`);
      try {
        await scrape();
        return { child, url, version, scrape };
      } catch (err) {
        if (waited > 10_000) throw new Error(`node_exporter did not answer on ${url} within 10 s: ${String(err)} ${log}`, { cause: err });
        await sleep(50);
      }
    }
  } catch (err) {
    await stop(child);
    throw err;
  }
}

/** Scrapes `exporter` `scrapes` times back to back and measures its CPU over them. */
async function scrapeBatch(exporter: NodeExporter, scrapes: number): Promise<ScrapeBatch> {
  const pid = exporter.child.pid!;
  const before = processTicks(pid);
  const wall = performance.now();
  let bytes = 0;
  for (let i = 0; i < scrapes; i++) bytes += (await exporter.scrape()).length;
  const wallMs = performance.now() - wall;
  const ticks = processTicks(pid) - before;
  return { cpuSecondsPerScrape: ticks / clockTicksPerSecond() / scrapes, wallMsPerScrape: wallMs / scrapes, bytesPerScrape: bytes / scrapes };
}

/** The median of `xs` (not empty). */
function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs a measuring child script and parses the one JSON object it prints. */
function runJsonChild<T>(args: readonly string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`${args.join(" ")} exited with ${code}`));
      else {
        try {
          resolve(JSON.parse(out) as T);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
    });
  });
}

/** The RSS of an idle Node process started with `args`, bytes: the floor under ours. */
function idleNodeRss(args: readonly string[]): number {
  const script = "process.stdout.write(String(/VmRSS:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status','utf8'))[1]*1024))";
  const out = spawnSync(process.execPath, [...args, "--input-type=commonjs", "-e", script], { encoding: "utf8" });
  return Number(out.stdout) || 0;
}

const ms = (seconds: number): number => round(seconds * 1000, 4);
const mb = (bytes: number): number => round(bytes / MB, 4);

/** Which of our probes does the work of each systeminformation call. */
const SI_EQUIVALENT: Record<string, string> = { currentLoad: "cpu", mem: "memory", fsSize: "filesystem", disksIO: "diskio", fsStats: "diskio", networkStats: "network", processes: "processes" };

/**
 * Runs the collector benchmark and prints its lines:
 * `collector_probes_cpu_per_sample` (s, target <= node_exporter's per
 * scrape), `collector_probes_rss_mb` (plain JS, target <= 64),
 * `collector_probes_rss_mb_tsx`, `collector_node_exporter_cpu_per_scrape`,
 * `collector_node_exporter_rss_mb`, and one `collector_si_<call>_cpu_per_call`
 * per systeminformation call. Without node_exporter it prints a
 * `collector_node_exporter_skipped` line and our figures without a ratio.
 *
 * @example
 * await benchCollector(printLine);
 * await benchCollector(printLine, { scrapes: 10, samples: 10, js: false, siCalls: 1 }); // a quick run
 */
export async function benchCollector(print: (line: BenchLine) => void, options: CollectorBenchOptions = {}): Promise<void> {
  let exporterRssMb: number | undefined;
  const scrapes = options.scrapes ?? 50;
  const samples = options.samples ?? 50;
  const warmup = options.warmup ?? 5;
  const rounds = options.rounds ?? 3;
  const siCalls = options.siCalls ?? 5;
  const childOptions = JSON.stringify({ samples, warmup });
  const tsxChild = ["--import", "tsx", path.join(HERE, "collector-child.ts"), childOptions];

  let build: JsBuild | undefined;
  let plainError: string | undefined;
  if (options.js ?? true) {
    try {
      progress("collector: building a plain-JavaScript copy");
      build = buildPlainJs();
    } catch (err) {
      plainError = err instanceof Error ? err.message : String(err);
      progress(`collector: plain-JavaScript build failed, measuring under tsx only: ${plainError}`);
    }
  }
  const runtime = build === undefined ? "tsx" : "plain-js";
  const oursChild = build === undefined ? tsxChild : [path.join(build.dir, "bench", "collector-child.js"), childOptions];

  const ours: CollectorChildResult[] = [];
  const batches: ScrapeBatch[] = [];
  let exporter: NodeExporter | undefined;
  let exporterRss = 0;
  let series = 0;
  let tsx: CollectorChildResult | undefined;
  try {
    if (existsSync(NODE_EXPORTER)) {
      exporter = await startNodeExporter();
    } else {
      progress(`collector: ${NODE_EXPORTER} not installed (apt-get install prometheus-node-exporter): node_exporter figures skipped`);
      print({ name: "collector_node_exporter_skipped", value: 0, unit: "skipped", reason: `${NODE_EXPORTER} not installed (apt-get install prometheus-node-exporter)` });
    }
    try {
      if (exporter !== undefined) {
        let body = "";
        for (let i = 0; i < warmup; i++) body = await exporter.scrape();
        series = body.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length;
      }
      // Alternate the two sides, so a change in the machine's load colours both alike; medians of the rounds.
      for (let r = 0; r < rounds; r++) {
        if (exporter !== undefined) {
          progress(`collector: round ${r + 1}/${rounds}: node_exporter, ${scrapes} scrapes`);
          batches.push(await scrapeBatch(exporter, scrapes));
        }
        progress(`collector: round ${r + 1}/${rounds}: our probes (${runtime}), ${samples} samples`);
        ours.push(await runJsonChild<CollectorChildResult>(oursChild));
      }
      if (exporter !== undefined) exporterRss = rssBytes(exporter.child.pid!);
    } finally {
      if (exporter !== undefined) await stop(exporter.child);
    }
    if (build !== undefined) {
      progress(`collector: our probes under tsx, ${samples} samples`);
      tsx = await runJsonChild<CollectorChildResult>(tsxChild);
    }
  } finally {
    build?.cleanup();
  }

  const perSample = (o: CollectorChildResult): number => o.cpu_seconds / o.samples;
  const oursCpu = median(ours.map(perSample));
  const typical = ours.find((o) => perSample(o) === oursCpu) ?? ours[0]!;
  const exporterCpu = batches.length === 0 ? undefined : median(batches.map((b) => b.cpuSecondsPerScrape));
  const exporterContext =
    exporterCpu === undefined
      ? { node_exporter: "not measured" }
      : {
          node_exporter_cpu_per_scrape_s: round(exporterCpu, 4),
          ratio_to_node_exporter: round(oursCpu / exporterCpu, 3),
          node_exporter_series_per_scrape: series,
          ...judge(oursCpu, { op: "<=", value: round(exporterCpu, 4) }),
        };
  print({
    name: "collector_probes_cpu_per_sample",
    value: round(oursCpu, 4),
    unit: "s",
    runtime,
    cpu_ms_per_sample: ms(oursCpu),
    rounds_cpu_ms: ours.map((o) => ms(perSample(o))),
    ...(tsx === undefined ? {} : { tsx_cpu_ms_per_sample: ms(perSample(tsx)) }),
    wall_ms_per_sample: ms(typical.wall_seconds / typical.samples),
    samples_per_round: samples,
    events_per_sample: round(typical.events_per_sample, 4),
    json_bytes_per_sample: Math.round(typical.json_bytes_per_sample),
    probe_errors: ours.reduce((n, o) => n + o.errors, 0),
    per_probe_cpu_ms: typical.per_probe_cpu_ms,
    ...exporterContext,
    ...(plainError === undefined ? {} : { plain_js_error: plainError }),
    ...machine(),
  });
  const rss = Math.max(...ours.map((o) => o.rss_bytes));
  print({
    name: "collector_probes_rss_mb",
    value: mb(rss),
    unit: "MB",
    runtime,
    peak_rss_mb: mb(Math.max(...ours.map((o) => o.peak_rss_bytes))),
    heap_used_mb: mb(typical.heap_used_bytes),
    idle_node_rss_mb: mb(idleNodeRss([])),
    ...(exporter === undefined ? {} : { node_exporter_rss_mb: mb(exporterRss) }),
    ...judge(rss / MB, { op: "<=", value: COLLECTOR_RSS_TARGET_MB }),
  });
  if (tsx !== undefined) {
    print({
      name: "collector_probes_rss_mb_tsx",
      value: mb(tsx.rss_bytes),
      unit: "MB",
      runtime: "tsx",
      peak_rss_mb: mb(tsx.peak_rss_bytes),
      idle_node_tsx_rss_mb: mb(idleNodeRss(["--import", "tsx"])),
      note: "bin/satellite.js runs the agent under tsx today; tsx's loader runs in its own thread with its own heap",
      ...judge(tsx.rss_bytes / MB, { op: "<=", value: COLLECTOR_RSS_TARGET_MB }),
    });
  }
  if (exporter !== undefined && exporterCpu !== undefined) {
    print({
      name: "collector_node_exporter_cpu_per_scrape",
      value: round(exporterCpu, 4),
      unit: "s",
      cpu_ms_per_scrape: ms(exporterCpu),
      rounds_cpu_ms: batches.map((b) => ms(b.cpuSecondsPerScrape)),
      wall_ms_per_scrape: round(median(batches.map((b) => b.wallMsPerScrape)), 4),
      scrapes_per_round: scrapes,
      series_per_scrape: series,
      bytes_per_scrape: Math.round(median(batches.map((b) => b.bytesPerScrape))),
      version: exporter.version,
      collectors: "default",
    });
    print({ name: "collector_node_exporter_rss_mb", value: mb(exporterRss), unit: "MB", version: exporter.version });
    exporterRssMb = mb(exporterRss);
  }

  await benchDeployedAgent(print, exporterRssMb);

  if (siCalls > 0) {
    progress(`collector: systeminformation, ${siCalls} calls per function, 0.6 s apart`);
    const si = await runJsonChild<SiChildResult>(["--import", "tsx", path.join(HERE, "collector-si-child.ts"), JSON.stringify({ calls: siCalls })]);
    for (const f of si.functions) {
      const total = (f.mean.cpu_ms + f.mean.children_cpu_ms) / 1000;
      const probe = SI_EQUIVALENT[f.name];
      const oursMs = probe === undefined ? undefined : typical.per_probe_cpu_ms[probe];
      print({
        name: `collector_si_${f.name}_cpu_per_call`,
        value: round(total, 4),
        unit: "s",
        own_cpu_ms: round(f.mean.cpu_ms, 4),
        children_cpu_ms: round(f.mean.children_cpu_ms, 4),
        forks_per_call: round(f.mean.forks, 3),
        wall_ms: round(f.mean.wall_ms, 4),
        max_event_loop_lag_ms: round(f.mean.max_lag_ms, 3),
        first_call: { wall_ms: round(f.first.wall_ms, 4), cpu_ms: round(f.first.cpu_ms + f.first.children_cpu_ms, 4), forks: f.first.forks, max_event_loop_lag_ms: round(f.first.max_lag_ms, 3) },
        calls: f.calls,
        children_cpu_resolution_ms: round(1000 / si.clk_tck / f.calls, 3),
        ...(oursMs === undefined ? {} : { our_probe: probe, our_probe_cpu_ms: oursMs, ratio_to_our_probe: round((total * 1000) / oursMs, 3) }),
        systeminformation: si.version,
      });
    }
  }
}

/**
 * The agent as a host deploys it: `satellite-collector` (the bundle `npm ci`
 * builds) sampling every second with its default checks, printing to a
 * pipe; its resident memory after 12 s, against the 64 MB target and
 * node_exporter's RSS from the same run.
 */
async function benchDeployedAgent(print: (line: BenchLine) => void, exporterRssMb: number | undefined): Promise<void> {
  const bundle = path.join(HERE, "..", "dist", "satellite-collector.mjs");
  const build = spawnSync(process.execPath, [path.join(HERE, "..", "scripts", "build-collector.js")], { encoding: "utf8" });
  if (build.status !== 0) {
    print({ name: "collector_agent_rss_skipped", value: 0, unit: "skipped", reason: build.stderr.trim() });
    return;
  }
  progress("collector: the deployed agent (satellite-collector, 1 s interval) for 12 s");
  const child = spawn(process.execPath, [bundle, "--interval", "1", "--dry-run"], { stdio: ["ignore", "pipe", "ignore"] });
  child.stdout.resume();
  try {
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
    const rssMb = round(kb / 1024, 1);
    print({
      name: "collector_agent_rss_mb",
      value: rssMb,
      unit: "MB",
      target: 64,
      met: rssMb <= 64,
      how: "satellite-collector (plain-JavaScript bundle), 1 s interval, default checks, after 12 s",
      ...(exporterRssMb === undefined ? {} : { peer: "node_exporter", peer_rss_mb: exporterRssMb }),
    });
  } finally {
    child.kill("SIGKILL");
  }
}
