/**
 * `satellite control --kafka BROKERS`: the one process beside the engines
 * (`satellite engine`) that acts on what they decide. It reads the engines'
 * pages, resolves and host actions from `satellite.intents` and runs
 * alerting (PagerDuty through the durable outbox, silences, maintenance,
 * history), the scheduler with host health (task agents heartbeat to its
 * API), the web page, the HTTP API and /metrics, and the
 * Riemann query port on a fleet view read from `satellite.events`. It runs
 * no rules. Settings come from `satellite.config.ts` as for `start`; state
 * is in its data directory. docs/scale-out.md has the design.
 */
import type { Command } from "commander";
import { DEFAULT_TOPICS } from "../../bus/kafka-options.ts";
import { DEFAULT_CONTROL_GROUP } from "../../cluster/intent-consumer.ts";
import { DEFAULT_INTENTS_TOPIC } from "../../cluster/intent-publisher.ts";
import { missingTopics } from "../../cluster/kafka-transport.ts";
import { loadConfig } from "../../config/load.ts";
import { AppStartError } from "../app.ts";
import { brokersFlag, secondsFlag, topicFlag } from "../kafka-flags.ts";
import type { ExitCode } from "../main.ts";
import { logLine as log, untilSignal } from "../process.ts";
import { startSatellite, type Satellite } from "../satellite.ts";
import { withFlags } from "./start.ts";

/** Options of `control`, as commander parses them. */
interface ControlOptions {
  readonly config?: string;
  readonly kafka?: string;
  readonly host?: string;
  readonly httpPort?: string;
  readonly riemannPort?: string;
  readonly dataDir?: string;
  readonly scheduler: boolean;
  readonly group: string;
  readonly intentsTopic: string;
  readonly eventsTopic: string;
  readonly tasksTopic: string;
  readonly dlqTopic: string;
  readonly sessionTimeout: string;
}

/** Registers `control` on `program`. */
export function registerControl(program: Command, exit: ExitCode): void {
  program
    .command("control")
    .description("at scale, beside the engines: alerting and PagerDuty, the scheduler, the web page on :5001, acting on the engines' intents from Kafka")
    .option("--kafka <brokers>", "Kafka bootstrap brokers, host:port[,host:port...] (default: the config's kafka.brokers, else $KAFKA_BROKERS)")
    .option("-c, --config <file>", "settings file (default: ./satellite.config.ts when it exists)")
    .option("--host <address>", "address the servers bind (default: 127.0.0.1)")
    .option("--http-port <port>", "web page, HTTP API and /metrics port; 0 = any free port (default: 5001)")
    .option("--riemann-port <port>", "Riemann protocol port, for queries on the fleet view; 0 = any free port (default: 5555)")
    .option("-d, --data-dir <dir>", "where state is kept: alerts, outbox, scheduler, history (default: data)")
    .option("--no-scheduler", "do not run the scheduler (host actions are then only logged)")
    .option("--group <group>", "consumer group of the intents (the fleet view uses <group>-events and <group>-tasks)", DEFAULT_CONTROL_GROUP)
    .option("--intents-topic <topic>", "topic the engines send pages, resolves and host actions to", DEFAULT_INTENTS_TOPIC)
    .option("--events-topic <topic>", "topic of host events (for the fleet view)", DEFAULT_TOPICS.events)
    .option("--tasks-topic <topic>", "topic of task events (for the fleet view)", DEFAULT_TOPICS.tasks)
    .option("--dlq-topic <topic>", "dead-letter topic for malformed messages", DEFAULT_TOPICS.dlq)
    .option("--session-timeout <ms>", "consumer group session timeout", "10000")
    .addHelpText(
      "after",
      `
Run one control process per cluster, and the engines and collectors beside it:

  KAFKA_BROKERS=kafka1:9092 npx satellite control --data-dir /var/lib/satellite
  KAFKA_BROKERS=kafka1:9092 npx satellite engine --engine-id engine-a
  npx satellite collector --kafka kafka1:9092          # on every host

Environment: PAGERDUTY_ROUTING_KEY, PAGERDUTY_EVENTS_URL, SATELLITE_API_TOKEN,
KAFKA_BROKERS, ELASTICSEARCH_URL. See docs/scale-out.md.`,
    )
    .action(async (opts: ControlOptions) => {
      exit.code = await control(opts);
    });
}

async function control(opts: ControlOptions): Promise<number> {
  let sat: Satellite;
  try {
    const { config, file } = loadConfig(opts.config);
    if (file !== undefined) log(`settings from ${file}`);
    const settings = withFlags(config, { ...opts, builtin: true, rules: undefined });
    // The config's kafka.brokers already falls back to $KAFKA_BROKERS; empty → brokersFlag says what is missing.
    const brokers = brokersFlag(opts.kafka ?? settings.kafka.brokers.join(","));
    const topics = {
      intents: topicFlag(opts.intentsTopic, "--intents-topic"),
      events: topicFlag(opts.eventsTopic, "--events-topic"),
      tasks: topicFlag(opts.tasksTopic, "--tasks-topic"),
      dlq: topicFlag(opts.dlqTopic, "--dlq-topic"),
    };
    if (opts.group.length === 0) throw new AppStartError("--group must not be empty");
    const sessionTimeoutMs = secondsFlag(opts.sessionTimeout, "--session-timeout", 1000);
    let missing: string[];
    try {
      missing = await missingTopics(brokers, [topics.intents, topics.events, topics.tasks], (level, message) => log(`kafka ${level}: ${message}`));
    } catch (err) {
      throw new AppStartError(`cannot reach Kafka at ${brokers.join(",")}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (missing.length > 0) throw new AppStartError(`Kafka has no topic ${missing.join(", ")}: create ${missing.length === 1 ? "it" : "them"} first; see docs/scale-out.md`);
    sat = await startSatellite(settings, { log, collector: false, scheduler: opts.scheduler, kafka: { brokers, topics, group: opts.group, sessionTimeoutMs } });
    log(`data directory: ${settings.dataDir}`);
    log(sat.alerting.paging ? "pages go to PagerDuty (PAGERDUTY_ROUTING_KEY is set)" : "no PAGERDUTY_ROUTING_KEY: pages are recorded and shown on the page, not sent");
  } catch (err) {
    process.stderr.write(`satellite: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  log(`control ready: acting on ${sat.control?.intents.topic ?? "?"} in group ${sat.control?.intents.group ?? "?"}; open ${sat.url} (Ctrl-C stops)`);
  const signal = await untilSignal();
  log(`${signal}: stopping`);
  await sat.close();
  log("stopped; state is in the data directory for the next start");
  return 0;
}
