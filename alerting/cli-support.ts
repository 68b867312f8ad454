/**
 * What the alerting commands (`satellite silence`, `alerts`, `maintenance`)
 * share: the `--api` option and the client it makes (bearer token from
 * `SATELLITE_API_TOKEN`), running an action so that an API error becomes one
 * line on stderr and exit code 1, and plain-text tables.
 */
import type { Command } from "commander";
import type { ExitCode } from "../cli/main.ts";
import { AlertingClient, ApiError, DEFAULT_API_URL } from "./client.ts";
import { AlertingInputError } from "./errors.ts";
import { parseDuration } from "./input.ts";

/**
 * Where the alerting commands write (stdout and stderr by default). Tests
 * swap these functions to capture a command's output in-process.
 *
 * @example
 * cliIo.out = (text) => void captured.push(text);
 */
export const cliIo: { out: (text: string) => void; err: (text: string) => void } = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** Options every alerting command takes. */
export interface ApiCommandOptions {
  readonly api: string;
  readonly json?: boolean;
}

/**
 * Adds `--api <url>` (default `$SATELLITE_API_URL` or http://127.0.0.1:5001) and `--json` to a command.
 *
 * @example
 * withApiOptions(program.command("ls")).action(...);
 */
export function withApiOptions(command: Command): Command {
  return command
    .option("--api <url>", "the Satellite HTTP API (token from $SATELLITE_API_TOKEN)", process.env.SATELLITE_API_URL ?? DEFAULT_API_URL)
    .option("--json", "print the API's JSON instead of a table");
}

/**
 * The client for `--api`, with `SATELLITE_API_TOKEN` as the bearer token.
 *
 * @example
 * const client = clientFor(opts);
 */
export function clientFor(opts: ApiCommandOptions): AlertingClient {
  return new AlertingClient(opts.api, process.env.SATELLITE_API_TOKEN);
}

/**
 * Runs a command's body: 0 when it finishes, 1 with `satellite: <message>`
 * on stderr when the API or the input says no.
 *
 * @example
 * .action((opts) => run(exit, async () => { ... }));
 */
export async function run(exit: ExitCode, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    exit.code = 0;
  } catch (err) {
    if (err instanceof ApiError || err instanceof AlertingInputError) {
      const hint = err instanceof ApiError && (err.status === 401 || err.status === 403) ? " (set SATELLITE_API_TOKEN to the server's token)" : "";
      cliIo.err(`satellite: ${err.message}${hint}\n`);
      exit.code = 1;
      return;
    }
    throw err;
  }
}

/**
 * Prints rows as left-aligned columns, the first row being the header; the
 * last column is not padded (it may be long).
 *
 * @example
 * printTable([["ID", "STATE"], ["1", "firing"]]);
 */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  for (const row of rows) {
    const line = row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ");
    cliIo.out(line.trimEnd() + "\n");
  }
}

/**
 * Prints a value as indented JSON.
 *
 * @example
 * printJson({ alerts });
 */
export function printJson(value: unknown): void {
  cliIo.out(JSON.stringify(value, null, 2) + "\n");
}

/**
 * A positive integer id from the command line, or an `AlertingInputError`.
 *
 * @example
 * parseId("12", "silence id"); // 12
 */
export function parseId(raw: string, what: string): number {
  if (!/^\d+$/.test(raw)) throw new AlertingInputError(what, `must be a positive integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/**
 * An ISO time without its milliseconds ("2024-01-01T10:00:00Z"), or "-".
 *
 * @example
 * shortTime("2024-01-01T10:00:00.000Z"); // "2024-01-01T10:00:00Z"
 */
export function shortTime(isoTime: string | null | undefined): string {
  return isoTime === null || isoTime === undefined ? "-" : isoTime.replace(/\.\d{3}Z$/, "Z");
}

/** The flags of a time window a person opens (`silence add`, `maintenance start`). */
export interface WindowFlags {
  readonly duration?: string;
  readonly start?: string;
  readonly end?: string;
  readonly by?: string;
}

/**
 * Checks a window's flags — who (`--by`, default `$USER`), and exactly one
 * of `--duration` and `--end` — and returns the request fields they give.
 * Throws `AlertingInputError` naming the flag.
 *
 * @example
 * windowFields({ duration: "2h", by: "alice" }); // { createdBy: "alice", durationSeconds: 7200 }
 */
export function windowFields(flags: WindowFlags): { createdBy: string; startsAt?: string; endsAt?: string; durationSeconds?: number } {
  const by = flags.by ?? process.env.USER;
  if (by === undefined || by === "") throw new AlertingInputError("--by", "is required (no $USER to default to)");
  if ((flags.duration === undefined) === (flags.end === undefined)) throw new AlertingInputError("--duration", "or --end is required (exactly one)");
  let durationSeconds: number | undefined;
  if (flags.duration !== undefined) {
    durationSeconds = parseDuration(flags.duration);
    if (durationSeconds === undefined || durationSeconds <= 0) throw new AlertingInputError("--duration", `must be a duration like 90m, 2h or 1d, got ${JSON.stringify(flags.duration)}`);
  }
  return {
    createdBy: by,
    ...(flags.start === undefined ? {} : { startsAt: flags.start }),
    ...(flags.end === undefined ? {} : { endsAt: flags.end }),
    ...(durationSeconds === undefined ? {} : { durationSeconds }),
  };
}
