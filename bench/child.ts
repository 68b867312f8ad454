/**
 * Runs one benchmark in this process and prints its line(s): the entry
 * point `run.ts` starts once per benchmark, so each measures in a fresh
 * heap with its own JIT state. Usable by hand too:
 *
 *     node --import tsx --expose-gc bench/child.ts dispatch '{"variant":"raw"}'
 *
 * The second argument is the benchmark's options as JSON (sizes, variant).
 */
import { runDispatch, type DispatchOptions } from "./dispatch.ts";
import { runExpiryStall, type ExpiryStallOptions } from "./expiry-stall.ts";
import { runIndexMemory, type IndexMemoryOptions } from "./index-memory.ts";
import { printLine, type BenchLine } from "./output.ts";
import { riemannPublished } from "./riemann-published.ts";
import { benchKafka, type KafkaBenchOptions } from "./kafka.ts";
import { benchRiemann, type RiemannBenchOptions } from "./riemann.ts";
import { runReplayBench, type ReplayBenchOptions } from "./replay.ts";
import { benchCollector, type CollectorBenchOptions } from "./collector.ts";

// The benchmarks a child can run, by the name run.ts passes.
const BENCHMARKS = {
  dispatch: (options: unknown): Promise<BenchLine> => runDispatch(options as DispatchOptions),
  "index-memory": (options: unknown): Promise<BenchLine> => Promise.resolve(runIndexMemory(options as IndexMemoryOptions)),
  "expiry-stall": (options: unknown): Promise<BenchLine> => runExpiryStall(options as ExpiryStallOptions),
  "riemann-published": (): Promise<BenchLine> => Promise.resolve(riemannPublished()),
  "riemann-tcp": async (options: unknown): Promise<BenchLine[]> => {
    const lines: BenchLine[] = [];
    await benchRiemann((line) => lines.push(line as BenchLine), options as RiemannBenchOptions);
    return lines;
  },
  replay: (options: unknown): Promise<BenchLine[]> => runReplayBench(options as ReplayBenchOptions),
  kafka: async (options: unknown): Promise<BenchLine[]> => {
    const lines: BenchLine[] = [];
    await benchKafka((line) => lines.push(line as BenchLine), options as KafkaBenchOptions);
    return lines;
  },
  collector: async (options: unknown): Promise<BenchLine[]> => {
    const lines: BenchLine[] = [];
    await benchCollector((line) => lines.push(line), options as CollectorBenchOptions);
    return lines;
  },
} as const;

type BenchmarkName = keyof typeof BENCHMARKS;

async function main(argv: readonly string[]): Promise<number> {
  const [name, json] = argv;
  if (name === undefined || !(name in BENCHMARKS)) {
    process.stderr.write(`usage: child.ts <${Object.keys(BENCHMARKS).join("|")}> [options as JSON]\n`);
    return 2;
  }
  const options: unknown = json === undefined ? {} : JSON.parse(json);
  const result = await BENCHMARKS[name as BenchmarkName](options);
  for (const line of Array.isArray(result) ? result : [result]) printLine(line);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
