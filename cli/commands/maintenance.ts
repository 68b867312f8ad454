/**
 * `satellite maintenance start|ls|end`: put a host in maintenance on a
 * running Satellite over its HTTP API (`--api`, default
 * http://127.0.0.1:5001; token from SATELLITE_API_TOKEN). A host in
 * maintenance does not page for alerts about it (cluster-wide alerts still
 * page); alerts paged before still resolve, and ones still firing when the
 * window ends are paged then.
 */
import type { Command } from "commander";
import { cliIo, clientFor, parseId, windowFields, printJson, printTable, run, shortTime, withApiOptions, type ApiCommandOptions } from "../../alerting/cli-support.ts";
import { AlertingInputError } from "../../alerting/errors.ts";
import type { ExitCode } from "../main.ts";

/** Options of `maintenance start`, as commander parses them. */
interface StartOptions extends ApiCommandOptions {
  readonly duration?: string;
  readonly start?: string;
  readonly end?: string;
  readonly reason?: string;
  readonly by?: string;
}

/** Registers `maintenance` (with `start`, `ls`, `end`) on `program`. */
export function registerMaintenance(program: Command, exit: ExitCode): void {
  const maintenance = program.command("maintenance").description("put hosts in maintenance on a running Satellite: their alerts do not page");

  withApiOptions(
    maintenance
      .command("start")
      .description("start a maintenance window for a host")
      .argument("<host>", "the host")
      .option("-d, --duration <duration>", "how long, e.g. 90m, 2h (or give --end)")
      .option("--start <time>", "when it starts, ISO 8601 (default: now)")
      .option("--end <time>", "when it ends, ISO 8601")
      .option("-r, --reason <text>", "why (required)")
      .option("--by <name>", "who (default: $USER)"),
  ).action((host: string, opts: StartOptions) =>
    run(exit, async () => {
      if (opts.reason === undefined || opts.reason.trim() === "") throw new AlertingInputError("--reason", "is required: say why");
      const m = await clientFor(opts).startMaintenance({
        host,
        reason: opts.reason,
        ...windowFields(opts),
      });
      if (opts.json === true) printJson({ maintenance: m });
      else cliIo.out(`maintenance ${m.id} for ${m.host} ${m.state} until ${shortTime(m.endsAt)}\n`);
    }),
  );

  withApiOptions(
    maintenance
      .command("ls")
      .description("list maintenance windows (pending and active unless --state says otherwise)")
      .option("--host <host>", "only this host")
      .option("--state <states>", "comma-separated: pending, active, expired"),
  ).action((opts: ApiCommandOptions & { host?: string; state?: string }) =>
    run(exit, async () => {
      const list = await clientFor(opts).listMaintenance({ host: opts.host, state: opts.state });
      if (opts.json === true) {
        printJson({ maintenance: list });
        return;
      }
      const rows = [["ID", "HOST", "STATE", "STARTS", "ENDS", "BY", "REASON"]];
      for (const m of list) rows.push([String(m.id), m.host, m.state, shortTime(m.startsAt), shortTime(m.endsAt), m.createdBy, m.reason]);
      printTable(rows);
    }),
  );

  withApiOptions(maintenance.command("end").description("end a maintenance window now").argument("<id>", "the window's id")).action((id: string, opts: ApiCommandOptions) =>
    run(exit, async () => {
      const m = await clientFor(opts).endMaintenance(parseId(id, "maintenance id"));
      if (opts.json === true) printJson({ maintenance: m });
      else cliIo.out(`maintenance ${m.id} for ${m.host} ended at ${shortTime(m.endsAt)}\n`);
    }),
  );
}
