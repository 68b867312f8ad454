/**
 * `satellite dashboards install` and `satellite dashboards export DIR`:
 * install Satellite's Elasticsearch index templates and Kibana dashboards
 * (data views, Lens visualizations, four dashboards) into a cluster, or
 * write them to files. docs/elasticsearch.md describes what is installed.
 */
import type { Command } from "commander";
import { createElasticsearchClient } from "../../dashboards/es/client.ts";
import { exportDashboards, installDashboards } from "../../dashboards/install.ts";
import type { ExitCode } from "../main.ts";

/** Options of `dashboards install`, as commander parses them. */
interface InstallFlags {
  readonly es?: string;
  readonly kibana?: string;
  readonly apiKey?: string;
  readonly user?: string;
  readonly space?: string;
  readonly rollover?: boolean;
  readonly timeout: string;
}

function credentials(flags: InstallFlags): { apiKey?: string; username?: string; password?: string } {
  const apiKey = flags.apiKey ?? process.env.ELASTICSEARCH_API_KEY;
  if (apiKey !== undefined && apiKey !== "") return { apiKey };
  if (flags.user !== undefined) {
    const colon = flags.user.indexOf(":");
    if (colon < 0) throw new UsageError(`--user must be user:password, got "${flags.user}"`);
    return { username: flags.user.slice(0, colon), password: flags.user.slice(colon + 1) };
  }
  return {};
}

class UsageError extends Error {}

function httpUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${flag} must be an http(s) URL, got "${value}"`);
  return value;
}

/** Redacts user:password in a URL for log lines. */
function shown(url: string): string {
  const u = new URL(url);
  if (u.password !== "") u.password = "***";
  return u.toString().replace(/\/$/, "");
}

async function install(flags: InstallFlags): Promise<number> {
  const esUrl = flags.es ?? process.env.ELASTICSEARCH_URL;
  const kibanaUrl = flags.kibana ?? process.env.KIBANA_URL;
  let auth: ReturnType<typeof credentials>;
  const timeout = Number(flags.timeout);
  try {
    if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got "${flags.timeout}"`);
    if ((esUrl === undefined || esUrl === "") && (kibanaUrl === undefined || kibanaUrl === "")) {
      throw new UsageError("give --es URL and/or --kibana URL (or set ELASTICSEARCH_URL / KIBANA_URL)");
    }
    if (esUrl) httpUrl("--es", esUrl);
    if (kibanaUrl) httpUrl("--kibana", kibanaUrl);
    auth = credentials(flags);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`satellite dashboards install: ${err.message}\n`);
    return 2;
  }
  const log = (line: string): void => {
    (line.startsWith("error:") ? process.stderr : process.stdout).write(`${line}\n`);
  };
  const client = esUrl ? createElasticsearchClient({ node: esUrl, ...auth, requestTimeoutSeconds: timeout }) : undefined;
  if (!esUrl) log("skipping Elasticsearch: no --es or ELASTICSEARCH_URL");
  if (!kibanaUrl) log("skipping Kibana: no --kibana or KIBANA_URL");
  try {
    const report = await installDashboards({
      elasticsearch: client && esUrl ? { client, url: shown(esUrl) } : undefined,
      kibana: kibanaUrl ? { url: kibanaUrl, ...auth, space: flags.space, timeoutSeconds: timeout } : undefined,
      rollover: flags.rollover === true,
      log,
    });
    log(report.ok ? "done" : `failed: ${report.failures.length + report.importErrors.length} problem(s), see above`);
    return report.ok ? 0 : 1;
  } finally {
    await client?.close();
  }
}

/**
 * Registers `dashboards install` and `dashboards export` on `program`.
 *
 * @example
 * registerDashboards(program, exit); // adds `satellite dashboards install` and `satellite dashboards export`
 */
export function registerDashboards(program: Command, exit: ExitCode): void {
  const dashboards = program.command("dashboards").description("install or export Satellite's Elasticsearch index templates and Kibana dashboards");
  dashboards
    .command("install")
    .description("install the index templates into Elasticsearch and import the dashboards into Kibana")
    .option("--es <url>", "Elasticsearch URL (default: $ELASTICSEARCH_URL)")
    .option("--kibana <url>", "Kibana URL (default: $KIBANA_URL)")
    .option("--api-key <key>", "API key for Elasticsearch and Kibana (default: $ELASTICSEARCH_API_KEY)")
    .option("--user <user:password>", "basic authentication for Elasticsearch and Kibana")
    .option("--space <space>", "Kibana space to import into (default: the default space)")
    .option("--rollover", "roll over Satellite data streams created from older or other templates, so the new mappings apply now")
    .option("--timeout <seconds>", "timeout of each request", "30")
    .addHelpText(
      "after",
      `
Installs component templates satellite-*, index templates satellite-metrics,
-events, -alerts, -hosts, -tasks (priority 550) for the data streams
metrics-satellite.host-*, logs-satellite.{events,alerts,hosts,tasks}-*, and
imports data views and four dashboards into Kibana with overwrite (stable ids:
running it again updates them). Either side may be left out.

  ELASTICSEARCH_URL=http://localhost:9200 KIBANA_URL=http://localhost:5601 npx satellite dashboards install

Exit code 0 when everything was installed, 1 when something failed (each
failure is printed), 2 on a usage error.`,
    )
    .action(async (flags: InstallFlags) => {
      exit.code = await install(flags);
    });
  dashboards
    .command("export")
    .description("write the index templates (JSON) and the Kibana saved objects (NDJSON) to a directory")
    .argument("<dir>", "directory to write (created if missing)")
    .action(async (dir: string) => {
      const files = await exportDashboards(dir);
      for (const f of files) process.stdout.write(`${f}\n`);
      exit.code = 0;
    });
}
