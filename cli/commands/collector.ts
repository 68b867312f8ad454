/**
 * `satellite collector`: the agent for one host. It samples the default
 * probes every `--interval` seconds, sends a heartbeat every 10 s, runs
 * Satellite's default checks (and yours from `--checks FILE`), and ships
 * everything to Kafka, to one or more engines over the Riemann protocol
 * (every batch to each), and/or to an engine's HTTP API, buffering on disk
 * while a destination is down. `--dry-run` prints the events as JSON lines
 * on stdout instead (log lines then go to stderr); `--once` does one round
 * and exits. With `--scheduler URL` it is also the host's task agent: it
 * heartbeats to that scheduler (`satellite start` or `satellite control`),
 * runs the tasks placed on this host, and ships their task events with the
 * other events.
 */
import os from "node:os";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { openCollector, type OpenCollector } from "../../collector/collector.ts";
import { httpSchedulerClient, startExecutorAgent, type ExecutorAgent } from "../../collector/executor/index.ts";
import { resolveCollectorOptions, type CollectorOptions } from "../../collector/options.ts";
import { RealClock } from "../../streams/clock.ts";
import type { ExitCode } from "../main.ts";
import { logLine, untilSignal } from "../process.ts";
import { collect, numberFlag } from "../flags.ts";

/** Options of `collector`, as commander parses them. */
interface CollectorFlags {
  readonly interval?: string;
  readonly host?: string;
  readonly kafka?: string;
  readonly kafkaTopic?: string;
  readonly kafkaTasksTopic?: string;
  readonly riemann: string[];
  readonly http?: string;
  readonly token?: string;
  readonly bufferDir?: string;
  readonly bufferMaxMb?: string;
  readonly checks?: string;
  readonly defaultChecks: boolean;
  readonly diskPath: string[];
  readonly mustExist: string[];
  readonly dryRun?: boolean;
  readonly once?: boolean;
  readonly scheduler?: string;
}

/** The bearer token for `--http` and `--scheduler`: `--token`, else `SATELLITE_API_TOKEN`; empty means none. */
function tokenOf(flags: CollectorFlags): string | undefined {
  const token = flags.token ?? process.env.SATELLITE_API_TOKEN;
  return token === "" ? undefined : token;
}

