/**
 * Checks in Satellite's style (its "comets"): something run on a schedule
 * whose outcome becomes events about this host. This file holds the types
 * every check shares (`Check`, its schedule, the partial events a run
 * reports) and the settings of the one kind users configure, the command
 * check (`CommandCheckDefinition`), with `resolveCheck`/`resolveChecks`,
 * which fill the defaults in `CHECK_DEFAULTS` and reject a bad definition
 * with an error naming the field. Running a command lives in command.ts,
 * turning its output into results in output.ts, scheduling in scheduler.ts.
 */
import { show } from "../show.ts";
import { cronError } from "./cron.ts";
import { runCommand } from "./command.ts";
import { exitCodeResults, jsonLinesResults } from "./output.ts";

/** When a check runs: every `seconds` from the agent's start, or at the times a cron expression names (local time). */
export type CheckSchedule = { readonly kind: "interval"; readonly seconds: number } | { readonly kind: "cron"; readonly expression: string };

/**
 * One outcome of a check run: a partial event. The scheduler completes it:
 * host = the agent's host, service = the check's name unless set, time =
 * when the run ended, ttl = the check's ttl unless set, tags += "check".
 *
 * @example
 * const r: CheckResult = { state: "critical", metric: 2, description: "disk full" };
 */
export interface CheckResult {
  readonly service?: string | undefined;
  readonly state?: string | undefined;
  readonly description?: string | undefined;
  readonly metric?: number | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly ttl?: number | undefined;
  readonly attributes?: Readonly<Record<string, string>> | undefined;
}

/** What a run gets: the host it reports about, and a signal that aborts when the run timed out or the agent stops. */
export interface CheckRunContext {
  readonly host: string;
  /** Aborted at the check's timeout (or when the agent stops); a command check then kills its process group. */
  readonly signal: AbortSignal;
}

/**
 * A check ready to schedule (a resolved command check, or an in-process
 * check from defaults.ts). `run` should settle soon after `ctx.signal`
 * aborts; the scheduler reports the timeout at the deadline without waiting
 * for it, and does not start the check again until it has settled.
 *
 * @example
 * const check: Check = { name: "always fine", schedule: { kind: "interval", seconds: 60 }, timeoutSeconds: 10, ttlPeriods: 3, tags: [], run: async () => [{ state: "ok" }] };
 */
export interface Check {
  /** The service of its events (unless a result names another). */
  readonly name: string;
  readonly schedule: CheckSchedule;
  /** Seconds a run may take before it counts as failed (critical "timed out"). */
  readonly timeoutSeconds: number;
  /** The ttl of its events is this many periods, so a check that stops reporting expires after missing that many runs. */
  readonly ttlPeriods: number;
  /** Extra tags on every event of this check (besides "check"). */
  readonly tags: readonly string[];
  run(ctx: CheckRunContext): Promise<readonly CheckResult[]>;
}

/** How a command's output becomes events. */
export type CheckOutput = "exit-code" | "json-lines";

/**
 * A command check as written in configuration. `command` is run directly
 * (no shell) with `args`; write `command: "sh", args: ["-c", "..."]` for a
 * shell line.
 *
 * Differs from Satellite: a string command is not split on whitespace (a
 * path may hold spaces); the schedule is a cron expression or an interval,
 * not a Clojure sequence; a timeout or crash is reported under the check's
 * own service with its ttl (Satellite's had neither, so they were lost).
 */
export interface CommandCheckDefinition {
  /** The service of the check's events, e.g. "disk writable". Unique per agent. */
  readonly name: string;
  /** Program to run, a path or a name looked up in PATH. */
  readonly command: string;
  readonly args?: readonly string[];
  /**
   * A node-cron expression (5 fields, or 6 with seconds first), in the
   * agent's local time zone. Give this or `intervalSeconds`, not both.
   */
  readonly schedule?: string;
  /** Run every this many seconds. Default 60 when `schedule` is not given. */
  readonly intervalSeconds?: number;
  /** Seconds before the run is killed (with its process group) and reported critical. Default 10 (Satellite's). */
  readonly timeoutSeconds?: number;
  /**
   * "exit-code" (default): exit 0 ok, 1 warning, 2 critical, anything else
   * critical; metric = exit code; description = the output's tail.
   * "json-lines": every stdout line is a JSON object holding part of an
   * event (service, state, description, metric, tags, ttl, attributes); a
   * non-zero exit adds a critical event for the check.
   */
  readonly output?: CheckOutput;
  /** Variables added to (or replacing those of) the agent's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory. Default: the agent's. */
  readonly cwd?: string;
  /** ttl = this many periods. Default 3. */
  readonly ttlPeriods?: number;
  /** Extra tags on the check's events. */
  readonly tags?: readonly string[];
}

/** Every default of a command check, in one place. */
export const CHECK_DEFAULTS = Object.freeze({
  intervalSeconds: 60,
  timeoutSeconds: 10,
  output: "exit-code",
  ttlPeriods: 3,
  /** Stdout kept per run; the rest is cut (json-lines then reports the cut). */
  maxOutputBytes: 1_048_576,
});

const FIELDS: ReadonlySet<string> = new Set(["name", "command", "args", "schedule", "intervalSeconds", "timeoutSeconds", "output", "env", "cwd", "ttlPeriods", "tags"]);

