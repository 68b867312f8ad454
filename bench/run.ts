/**
 * `npm run bench`: Satellite's benchmark suite. Runs each benchmark in a
 * fresh Node process (bench/child.ts, so one benchmark's heap and JIT state
 * never colour another's), relays and checks their JSON lines, adds the
 * figures that compare runs (reference/raw ratio, the plain-JS build), and
 * prints every line to stdout, one JSON object per line (DESIGN.md section
 * 10). Progress goes to stderr.
 *
 *     npm run bench                      # everything, about two and a half minutes on 2 cores
 *     npm run bench -- --quick           # small sizes: a smoke run of the whole suite
 *     npm run bench -- --only dispatch   # one group: riemann, dispatch, memory, expiry, transport, collector, replay
 *     npm run bench -- --no-js           # skip the plain-JavaScript build of the dispatch figure
 *
 * One benchmark by hand, e.g. with a CPU profile of the measured phase only:
 *
 *     node --import tsx --expose-gc bench/child.ts dispatch '{"variant":"reference","cpuProfile":"ref.cpuprofile"}'
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { REPLAY_NODE_FLAGS } from "../replay/node-flags.ts";
import { buildPlainJs, type JsBuild } from "./js-build.ts";
import { parseLine, printLine, progress, round, type BenchLine } from "./output.ts";
import { riemannPublished } from "./riemann-published.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The groups `--only` accepts, in the order they run. */
const GROUPS = ["riemann", "dispatch", "memory", "expiry", "transport", "collector", "replay"] as const;
type Group = (typeof GROUPS)[number];

/** A difference between the tsx and plain-JS dispatch figures above this fraction gets its own line. */
const MATERIAL_DIFFERENCE = 0.1;

interface Settings {
  readonly quick: boolean;
  readonly js: boolean;
  readonly only: ReadonlySet<Group>;
}

function parseArgs(argv: readonly string[]): Settings {
  let quick = false;
  let js = true;
  let only = new Set<Group>(GROUPS);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--quick") quick = true;
    else if (arg === "--no-js") js = false;
    else if (arg === "--only") {
      const names = (argv[++i] ?? "").split(",");
      for (const n of names) if (!(GROUPS as readonly string[]).includes(n)) throw new Error(`--only: unknown group ${JSON.stringify(n)} (groups: ${GROUPS.join(", ")})`);
      only = new Set(names as Group[]);
    } else throw new Error(`unknown argument ${JSON.stringify(arg)} (use --quick, --no-js, --only ${GROUPS.join(",")})`);
  }
  return { quick, js, only };
}

/**
 * Runs `bench/child` for one benchmark in a new Node process (under tsx, or
 * from the plain-JS build when `build` is given) and returns its lines,
 * each checked against the output contract.
 */
