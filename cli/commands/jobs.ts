/**
 * `satellite jobs`: the scheduler from the command line, over the HTTP API
 * (`--api`, default http://127.0.0.1:5001; the bearer token from
 * SATELLITE_API_TOKEN). `jobs submit -- command args` submits a job,
 * `jobs ls` lists jobs, `jobs show UUID` prints one with its tasks,
 * `jobs kill UUID` kills one. Exit codes: 0 success, 1 refused or failed.
 */
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import type { Command } from "commander";
import type { ExitCode } from "../main.ts";
import { collect } from "../flags.ts";

/** The default API address of the commands. */
export const DEFAULT_API_URL = "http://127.0.0.1:5001";

interface ApiOption {
  readonly api: string;
}

interface SubmitOptions extends ApiOption {
  readonly user?: string;
  readonly cpus: string;
  readonly mem: string;
  readonly priority?: string;
  readonly maxRetries?: string;
  readonly uuid?: string;
  readonly name?: string;
  readonly cwd?: string;
  readonly env: string[];
}

interface LsOptions extends ApiOption {
  readonly user?: string;
  readonly state?: string;
  readonly limit: string;
  readonly json?: boolean;
}

interface JobJson {
  uuid: string;
  user: string;
  name?: string;
  command: string;
  state: string;
  outcome?: string;
  reason?: string;
  priority: number;
  cpus: number;
  mem: number;
  submittedAt: number;
}

/** A CLI failure: the message goes to stderr, the exit code is 1. */
class CliError extends Error {}

/**
 * One shell word: quoted unless it is plainly safe.
 *
 * @example
 * shellQuote("it's"); // "'it'\\''s'"
 */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\-./=:@%+,]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command a job runs (`sh -c`) from the words after `--`: one word is
 * taken as a shell command line as it is; several are quoted one by one, so
 * they reach the program exactly as typed.
 *
 * @example
 * commandLine(["echo 'a b' | wc -c"]); // "echo 'a b' | wc -c"
 * commandLine(["echo", "a b"]);         // "echo 'a b'"
 */
export function commandLine(words: readonly string[]): string {
  return words.length === 1 ? words[0]! : words.map(shellQuote).join(" ");
}

function number(value: string | undefined, flag: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new CliError(`${flag} must be ${integer ? "an integer" : "a number"}, got "${value}"`);
  return n;
}

async function request(api: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = {};
  const token = process.env.SATELLITE_API_TOKEN;
  if (token !== undefined && token.length > 0) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const url = `${api.replace(/\/+$/, "")}/api/v1${path}`;
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new CliError(`cannot reach the API at ${api}: ${cause ?? (err instanceof Error ? err.message : String(err))}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}

function errorOf(r: { status: number; json: unknown }): string {
  const message = (r.json as { error?: unknown } | undefined)?.error;
  return `${r.status}: ${typeof message === "string" ? message : "request failed"}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!))).join("  ")).join("\n") + "\n";
}

