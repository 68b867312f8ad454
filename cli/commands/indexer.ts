/**
 * `satellite indexer --kafka BROKERS --elasticsearch URL`: indexing as its
 * own consumer group. It consumes `satellite.events` and `satellite.tasks`
 * in the group `satellite-indexer` (any number of indexers share the
 * partitions) and bulk-indexes every event into Elasticsearch, committing a
 * batch's offsets only after its documents are stored — so an Elasticsearch
 * outage holds back this group only, while the engines (their own group,
 * without `--elasticsearch`) keep alerting on the same topics. This is the
 * layout to run at scale: monitoring must not stop because the dashboards'
 * store is down. Malformed messages go to the DLQ as in the engine.
 */
import type { Command } from "commander";
import { KafkaBus } from "../../bus/kafka.ts";
import { DEFAULT_TOPICS, type KafkaLog } from "../../bus/kafka-options.ts";
import { missingTopics, type TransportLog } from "../../cluster/kafka-transport.ts";
import { RealClock } from "../../streams/clock.ts";
import { AppStartError } from "../app.ts";
import { brokersFlag, heartbeatOf, secondsFlag, topicFlag } from "../kafka-flags.ts";
import type { ExitCode } from "../main.ts";
import { elasticsearchCredentialsFromEnv, startElasticsearch, type ElasticsearchPart } from "../parts/elasticsearch.ts";
import { logLine as log, untilSignal } from "../process.ts";

/** The indexers' consumer group (tasks use `<group>-tasks`). */
export const DEFAULT_INDEXER_GROUP = "satellite-indexer";

/** Options of `indexer`, as commander parses them. */
interface IndexerOptions {
  readonly kafka?: string;
  readonly elasticsearch?: string;
  readonly group: string;
  readonly eventsTopic: string;
  readonly tasksTopic: string;
  readonly dlqTopic: string;
  readonly sessionTimeout: string;
  readonly esNamespace: string;
  readonly esTemplates: boolean;
}

/** Registers `indexer` on `program`. */
export function registerIndexer(program: Command, exit: ExitCode): void {
  program
    .command("indexer")
    .description("bulk-index the events on Kafka into Elasticsearch in a consumer group of its own, so an Elasticsearch outage never holds the engines back")
    .option("--kafka <brokers>", "Kafka bootstrap brokers, host:port[,host:port...] (default: $KAFKA_BROKERS)")
    .option("--elasticsearch <url>", "Elasticsearch URL (default: $ELASTICSEARCH_URL; API key from $ELASTICSEARCH_API_KEY)")
    .option("--group <group>", "consumer group of the indexers (tasks use <group>-tasks)", DEFAULT_INDEXER_GROUP)
    .option("--events-topic <topic>", "topic of host events", DEFAULT_TOPICS.events)
    .option("--tasks-topic <topic>", "topic of task events", DEFAULT_TOPICS.tasks)
    .option("--dlq-topic <topic>", "dead-letter topic for malformed messages", DEFAULT_TOPICS.dlq)
    .option("--session-timeout <ms>", "consumer group session timeout: how soon a dead indexer's partitions move", "10000")
    .option("--es-namespace <namespace>", "data stream namespace of the documents", "default")
    .option("--no-es-templates", "do not install the index templates before the first document (templates managed elsewhere)")
    .action(async (opts: IndexerOptions) => {
      exit.code = await indexer(opts);
    });
}

async function indexer(opts: IndexerOptions): Promise<number> {
  let brokers: string[];
  let topics: { events: string; tasks: string; dlq: string };
  let sessionTimeoutMs: number;
  let url: string;
  try {
    brokers = brokersFlag(opts.kafka);
    topics = { events: topicFlag(opts.eventsTopic, "--events-topic"), tasks: topicFlag(opts.tasksTopic, "--tasks-topic"), dlq: topicFlag(opts.dlqTopic, "--dlq-topic") };
    sessionTimeoutMs = secondsFlag(opts.sessionTimeout, "--session-timeout", 1000);
    if (opts.group.length === 0) throw new AppStartError("--group must not be empty");
    url = (opts.elasticsearch ?? process.env.ELASTICSEARCH_URL ?? "").trim();
    if (url === "") throw new AppStartError("--elasticsearch URL (or the ELASTICSEARCH_URL environment variable) is required");
  } catch (err) {
    process.stderr.write(`satellite: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const clock = new RealClock();
  const busLog: KafkaLog = (level, message, fields) => log(`kafka ${level}: ${message} ${JSON.stringify(fields)}`);
  const transportLog: TransportLog = (level, message) => log(`kafka ${level}: ${message}`);
  let es: ElasticsearchPart | undefined;
  let bus: KafkaBus | undefined;
  const shutdown = async (): Promise<void> => {
    // A batch held back by an unreachable Elasticsearch would keep bus.close() waiting: closeBus gives up
    // on its documents after the deadline (the batch is then not committed and is consumed again later).
    const output = es;
    const closing = bus;
    if (closing !== undefined) await (output === undefined ? closing.close() : output.closeBus(() => closing.close()));
    await output?.close();
  };
  try {
    let missing: string[];
    try {
      missing = await missingTopics(brokers, [topics.events, topics.tasks], transportLog);
    } catch (err) {
      throw new AppStartError(`cannot reach Kafka at ${brokers.join(",")}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (missing.length > 0) throw new AppStartError(`Kafka has no topic ${missing.join(", ")}: create ${missing.length === 1 ? "it" : "them"} first; see docs/scale-out.md`);
    try {
      es = startElasticsearch({ url, namespace: opts.esNamespace, clock, log, options: { ...elasticsearchCredentialsFromEnv(process.env), installTemplates: opts.esTemplates } });
    } catch (err) {
      throw new AppStartError(`--elasticsearch: ${err instanceof Error ? err.message : String(err)}`);
    }
    const output = es;
    bus = new KafkaBus({
      brokers,
      clientId: `satellite-indexer-${process.pid}`,
      topics,
      groups: { events: opts.group, tasks: `${opts.group}-tasks` },
      consumer: { sessionTimeoutMs, heartbeatIntervalMs: heartbeatOf(sessionTimeoutMs) },
      log: busLog,
    });
    // writeBatch validates (invalid events are counted, not indexed) and resolves once the documents are stored:
    // the bus commits the batch's offsets only then.
    // The engines' group sets malformed messages aside; the indexers only count them (no second dead letter).
    for (const topic of ["events", "tasks"] as const) await bus.subscribe(topic, (events) => output.writeBatch(events), { deadLetterMalformed: false });
  } catch (err) {
    await shutdown().catch(() => undefined);
    process.stderr.write(`satellite: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  // The Elasticsearch part has logged where it indexes (without credentials).
  log(`indexer ready: ${topics.events} and ${topics.tasks} in group ${opts.group}; offsets are committed after each flush. Ctrl-C stops.`);
  const signal = await untilSignal();
  log(`${signal}: stopping (partitions go to the other indexers)`);
  await shutdown();
  return 0;
}
