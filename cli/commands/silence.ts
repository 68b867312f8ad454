/**
 * `satellite silence add|ls|expire`: manage silences on a running Satellite
 * over its HTTP API (`--api`, default http://127.0.0.1:5001; the bearer token
 * comes from SATELLITE_API_TOKEN). A silence mutes the alerts its matchers
 * match: they do not page, but one paged before the silence still resolves,
 * and one still firing when the silence ends is paged then.
 */
import type { Command } from "commander";
import { cliIo, clientFor, parseId, windowFields, printJson, printTable, run, shortTime, withApiOptions, type ApiCommandOptions } from "../../alerting/cli-support.ts";
import { AlertingInputError } from "../../alerting/errors.ts";
import { formatDuration } from "../../alerting/input.ts";
import { formatMatcher, parseMatcher, type Matcher } from "../../alerting/matchers.ts";
import type { ExitCode } from "../main.ts";
import { collect } from "../flags.ts";

/** Options of `silence add`, as commander parses them. */
interface AddOptions extends ApiCommandOptions {
  readonly host?: string;
  readonly service?: string;
  readonly rule?: string;
  readonly match: string[];
  readonly duration?: string;
  readonly start?: string;
  readonly end?: string;
  readonly comment?: string;
  readonly by?: string;
}

/**
 * The matchers of `silence add`'s options: `--host`, `--service` and `--rule`
 * are equality matchers, each `--match` is `name=value`, `name!=value`,
 * `name=~regex` or `name!~regex`.
 *
 * @example
 * matchersOf({ host: "h1", match: ["rule=~disk/.*"] }); // [host=h1, rule=~disk/.*]
 */
export function matchersOf(opts: Pick<AddOptions, "host" | "service" | "rule" | "match">): Matcher[] {
  const matchers: Matcher[] = [];
  if (opts.host !== undefined) matchers.push({ name: "host", value: opts.host, isRegex: false, isEqual: true });
  if (opts.service !== undefined) matchers.push({ name: "service", value: opts.service, isRegex: false, isEqual: true });
  if (opts.rule !== undefined) matchers.push({ name: "rule", value: opts.rule, isRegex: false, isEqual: true });
  for (const m of opts.match) matchers.push(parseMatcher(m));
  if (matchers.length === 0) throw new AlertingInputError("matchers", "are required: give --host, --service, --rule or --match name=value");
  return matchers;
}

/** Registers `silence` (with `add`, `ls`, `expire`) on `program`. */
export function registerSilence(program: Command, exit: ExitCode): void {
  const silence = program.command("silence").description("mute alerts on a running Satellite: add, list and expire silences");

  withApiOptions(
    silence
      .command("add")
      .description("add a silence: alerts matching every matcher do not page until it ends")
      .option("--host <host>", "match alerts about this host")
      .option("--service <service>", "match alerts about this service")
      .option("--rule <rule>", "match alerts of this rule (<rules file>/<page name>)")
      .option("-m, --match <matcher>", "a matcher: name=value, name!=value, name=~regex or name!~regex (repeatable)", collect, [])
      .option("-d, --duration <duration>", "how long, e.g. 90m, 2h, 1d (or give --end)")
      .option("--start <time>", "when it starts, ISO 8601 (default: now)")
      .option("--end <time>", "when it ends, ISO 8601")
      .option("-c, --comment <text>", "why (required)")
      .option("--by <name>", "who (default: $USER)"),
  ).action((opts: AddOptions) =>
    run(exit, async () => {
      const matchers = matchersOf(opts);
      if (opts.comment === undefined || opts.comment.trim() === "") throw new AlertingInputError("--comment", "is required: say why");
      const created = await clientFor(opts).createSilence({
        matchers,
        comment: opts.comment,
        ...windowFields(opts),
      });
      if (opts.json === true) printJson({ silence: created });
      else cliIo.out(`silence ${created.id} ${created.state} until ${shortTime(created.endsAt)}: ${created.matchers.map(formatMatcher).join(" ")}\n`);
    }),
  );

  withApiOptions(
    silence
      .command("ls")
      .description("list silences (pending and active unless --state says otherwise)")
      .option("--state <states>", "comma-separated: pending, active, expired"),
  ).action((opts: ApiCommandOptions & { state?: string }) =>
    run(exit, async () => {
      const silences = await clientFor(opts).listSilences(opts.state);
      if (opts.json === true) {
        printJson({ silences });
        return;
      }
      const rows = [["ID", "STATE", "STARTS", "ENDS", "FOR", "BY", "MATCHERS", "COMMENT"]];
      for (const s of silences) {
        const length = (Date.parse(s.endsAt) - Date.parse(s.startsAt)) / 1000;
        rows.push([String(s.id), s.state, shortTime(s.startsAt), shortTime(s.endsAt), formatDuration(length), s.createdBy, s.matchers.map(formatMatcher).join(" "), s.comment]);
      }
      printTable(rows);
    }),
  );

  withApiOptions(silence.command("expire").description("end a silence now").argument("<id>", "the silence's id")).action((id: string, opts: ApiCommandOptions) =>
    run(exit, async () => {
      const expired = await clientFor(opts).expireSilence(parseId(id, "silence id"));
      if (opts.json === true) printJson({ silence: expired });
      else cliIo.out(`silence ${expired.id} expired at ${shortTime(expired.endsAt)}\n`);
    }),
  );
}
