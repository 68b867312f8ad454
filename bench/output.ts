/**
 * The benchmark output contract (DESIGN.md section 10): every benchmark
 * prints one JSON object per line, `{"name", "value", "unit"}` plus whatever
 * context explains the figure (sizes, targets, the machine). This file owns
 * that shape: building lines, checking them, printing them, and judging a
 * figure against its target, so every benchmark reports the same way.
 */
import os from "node:os";

/** One result line: a named figure with its unit, plus context fields. */
export interface BenchLine {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly [context: string]: unknown;
}

/** A goal a figure should reach: at least (`">="`) or at most (`"<="`) `value`. */
export interface Target {
  readonly op: ">=" | "<=";
  readonly value: number;
}

/**
 * The context fields that state a target and whether `value` meets it:
 * `target` as text (`">= 2000000"`) and `met` as a boolean.
 *
 * @example
 * judge(1_500_000, { op: ">=", value: 2_000_000 }); // { target: ">= 2000000", met: false }
 */
export function judge(value: number, target: Target): { target: string; met: boolean } {
  const met = target.op === ">=" ? value >= target.value : value <= target.value;
  return { target: `${target.op} ${target.value}`, met };
}

/**
 * Rounds `x` to `digits` significant digits, so printed figures do not
 * pretend to more precision than a benchmark has.
 *
 * @example
 * round(1234567.89, 4); // 1235000
 * round(0.012345, 3);   // 0.0123
 */
export function round(x: number, digits = 4): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}

/**
 * Why `value` is not a valid `BenchLine`, or undefined when it is one: an
 * object with a non-empty string `name`, a finite number `value` and a
 * non-empty string `unit`.
 *
 * @example
 * lineProblem({ name: "x", value: 1, unit: "ms" }); // undefined
 * lineProblem({ name: "x", value: "1" });           // 'value must be a finite number, got "1"'
 */
export function lineProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "a line must be a JSON object";
  const line = value as Record<string, unknown>;
  if (typeof line.name !== "string" || line.name.length === 0) return `name must be a non-empty string, got ${JSON.stringify(line.name)}`;
  if (typeof line.value !== "number" || !Number.isFinite(line.value)) return `value must be a finite number, got ${JSON.stringify(line.value)}`;
  if (typeof line.unit !== "string" || line.unit.length === 0) return `unit must be a non-empty string, got ${JSON.stringify(line.unit)}`;
  return undefined;
}

/**
 * Parses one printed line back into a `BenchLine`; throws an Error naming
 * the problem when it is not JSON or not a valid line.
 *
 * @example
 * parseLine('{"name":"x","value":1,"unit":"ms"}').value; // 1
 */
export function parseLine(text: string): BenchLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`not a JSON line: ${JSON.stringify(text.slice(0, 200))} (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  const problem = lineProblem(parsed);
  if (problem !== undefined) throw new Error(`not a benchmark line: ${problem}: ${text.slice(0, 200)}`);
  return parsed as BenchLine;
}

/**
 * Writes `line` to stdout as one JSON line. Throws when the line breaks the
 * contract, so a broken benchmark fails loudly instead of printing junk.
 *
 * @example
 * printLine({ name: "index_bytes_per_key", value: 412, unit: "bytes", keys: 1_000_000 });
 */
export function printLine(line: BenchLine): void {
  const problem = lineProblem(line);
  if (problem !== undefined) throw new Error(`printLine: ${problem}`);
  process.stdout.write(JSON.stringify(line) + "\n");
}

/**
 * Progress text for people watching the run: stderr, so stdout stays pure JSON lines.
 *
 * @example
 * progress("dispatch: warming up"); // stderr: "bench: dispatch: warming up"
 */
export function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/**
 * Facts about the machine and runtime that every figure depends on, as
 * context fields.
 *
 * @example
 * printLine({ name: "x", value: 1, unit: "ms", ...machine() });
 */
export function machine(): { node: string; cpu: string; cpus: number } {
  const cpus = os.cpus();
  return { node: process.version, cpu: cpus[0]?.model.trim() ?? "unknown", cpus: cpus.length };
}