/** The flags as `CollectorOptions` (validated by `resolveCollectorOptions`), with `KAFKA_BROKERS` and `SATELLITE_API_TOKEN` from the environment. */
function optionsOf(flags: CollectorFlags): CollectorOptions {
  const brokersText = flags.kafka ?? (flags.riemann.length === 0 && flags.http === undefined ? process.env.KAFKA_BROKERS : undefined);
  const brokers = (brokersText ?? "")
    .split(",")
    .map((b) => b.trim())
    .filter((b) => b !== "");
  let checks: unknown;
  if (flags.checks !== undefined) {
    try {
      checks = JSON.parse(readFileSync(flags.checks, "utf8"));
    } catch (err) {
      throw new Error(`--checks ${flags.checks}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  const maxMb = numberFlag(flags.bufferMaxMb, "--buffer-max-mb");
  const token = tokenOf(flags);
  return {
    host: flags.host,
    intervalSeconds: numberFlag(flags.interval, "--interval"),
    defaultChecks: flags.defaultChecks ? { diskPaths: flags.diskPath.length > 0 ? flags.diskPath : undefined, mustExist: flags.mustExist } : false,
    checks: checks as CollectorOptions["checks"],
    kafka: brokers.length > 0 || flags.kafka !== undefined ? { brokers, topic: flags.kafkaTopic, tasksTopic: flags.kafkaTasksTopic } : undefined,
    riemann: flags.riemann,
    http: flags.http === undefined ? undefined : { url: flags.http, token },
    bufferDir: flags.bufferDir,
    bufferMaxBytes: maxMb === undefined ? undefined : Math.round(maxMb * 1024 * 1024),
  };
}

/**
 * Registers `collector` on `program`.
 *
 * @example
 * registerCollector(program, exit); // in cli/main.ts's buildProgram
 */
export function registerCollector(program: Command, exit: ExitCode): void {
  program
    .command("collector")
    .description("collect this host's metrics, heartbeat and checks and ship them to the engines (Kafka, Riemann protocol, HTTP)")
    .option("-i, --interval <seconds>", "seconds between two samples of the probes", "10")
    .option("--host <name>", "host name on every event (default: this machine's hostname)")
    .option("--kafka <brokers>", "ship to Kafka: bootstrap brokers host:port[,host:port...] (default: $KAFKA_BROKERS when no other destination is given)")
    .option("--kafka-topic <topic>", "Kafka topic of events (default: satellite.events)")
    .option("--kafka-tasks-topic <topic>", "Kafka topic of task events, with --scheduler (default: satellite.tasks)")
    .option("--riemann <host:port>", "ship to this engine's Riemann port; repeat for several engines (each gets every event)", collect, [])
    .option("--http <url>", "ship to an engine's HTTP API, e.g. http://127.0.0.1:5001")
    .option("--token <token>", "bearer token for --http (default: $SATELLITE_API_TOKEN)")
    .option("--buffer-dir <dir>", "where unsent events wait while a destination is down (one subdirectory each)", "data/collector-buffer")
    .option("--buffer-max-mb <mb>", "bound of each destination's buffer, MiB (oldest dropped beyond)", "64")
    .option("--checks <file>", "a JSON array of command checks to run besides the default ones")
    .option("--no-default-checks", "do not run Satellite's default checks")
    .option("--disk-path <path>", "path whose filesystem's use the default checks watch; repeatable (default: /)", collect, [])
    .option("--must-exist <path>", "path that must exist (a default check each); repeatable", collect, [])
    .option("--scheduler <url>", "also run the tasks this Satellite's scheduler places on this host, e.g. http://control:5001 (token: --token)")
    .option("--dry-run", "print events as JSON lines on stdout instead of sending them")
    .option("--once", "one round (heartbeat, probes, checks), then exit")
    .addHelpText(
      "after",
      `
Examples:
  npx satellite collector --dry-run --once             # what this host would send
  npx satellite collector --riemann 10.0.0.5:5555 --riemann 10.0.0.6:5555
  npx satellite collector --kafka kafka1:9092,kafka2:9092 --disk-path / --disk-path /var
  SATELLITE_API_TOKEN=... npx satellite collector --http http://satellite:5001
  npx satellite collector --kafka kafka1:9092 --scheduler http://control:5001   # and run tasks

A check file holds [{"name": "disk writable", "command": "touch", "args": ["/var/tmp/.w"],
"intervalSeconds": 30, "timeoutSeconds": 5}, ...]; "schedule": "0 */5 * * * *" (node-cron)
instead of intervalSeconds; "output": "json-lines" to print events. Exit 0 ok, 1 warning,
2 or anything else critical; a timeout or crash is critical.`,
    )
    .action(async (flags: CollectorFlags) => {
      exit.code = await collector(flags);
    });
}

async function collector(flags: CollectorFlags): Promise<number> {
  const dryRun = flags.dryRun === true;
  // In a dry run stdout carries the events; log lines go to stderr.
  const log = dryRun ? (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`) : logLine;
  let running: OpenCollector;
  let bufferDir: string;
  let host: string;
  const clock = new RealClock();
  try {
    const options = resolveCollectorOptions(optionsOf(flags), "collector");
    bufferDir = options.bufferDir;
    host = options.host;
    if (!dryRun && options.kafka === undefined && options.riemann.length === 0 && options.http === undefined) {
      throw new Error("nowhere to send: give --kafka BROKERS, --riemann HOST:PORT or --http URL (or --dry-run)");
    }
    if (flags.scheduler !== undefined && (dryRun || flags.once === true)) throw new Error("--scheduler runs tasks, so it needs a running collector that sends (not --dry-run or --once)");
    if (flags.scheduler !== undefined && !/^https?:\/\/[^\s]+$/.test(flags.scheduler)) throw new Error(`--scheduler must be an http(s) URL, got "${flags.scheduler}"`);
    running = await openCollector({ options, clock, dryRun: dryRun ? process.stdout : undefined, log });
  } catch (err) {
    process.stderr.write(`satellite: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const { agent, shipping } = running;
  if (flags.once === true) {
    await agent.once();
    await shipping?.idle();
    const stats = shipping?.stats.total;
    await running.close();
    if (stats !== undefined && (stats.bufferedNow > 0 || stats.pending > 0)) {
      log(`${stats.bufferedNow + stats.pending} events could not be sent now; they wait in ${bufferDir} for the next run`);
      return 1;
    }
    return 0;
  }
  agent.start();
  const executor = flags.scheduler === undefined || shipping === undefined ? undefined : startTaskAgent(flags.scheduler, tokenOf(flags), { host, clock, shipping, log });
  const to = shipping === undefined ? "stdout (dry run)" : shipping.shippers.map((s) => s.name).join(", ");
  log(`collector on ${agent.stats.probes.size} probes and ${agent.stats.checks.size} checks every ${agent.intervalSeconds} s, shipping to ${to}.${executor === undefined ? "" : ` Running tasks for ${flags.scheduler ?? ""}.`} Ctrl-C stops.`);
  const signal = await untilSignal();
  log(`${signal}: stopping`);
  // The executor first: its tasks are killed and their last events handed to the shipping before it closes.
  await executor?.stop();
  await running.close();
  if (shipping !== undefined) {
    const t = shipping.stats.total;
    log(`stopped: sent ${t.sent}, buffered ${t.buffered} (${t.bufferedNow} still waiting in ${bufferDir}), dropped ${t.dropped}, retries ${t.retries}`);
  }
  return 0;
}

/** The host's task agent: heartbeats to `--scheduler`, runs what it is given, ships task events with the other events. */
function startTaskAgent(url: string, token: string | undefined, on: { host: string; clock: RealClock; shipping: NonNullable<OpenCollector["shipping"]>; log: (line: string) => void }): ExecutorAgent {
  const { shipping, log } = on;
  return startExecutorAgent({
    host: on.host,
    scheduler: httpSchedulerClient({ url, token }),
    clock: on.clock,
    publish: {
      publish: (_topic, events) => {
        shipping.push(events);
        return Promise.resolve();
      },
    },
    workDir: os.tmpdir(),
    onError: (err) => log(`task agent: ${err instanceof Error ? err.message : String(err)}`),
  });
}
