/**
 * Turning what a check command did into check results: the "exit-code"
 * mapping (Nagios' convention, as Satellite's recipes used: 0 ok, 1
 * warning, 2 and anything else critical) and the "json-lines" mapping
 * (each stdout line is part of an event). A command that could not start
 * or was killed by a signal is critical in both, with the reason in the
 * description. Pure functions of a `CommandResult`.
 */
import type { CheckResult } from "./check.ts";
import type { CommandResult } from "./command.ts";

/** Longest description taken from a command's output, in characters (the tail is kept). */
export const MAX_DESCRIPTION = 1000;

/**
 * The state of an exit code: 0 ok, 1 warning, anything else critical.
 *
 * @example
 * stateOfExit(1); // "warning"
 */
export function stateOfExit(code: number): "ok" | "warning" | "critical" {
  return code === 0 ? "ok" : code === 1 ? "warning" : "critical";
}

function tail(text: string, max = MAX_DESCRIPTION): string {
  return text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
}

/**
 * The tail of stdout and stderr together (trimmed), or "" when both are empty.
 *
 * @example
 * outputTail({ stdout: "97% used\n", stderr: "" }); // "97% used"
 */
export function outputTail(r: Pick<CommandResult, "stdout" | "stderr">, max = MAX_DESCRIPTION): string {
  const out = r.stdout.trim();
  const err = r.stderr.trim();
  return tail(out !== "" && err !== "" ? `${out}\n${err}` : out || err, max);
}

/**
 * The critical result of a command that did not run to an exit code (could
 * not start, killed by a signal), or undefined when it exited.
 *
 * @example
 * failureResult({ exitCode: null, signal: null, error: "spawn nosuch ENOENT", ... }, "nosuch"); // { state: "critical", description: 'cannot run "nosuch": spawn nosuch ENOENT' }
 */
export function failureResult(r: CommandResult, command: string): CheckResult | undefined {
  if (r.error !== undefined) return { state: "critical", description: `cannot run ${JSON.stringify(command)}: ${r.error}` };
  if (r.exitCode === null) {
    const said = outputTail(r, 500);
    return { state: "critical", description: `${r.aborted ? "killed" : "killed by signal"} ${r.signal ?? "(unknown signal)"}${said === "" ? "" : `: ${said}`}` };
  }
  return undefined;
}

/**
 * The "exit-code" mapping: one result, state from the exit code (0 ok, 1
 * warning, 2 critical, other critical), metric = the exit code,
 * description = the tail of the output (prefixed "exit N" for codes other
 * than 0, 1, 2).
 *
 * @example
 * exitCodeResults({ exitCode: 2, signal: null, stdout: "disk full\n", stderr: "", stdoutTruncated: false, aborted: false }, "check-disk");
 * // [{ state: "critical", metric: 2, description: "disk full" }]
 */
export function exitCodeResults(r: CommandResult, command: string): CheckResult[] {
  const failed = failureResult(r, command);
  if (failed !== undefined) return [failed];
  const code = r.exitCode ?? -1;
  const said = outputTail(r);
  const description = code > 2 || code < 0 ? `exit ${code}${said === "" ? "" : `: ${said}`}` : said === "" ? undefined : said;
  return [{ state: stateOfExit(code), metric: code, description }];
}

const LINE_FIELDS: ReadonlySet<string> = new Set(["service", "state", "description", "metric", "tags", "ttl", "attributes"]);

/** One json-lines line as a result, or why it is not one. */
function parseLine(line: string): CheckResult | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return "is not JSON";
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "is not a JSON object";
  for (const key of Object.keys(parsed)) {
    if (!LINE_FIELDS.has(key)) return `has field "${key}" (allowed: ${[...LINE_FIELDS].join(", ")}; host and time are set by the collector)`;
  }
  return parsed;
}

/**
 * The "json-lines" mapping: every non-empty stdout line is a JSON object
 * with some of service, state, description, metric, tags, ttl, attributes
 * (the scheduler fills the rest, and checks the result as the engine
 * would). A line that is not such an object becomes a critical result for
 * the check naming the line; so does a non-zero exit (with the output's
 * tail), a cut stdout, a failure to start or a signal.
 *
 * @example
 * jsonLinesResults({ exitCode: 0, stdout: '{"service":"queue depth","metric":12,"state":"ok"}\n', ... }, "q");
 * // [{ service: "queue depth", metric: 12, state: "ok" }]
 */
export function jsonLinesResults(r: CommandResult, command: string): CheckResult[] {
  const failed = failureResult(r, command);
  if (failed !== undefined) return [failed];
  const results: CheckResult[] = [];
  const problems: string[] = [];
  const lines = r.stdout.split("\n");
  if (r.stdoutTruncated) lines.pop(); // the last line was cut
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const parsed = parseLine(line);
    if (typeof parsed === "string") problems.push(`line ${i + 1} ${parsed}`);
    else results.push(parsed);
  }
  if (r.stdoutTruncated) problems.push("stdout was cut at the output limit");
  const code = r.exitCode ?? -1;
  if (code !== 0) {
    const said = tail(r.stderr.trim(), 500);
    problems.unshift(`exit ${code}${said === "" ? "" : `: ${said}`}`);
  }
  if (problems.length > 0) results.push({ state: "critical", metric: code === 0 ? undefined : code, description: tail(problems.join("; ")) });
  return results;
}