function positive(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new Error(`${field} must be a positive number of seconds, got ${show(value)}`);
  return value;
}

function nonEmptyString(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) throw new Error(`${field} must be a non-empty string, got ${show(value)}`);
  return value;
}

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new Error(`${field} must be an array of strings, got ${show(value)}`);
  return value.map((v, i) => {
    if (typeof v !== "string") throw new Error(`${field}[${i}] must be a string, got ${show(v)}`);
    return v;
  });
}

/**
 * Validates one command check definition, fills its defaults and returns
 * it as a `Check`. Throws an Error whose message names the field
 * (`checks[2].timeoutSeconds must be a positive number of seconds, got "x"`).
 *
 * @example
 * const check = resolveCheck({ name: "disk writable", command: "touch", args: ["/var/tmp/.probe"], intervalSeconds: 30 });
 * const nightly = resolveCheck({ name: "backup fresh", command: "/usr/local/bin/check-backup", schedule: "0 0 6 * * *", output: "json-lines" });
 */
export function resolveCheck(raw: unknown, path = "check"): Check {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${path} must be an object, got ${show(raw)}`);
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!FIELDS.has(key)) throw new Error(`${path}.${key} is not a check setting (expected one of ${[...FIELDS].join(", ")})`);
  }
  const name = nonEmptyString(r.name, `${path}.name`);
  const command = nonEmptyString(r.command, `${path}.command`);
  const args = r.args === undefined ? [] : stringList(r.args, `${path}.args`);
  let schedule: CheckSchedule;
  if (r.schedule !== undefined && r.intervalSeconds !== undefined) throw new Error(`${path}: give schedule or intervalSeconds, not both`);
  if (r.schedule !== undefined) {
    const expression = nonEmptyString(r.schedule, `${path}.schedule`);
    const error = cronError(expression);
    if (error !== undefined) throw new Error(`${path}.schedule is not a cron expression: ${error}`);
    schedule = { kind: "cron", expression };
  } else {
    schedule = { kind: "interval", seconds: r.intervalSeconds === undefined ? CHECK_DEFAULTS.intervalSeconds : positive(r.intervalSeconds, `${path}.intervalSeconds`) };
  }
  const timeoutSeconds = r.timeoutSeconds === undefined ? CHECK_DEFAULTS.timeoutSeconds : positive(r.timeoutSeconds, `${path}.timeoutSeconds`);
  const output = r.output === undefined ? CHECK_DEFAULTS.output : r.output;
  if (output !== "exit-code" && output !== "json-lines") throw new Error(`${path}.output must be "exit-code" or "json-lines", got ${show(output)}`);
  let env: Record<string, string> | undefined;
  if (r.env !== undefined) {
    if (typeof r.env !== "object" || r.env === null || Array.isArray(r.env)) throw new Error(`${path}.env must be an object of strings, got ${show(r.env)}`);
    env = {};
    for (const [k, v] of Object.entries(r.env as Record<string, unknown>)) {
      if (typeof v !== "string") throw new Error(`${path}.env.${k} must be a string, got ${show(v)}`);
      env[k] = v;
    }
  }
  const cwd = r.cwd === undefined ? undefined : nonEmptyString(r.cwd, `${path}.cwd`);
  const ttlPeriods = r.ttlPeriods === undefined ? CHECK_DEFAULTS.ttlPeriods : r.ttlPeriods;
  if (typeof ttlPeriods !== "number" || !Number.isFinite(ttlPeriods) || ttlPeriods < 1) throw new Error(`${path}.ttlPeriods must be a number >= 1, got ${show(ttlPeriods)}`);
  const tags = r.tags === undefined ? [] : stringList(r.tags, `${path}.tags`);
  const interpret = output === "exit-code" ? exitCodeResults : jsonLinesResults;
  return Object.freeze({
    name,
    schedule,
    timeoutSeconds,
    ttlPeriods,
    tags,
    command,
    args,
    output,
    run: async (ctx: CheckRunContext) => interpret(await runCommand({ command, args, env, cwd, signal: ctx.signal, maxOutputBytes: CHECK_DEFAULTS.maxOutputBytes }), command),
  });
}

/**
 * Resolves a list of command check definitions (see `resolveCheck`);
 * names must be unique.
 *
 * @example
 * const checks = resolveChecks(JSON.parse(readFileSync("checks.json", "utf8")), "checks.json");
 */
export function resolveChecks(raw: unknown, path = "checks"): Check[] {
  if (!Array.isArray(raw)) throw new Error(`${path} must be an array of checks, got ${show(raw)}`);
  const checks = raw.map((r, i) => resolveCheck(r, `${path}[${i}]`));
  assertUniqueNames(checks, path);
  return checks;
}

/**
 * Throws when two checks share a name (their events would overwrite each other).
 *
 * @example
 * assertUniqueNames([...defaultChecks(), ...resolveChecks(raw)], "checks");
 */
export function assertUniqueNames(checks: readonly Check[], path = "checks"): void {
  const seen = new Set<string>();
  for (const c of checks) {
    if (seen.has(c.name)) throw new Error(`${path}: two checks are named ${JSON.stringify(c.name)}; names are services and must be unique`);
    seen.add(c.name);
  }
}