async function submit(words: string[], opts: SubmitOptions): Promise<void> {
  const env: Record<string, string> = {};
  for (const kv of opts.env) {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new CliError(`--env must be NAME=VALUE, got "${kv}"`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const spec = {
    uuid: opts.uuid ?? randomUUID(),
    user: opts.user ?? process.env.USER ?? userInfo().username,
    command: commandLine(words),
    cpus: number(opts.cpus, "--cpus", false),
    mem: number(opts.mem, "--mem", false),
    ...(opts.priority !== undefined ? { priority: number(opts.priority, "--priority", true) } : {}),
    ...(opts.maxRetries !== undefined ? { maxRetries: number(opts.maxRetries, "--max-retries", true) } : {}),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(Object.keys(env).length > 0 ? { env } : {}),
  };
  const r = await request(opts.api, "POST", "/jobs", spec);
  if (r.status === 201 || r.status === 200) {
    process.stdout.write(`${r.status === 201 ? "submitted" : "already submitted"} ${spec.uuid}\n`);
    return;
  }
  throw new CliError(`job ${spec.uuid} refused: ${errorOf(r)}`);
}

async function ls(opts: LsOptions): Promise<void> {
  const q = new URLSearchParams();
  if (opts.user !== undefined) q.set("user", opts.user);
  if (opts.state !== undefined) q.set("state", opts.state);
  q.set("limit", opts.limit);
  const r = await request(opts.api, "GET", `/jobs?${q.toString()}`);
  if (r.status !== 200) throw new CliError(errorOf(r));
  const jobs = (r.json as { jobs: JobJson[] }).jobs;
  if (opts.json === true) {
    process.stdout.write(`${JSON.stringify(jobs, null, 2)}\n`);
    return;
  }
  const rows = [["UUID", "USER", "STATE", "PRI", "CPUS", "MEM", "SUBMITTED", "COMMAND"]];
  for (const j of jobs) {
    const state = j.state === "completed" ? `${j.outcome ?? "completed"}` : j.state;
    rows.push([j.uuid, j.user, state, String(j.priority), String(j.cpus), String(j.mem), new Date(j.submittedAt * 1000).toISOString().slice(0, 19) + "Z", j.name ?? j.command.slice(0, 60)]);
  }
  process.stdout.write(table(rows));
}

async function show(uuid: string, opts: ApiOption): Promise<void> {
  const r = await request(opts.api, "GET", `/jobs/${encodeURIComponent(uuid)}`);
  if (r.status !== 200) throw new CliError(errorOf(r));
  process.stdout.write(`${JSON.stringify((r.json as { job: unknown }).job, null, 2)}\n`);
}

async function kill(uuid: string, opts: ApiOption): Promise<void> {
  const r = await request(opts.api, "DELETE", `/jobs/${encodeURIComponent(uuid)}`);
  if (r.status !== 204) throw new CliError(errorOf(r));
  process.stdout.write(`killed ${uuid}\n`);
}

function run(exit: ExitCode, work: () => Promise<void>): Promise<void> {
  return work().then(
    () => {
      exit.code = 0;
    },
    (err: unknown) => {
      if (!(err instanceof CliError)) throw err;
      process.stderr.write(`satellite: ${err.message}\n`);
      exit.code = 1;
    },
  );
}

/** Registers `jobs` (submit, ls, show, kill) on `program`. */
export function registerJobs(program: Command, exit: ExitCode): void {
  const jobs = program.command("jobs").description("submit, list, show and kill scheduler jobs over the HTTP API (token: SATELLITE_API_TOKEN)");
  const apiOption = ["--api <url>", "the Satellite API", process.env.SATELLITE_API_URL ?? DEFAULT_API_URL] as const;

  jobs
    .command("submit")
    .description("submit a job: satellite jobs submit --cpus 1 --mem 512 -- command args")
    .requiredOption("--cpus <n>", "cpus the job needs")
    .requiredOption("--mem <mb>", "memory the job needs, MB")
    .option("--user <name>", "the job's user (default: $USER)")
    .option("--priority <0-100>", "order among your own jobs, higher first (default 50)")
    .option("--max-retries <n>", "re-runs after failures that count (default 3)")
    .option("--uuid <id>", "the job's id (default: a new UUID); resubmitting the same id and spec is harmless")
    .option("--name <name>", "a name for people")
    .option("--cwd <dir>", "absolute working directory on the host")
    .option("--env <NAME=VALUE>", "an environment variable (repeatable)", collect, [] as string[])
    .option(...apiOption)
    .argument("<command...>", "the command and its arguments (after --)")
    .action((words: string[], opts: SubmitOptions) => run(exit, () => submit(words, opts)));

  jobs
    .command("ls")
    .description("list jobs, newest first")
    .option("--user <name>", "only this user's jobs")
    .option("--state <state>", "only jobs in this state: waiting, running or completed")
    .option("--limit <n>", "at most this many (1-1000)", "100")
    .option("--json", "print JSON")
    .option(...apiOption)
    .action((opts: LsOptions) => run(exit, () => ls(opts)));

  jobs
    .command("show")
    .description("print a job and its tasks as JSON")
    .argument("<uuid>", "the job")
    .option(...apiOption)
    .action((uuid: string, opts: ApiOption) => run(exit, () => show(uuid, opts)));

  jobs
    .command("kill")
    .description("kill a job (its running task is stopped; the job completes failed)")
    .argument("<uuid>", "the job")
    .option(...apiOption)
    .action((uuid: string, opts: ApiOption) => run(exit, () => kill(uuid, opts)));
}