function runChild(bench: string, options: object, build?: JsBuild): Promise<BenchLine[]> {
  // The replay runs with the flags `satellite replay` runs with.
  const flags = bench === "replay" ? [...REPLAY_NODE_FLAGS] : [];
  const args =
    build === undefined
      ? [...flags, "--import", "tsx", "--expose-gc", path.join(HERE, "child.ts"), bench, JSON.stringify(options)]
      : [...flags, "--expose-gc", path.join(build.dir, "bench", "child.js"), bench, JSON.stringify({ ...options, build: "js" })];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => (out += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code !== 0) {
        reject(new Error(`benchmark ${bench} ${JSON.stringify(options)} failed (${signal ?? `exit code ${code}`})`));
        return;
      }
      try {
        resolve(out.split("\n").filter((l) => l.trim() !== "").map(parseLine));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}

async function one(bench: string, options: object, build?: JsBuild): Promise<BenchLine> {
  const lines = await runChild(bench, options, build);
  if (lines.length !== 1) throw new Error(`benchmark ${bench} printed ${lines.length} lines, expected 1`);
  return lines[0]!;
}

/** The dispatch group: reference (tsx and plain JS), stream-only, raw; printed together with their cross-figures. */
async function dispatchGroup(settings: Settings): Promise<number | undefined> {
  const sizes = settings.quick ? { warmupEvents: 200_000, events: 400_000, fleet: { hosts: 2000 } } : {};
  const reference = await one("dispatch", { variant: "reference", ...sizes });
  const streamOnly = await one("dispatch", { variant: "stream-only", ...sizes });
  const raw = await one("dispatch", { variant: "raw", ...sizes });
  let plainJs: BenchLine | undefined;
  let plainJsError: string | undefined;
  if (settings.js) {
    // A side figure: when the build or its run fails, say so on the main line and carry on.
    try {
      progress("building a plain-JavaScript copy (TypeScript transpileModule, no keepNames)");
      const build = buildPlainJs();
      try {
        plainJs = await one("dispatch", { variant: "reference", ...sizes }, build);
        plainJs = { ...plainJs, js_build_ms: round(build.ms, 3), js_build_files: build.files };
      } finally {
        build.cleanup();
      }
    } catch (err) {
      plainJsError = err instanceof Error ? err.message : String(err);
      progress(`plain-JavaScript run failed: ${plainJsError}`);
    }
  }

  const ns = (line: BenchLine): number => line.ns_per_event as number;
  const extra: Record<string, unknown> = plainJsError === undefined ? {} : { plain_js_error: plainJsError };
  if (plainJs !== undefined) {
    const difference = plainJs.value / reference.value - 1;
    Object.assign(extra, {
      plain_js_events_per_s: plainJs.value,
      plain_js_difference_pct: round(difference * 100, 3),
      plain_js_heap_after_gc_mb: plainJs.heap_after_gc_mb,
    });
    if (Math.abs(difference) > MATERIAL_DIFFERENCE) printLine({ ...plainJs, name: "dispatch_reference_rules_plain_js" });
  }
  printLine({
    ...reference,
    ...extra,
    raw_ceiling_events_per_s: raw.value,
    ratio_to_raw: round(reference.value / raw.value, 3),
    // Where the time goes: the engine and its index (the raw run), and everything the rules add.
    ns_per_event_engine_and_index: ns(raw),
    ns_per_event_rules: round(ns(reference) - ns(raw), 3),
  });
  printLine({ ...streamOnly, reference_ns_per_event: ns(reference) });
  printLine({ ...raw, ratio_reference_to_raw: round(reference.value / raw.value, 3), reference_events_per_s: reference.value });
  return ns(reference);
}

async function main(argv: readonly string[]): Promise<number> {
  const settings = parseArgs(argv);
  const started = performance.now();
  let failed = 0;
  /** Runs one group; a failing group is reported and the others still run. */
  const group = async (name: Group, body: () => Promise<void>): Promise<void> => {
    if (!settings.only.has(name)) return;
    try {
      await body();
    } catch (err) {
      failed++;
      progress(`${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  let referenceNs: number | undefined;
  await group("riemann", () => Promise.resolve(printLine(riemannPublished())));
  await group("dispatch", async () => {
    referenceNs = await dispatchGroup(settings);
  });
  await group("transport", async () => {
    for (const line of await runChild("riemann-tcp", settings.quick ? { durationMs: 1000, latencyCount: 2000 } : {})) printLine(line);
    for (const line of await runChild("kafka", settings.quick ? { events: 200_000, messageSizes: [1000] } : {})) printLine(line);
  });
  await group("memory", async () => printLine(await one("index-memory", settings.quick ? { keys: 100_000 } : {})));
  await group("expiry", async () => {
    const line = await one("expiry-stall", settings.quick ? { keys: 100_000 } : {});
    // What a slice would cost if every expiry went through the reference rules (the run above).
    const estimate = referenceNs === undefined ? {} : { estimated_slice_ms_through_reference_rules: round(((line.slice_size as number) * referenceNs) / 1e6, 3) };
    printLine({ ...line, ...estimate });
  });
  await group("collector", async () => {
    const sizes = settings.quick ? { scrapes: 10, samples: 10, siCalls: 1 } : {};
    for (const line of await runChild("collector", { ...sizes, js: settings.js })) printLine(line);
  });
  await group("replay", async () => {
    for (const line of await runChild("replay", settings.quick ? { hosts: 200, events: 300_000 } : {})) printLine(line);
  });
  progress(`done in ${((performance.now() - started) / 1000).toFixed(0)} s${failed > 0 ? `, ${failed} group(s) failed` : ""}`);
  return failed > 0 ? 1 : 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
