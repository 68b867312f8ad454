/**
 * `satellite alerts ls|show|resolve`: the alerts of a running Satellite over
 * its HTTP API (`--api`, default http://127.0.0.1:5001; the bearer token for
 * `resolve` comes from SATELLITE_API_TOKEN): list them with filters, show one
 * with its history (pages, resolves, mutes, delivery attempts), or resolve
 * one by hand.
 */
import type { Command } from "commander";
import type { AlertView } from "../../alerting/alerting.ts";
import { cliIo, clientFor, parseId, printJson, printTable, run, shortTime, withApiOptions, type ApiCommandOptions } from "../../alerting/cli-support.ts";
import { AlertingInputError } from "../../alerting/errors.ts";
import type { ExitCode } from "../main.ts";

/** Options of `alerts ls`, as commander parses them. */
interface ListOptions extends ApiCommandOptions {
  readonly state?: string;
  readonly rule?: string;
  readonly host?: string;
  readonly since?: string;
  readonly limit?: string;
}

function stateOf(a: AlertView): string {
  if (a.state === "firing" && a.resolving) return "firing (resolving)";
  if (a.state === "firing" && a.muted) return "firing (muted)";
  return a.state;
}

/** Registers `alerts` (with `ls`, `show`, `resolve`) on `program`. */
export function registerAlerts(program: Command, exit: ExitCode): void {
  const alerts = program.command("alerts").description("the alerts of a running Satellite: list, show with history, resolve by hand");

  withApiOptions(
    alerts
      .command("ls")
      .description("list alerts, firing first")
      .option("--state <states>", "comma-separated: pending, firing, resolved, active (= pending,firing)")
      .option("--rule <rule>", "a rule (<file>/<name>) or a whole rules file")
      .option("--host <host>", "alerts about this host")
      .option("--since <when>", "alerts active since: a duration back (1h, 2d) or an ISO 8601 time")
      .option("--limit <n>", "at most this many"),
  ).action((opts: ListOptions) =>
    run(exit, async () => {
      const list = await clientFor(opts).listAlerts({ state: opts.state, rule: opts.rule, host: opts.host, since: opts.since, limit: opts.limit });
      if (opts.json === true) {
        printJson({ alerts: list });
        return;
      }
      const rows = [["ID", "STATE", "SEVERITY", "SINCE", "RULE", "SUBJECT", "SUMMARY"]];
      for (const a of list) rows.push([String(a.id), stateOf(a), a.severity, shortTime(a.state === "resolved" ? a.resolvedAt : (a.firingSince ?? a.startsAt)), a.rule, a.subject, a.summary]);
      printTable(rows);
    }),
  );

  withApiOptions(alerts.command("show").description("one alert with its history").argument("<id>", "the alert's id")).action((id: string, opts: ApiCommandOptions) =>
    run(exit, async () => {
      const a = await clientFor(opts).getAlert(parseId(id, "alert id"));
      if (opts.json === true) {
        printJson({ alert: a });
        return;
      }
      cliIo.out(`alert ${a.id} ${stateOf(a)} ${a.severity}: ${a.summary}\n`);
      cliIo.out(`  rule ${a.rule}, subject ${a.subject}, episode ${a.episode}, dedup key ${a.dedupKey}, routing ${a.routing}${a.group === null ? "" : `, grouped by rule`}\n`);
      const rows = [["TIME", "EVENT", "DETAIL"]];
      for (const h of a.history ?? []) {
        const what = [h.kind, h.action, h.outcome].filter((x) => x !== null).join(" ");
        rows.push([shortTime(h.time), what, h.detail === null ? "" : JSON.stringify(h.detail)]);
      }
      printTable(rows);
    }),
  );

  withApiOptions(
    alerts
      .command("resolve")
      .description("resolve an alert by hand (sends its resolve if it was paged; the rule may page it again)")
      .argument("<id>", "the alert's id")
      .option("--by <name>", "who (default: $USER)")
      .option("-c, --comment <text>", "why"),
  ).action((id: string, opts: ApiCommandOptions & { by?: string; comment?: string }) =>
    run(exit, async () => {
      const by = opts.by ?? process.env.USER;
      if (by === undefined || by === "") throw new AlertingInputError("--by", "is required (no $USER to default to)");
      const a = await clientFor(opts).resolveAlert(parseId(id, "alert id"), by, opts.comment);
      if (opts.json === true) printJson({ alert: a });
      else cliIo.out(`alert ${a.id} resolved\n`);
    }),
  );
}
