/**
 * `satellite start`: everything on one machine with embedded defaults — the
 * collector for this host, the engine with the built-in rules and a
 * hot-reloaded user rules directory, alerting (PagerDuty when a routing key
 * is configured; otherwise pages are recorded and shown on the page), the
 * scheduler, the web page and HTTP API on 5001, the Riemann port on 5555,
 * and a data directory. Settings come from `satellite.config.ts` (if any),
 * flags override them. SIGINT/SIGTERM stop it cleanly; a second start
 * resumes from the data directory.
 */
import type { Command } from "commander";
import { loadConfig } from "../../config/load.ts";
import { resolveConfig, type ResolvedConfig } from "../../config/resolve.ts";
import { AppStartError } from "../app.ts";
import type { ExitCode } from "../main.ts";
import { logLine as log, untilSignal } from "../process.ts";
import { startSatellite } from "../satellite.ts";

/** Options of `start`, as commander parses them (undefined: not given, the config decides). */
interface StartOptions {
  readonly config?: string;
  readonly rules?: string;
  readonly builtin: boolean;
  readonly host?: string;
  readonly httpPort?: string;
  readonly riemannPort?: string;
  readonly dataDir?: string;
  readonly collector: boolean;
  readonly scheduler: boolean;
  readonly record?: string;
  readonly simulate?: string;
  readonly scenario: string;
  readonly seed: string;
}

function port(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new AppStartError(`${flag} must be an integer from 0 to 65535, got "${value}"`);
  return n;
}

/** The flags `start` and `control` share (undefined: not given, the config decides). */
export type ServerFlags = Pick<StartOptions, "rules" | "builtin" | "host" | "httpPort" | "riemannPort" | "dataDir">;

/**
 * The config file's settings with the flags that were given laid over them.
 *
 * @example
 * const settings = withFlags(loadConfig(undefined).config, { builtin: true, httpPort: "0" });
 */
export function withFlags(config: ResolvedConfig, opts: ServerFlags): ResolvedConfig {
  return resolveConfig(
    {
      dataDir: opts.dataDir ?? config.dataDir,
      server: {
        host: opts.host ?? config.server.host,
        httpPort: opts.httpPort === undefined ? config.server.httpPort : port(opts.httpPort, "--http-port"),
        riemannPort: opts.riemannPort === undefined ? config.server.riemannPort : port(opts.riemannPort, "--riemann-port"),
      },
      rules: { dir: opts.rules ?? config.rules.dir, builtin: opts.builtin && config.rules.builtin },
      kafka: { brokers: config.kafka.brokers },
      elasticsearch: { url: config.elasticsearch.url, kibanaUrl: config.elasticsearch.kibanaUrl, namespace: config.elasticsearch.namespace },
      ...config.parts,
    },
    process.env,
  );
}

/** Registers `start` on `program`. */
export function registerStart(program: Command, exit: ExitCode): void {
  program
    .command("start")
    .description("run all of Satellite on this machine: collector, engine and rules, alerting, scheduler, web page on :5001, Riemann port 5555")
    .option("-c, --config <file>", "settings file (default: ./satellite.config.ts when it exists)")
    .option("-r, --rules <dir>", "your rules directory, hot-reloaded on change (default: rules.d)")
    .option("--no-builtin", "do not load the built-in rule library")
    .option("--host <address>", "address the servers bind (default: 127.0.0.1)")
    .option("--http-port <port>", "web page, HTTP API and /metrics port; 0 = any free port (default: 5001)")
    .option("--riemann-port <port>", "Riemann protocol TCP and UDP port; 0 = any free port (default: 5555)")
    .option("-d, --data-dir <dir>", "where state is kept: alerts, outbox, scheduler, history (default: data)")
    .option("--no-collector", "do not run the collector and task executor for this host")
    .option("--no-scheduler", "do not run the scheduler")
    .option("--simulate <hosts>", "also run a simulated fleet of this many hosts in the process (see `satellite simulate`)")
    .option("--scenario <name>", "the simulated fleet's scenario (with --simulate)", "swap-storm")
    .option("--seed <n>", "the simulation's seed (with --simulate)", "1")
    .option("--record <dir>", "record the engine's input to rotating gzip trace files in <dir> (see `satellite replay`)")
    .addHelpText(
      "after",
      `
Environment: PAGERDUTY_ROUTING_KEY (pages go to PagerDuty; without it they are
recorded and shown on the page), PAGERDUTY_EVENTS_URL, SATELLITE_API_TOKEN
(bearer token for every change through the API), KAFKA_BROKERS,
ELASTICSEARCH_URL.`,
    )
    .action(async (opts: StartOptions) => {
      exit.code = await start(opts);
    });
}

async function start(opts: StartOptions): Promise<number> {
  let sat;
  try {
    const { config, file } = loadConfig(opts.config);
    if (file !== undefined) log(`settings from ${file}`);
    const settings = withFlags(config, opts);
    const simulate = opts.simulate === undefined ? undefined : { hosts: Number(opts.simulate), scenario: opts.scenario, seed: Number(opts.seed) };
    sat = await startSatellite(settings, { log, collector: opts.collector, scheduler: opts.scheduler, recordDir: opts.record, simulate });
    log(`data directory: ${settings.dataDir}`);
    log(sat.alerting.paging ? "pages go to PagerDuty (PAGERDUTY_ROUTING_KEY is set)" : "no PAGERDUTY_ROUTING_KEY: pages are recorded and shown on the page, not sent");
  } catch (err) {
    process.stderr.write(`satellite: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  log(`ready: open ${sat.url} (Ctrl-C stops)`);
  const signal = await untilSignal();
  log(`${signal}: stopping`);
  await sat.close();
  log("stopped; state is in the data directory for the next start");
  return 0;
}
