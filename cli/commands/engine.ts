/**
 * `satellite engine --kafka BROKERS`: the engine as its own process, one of
 * any number sharing the work. It consumes `satellite.events` and
 * `satellite.tasks` in a consumer group (so the engines split the
 * partitions, and with them the hosts), runs the built-in and the user's
 * rules on what it gets, and takes part in the cluster protocol on
 * `satellite.aggregates` so that cluster-wide rules see every host exactly
 * once and only one engine (the leader) sends their pages. Pages, resolves
 * and host actions go to `satellite.intents`, where the control process
 * (`satellite control`) runs alerting, PagerDuty and the scheduler on them;
 * a batch's offsets are committed only after its intents are stored there.
 * Intents are also logged one per line on stdout. With `--elasticsearch`
 * (or `ELASTICSEARCH_URL`) it also bulk-indexes what it consumes, and a
 * batch's offsets are committed only after its documents are stored.
 * docs/scale-out.md has the design.
 */
import os from "node:os";
import type { Command } from "commander";
import { DEFAULT_GROUPS, type Origin } from "../../bus/bus.ts";
import { KafkaBus } from "../../bus/kafka.ts";
import { DEFAULT_TOPICS, type KafkaLog } from "../../bus/kafka-options.ts";
import { ClusterCoordinator } from "../../cluster/coordinator.ts";
import { isActionIntent } from "../../cluster/intent-codec.ts";
import { DEFAULT_INTENTS_TOPIC, KafkaIntentPublisher } from "../../cluster/intent-publisher.ts";
import { DEFAULT_AGGREGATES_TOPIC, KafkaClusterTransport, missingTopics, type TransportLog } from "../../cluster/kafka-transport.ts";
import { logIntents } from "../../rules/intents.ts";
import { RealClock } from "../../streams/clock.ts";
import { AppStartError, startApp, type App } from "../app.ts";
import { brokersFlag, heartbeatOf, secondsFlag, topicFlag } from "../kafka-flags.ts";
import type { ExitCode } from "../main.ts";
import { elasticsearchCredentialsFromEnv, startElasticsearch, type ElasticsearchPart } from "../parts/elasticsearch.ts";
import { logLine as log, untilSignal } from "../process.ts";
import { DEFAULT_RULES_DIR } from "./test.ts";

/** Options of `engine`, as commander parses them. */
interface EngineOptions {
  readonly kafka?: string;
  readonly rules: string;
  readonly builtin: boolean;
  readonly engineId?: string;
  readonly group: string;
  readonly eventsTopic: string;
  readonly tasksTopic: string;
  readonly dlqTopic: string;
  readonly aggregatesTopic: string;
  readonly intentsTopic: string;
  readonly publishInterval: string;
  readonly partialTtl: string;
  readonly warmup: string;
  readonly sessionTimeout: string;
  readonly logAggregates?: boolean;
  readonly elasticsearch?: string;
  readonly esNamespace: string;
  readonly esTemplates: boolean;
}

/** Registers `engine` on `program`. */
export function registerEngine(program: Command, exit: ExitCode): void {
  program
    .command("engine")
    .description("run the engine as one of several processes sharing Kafka's partitions; cluster-wide rules still see every host once")
    .option("--kafka <brokers>", "Kafka bootstrap brokers, host:port[,host:port...] (default: $KAFKA_BROKERS)")
    .option("-r, --rules <dir>", "your rules directory, hot-reloaded on change (same rules on every engine)", DEFAULT_RULES_DIR)
    .option("--no-builtin", "do not load the built-in rule library")
    .option("--engine-id <id>", "this engine's id, unique in the cluster (default: <hostname>-<pid>)")
    .option("--group <group>", "consumer group of the engines (tasks use <group>-tasks)", DEFAULT_GROUPS.events)
    .option("--events-topic <topic>", "topic of host events", DEFAULT_TOPICS.events)
    .option("--tasks-topic <topic>", "topic of task events", DEFAULT_TOPICS.tasks)
    .option("--dlq-topic <topic>", "dead-letter topic for malformed messages", DEFAULT_TOPICS.dlq)
    .option("--aggregates-topic <topic>", "topic the engines exchange cluster-wide partial counts on", DEFAULT_AGGREGATES_TOPIC)
    .option("--intents-topic <topic>", "topic the rules' pages, resolves and host actions go to, for satellite control", DEFAULT_INTENTS_TOPIC)
    .option("--publish-interval <seconds>", "longest time between two publishes of this engine's partial counts", "5")
    .option("--partial-ttl <seconds>", "how long a published partial counts unless renewed (> session timeout + warmup)", "60")
    .option("--warmup <seconds>", "how long a new owner of a partition learns its hosts before its partial replaces the previous owner's", "20")
    .option("--session-timeout <ms>", "consumer group session timeout: how soon a dead engine's partitions move", "10000")
    .option("--log-aggregates", "log every change of a merged cluster-wide count")
    .option("--elasticsearch <url>", "also bulk-index the events into Elasticsearch; offsets are committed after the flush (default: $ELASTICSEARCH_URL; API key from $ELASTICSEARCH_API_KEY)")
    .option("--es-namespace <namespace>", "data stream namespace of the documents", "default")
    .option("--no-es-templates", "do not install the index templates before the first document (templates managed elsewhere)")
    .addHelpText(
      "after",
      `
Topics must exist before the engines start (Kafka clusters usually refuse to
create them on demand): the events and tasks topics with as many partitions as
you want engines at most, the DLQ, the aggregates topic and the intents topic
(1 partition is plenty for each; any number works). Every engine must run the
same rules. Run one \`satellite control\` beside the engines: it pages, keeps
the alerts and runs the scheduler on what the engines decide.

  KAFKA_BROKERS=kafka1:9092 npx satellite engine --engine-id engine-a
  KAFKA_BROKERS=kafka1:9092 npx satellite engine --engine-id engine-b

Intents are also printed one per line ("page critical <key>: <summary>"). Pages
of cluster-wide rules come from one engine only: the one that owns partition 0
of the events topic. See docs/scale-out.md.`,
    )
    .action(async (opts: EngineOptions) => {
      exit.code = await engine(opts);
    });
}

interface Settings {
  readonly brokers: string[];
  readonly engineId: string;
  readonly group: string;
  readonly topics: { readonly events: string; readonly tasks: string; readonly dlq: string; readonly aggregates: string; readonly intents: string };
  readonly publishInterval: number;
  readonly partialTtl: number;
  readonly warmup: number;
  readonly sessionTimeoutMs: number;
  readonly elasticsearchUrl: string | undefined;
}

function settingsOf(opts: EngineOptions): Settings {
  const brokers = brokersFlag(opts.kafka);
  const engineId = opts.engineId ?? `${os.hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(engineId)) throw new AppStartError(`--engine-id must be 1 to 200 letters, digits, ".", "_" or "-", got "${engineId}"`);
  if (opts.group.length === 0) throw new AppStartError("--group must not be empty");
  const topics = {
    events: topicFlag(opts.eventsTopic, "--events-topic"),
    tasks: topicFlag(opts.tasksTopic, "--tasks-topic"),
    dlq: topicFlag(opts.dlqTopic, "--dlq-topic"),
    aggregates: topicFlag(opts.aggregatesTopic, "--aggregates-topic"),
    intents: topicFlag(opts.intentsTopic, "--intents-topic"),
  };
  if (new Set(Object.values(topics)).size !== 5) throw new AppStartError(`the events, tasks, DLQ, aggregates and intents topics must be five different topics, got ${JSON.stringify(topics)}`);
  const publishInterval = secondsFlag(opts.publishInterval, "--publish-interval", 0.1);
  const partialTtl = secondsFlag(opts.partialTtl, "--partial-ttl", 1);
  const warmup = secondsFlag(opts.warmup, "--warmup", 0);
  const sessionTimeoutMs = secondsFlag(opts.sessionTimeout, "--session-timeout", 1000);
  if (partialTtl <= publishInterval) throw new AppStartError(`--partial-ttl (${partialTtl}) must exceed --publish-interval (${publishInterval})`);
  const elasticsearchUrl = (opts.elasticsearch ?? process.env.ELASTICSEARCH_URL ?? "").trim();
  return { brokers, engineId, group: opts.group, topics, publishInterval, partialTtl, warmup, sessionTimeoutMs, elasticsearchUrl: elasticsearchUrl === "" ? undefined : elasticsearchUrl };
}

async function engine(opts: EngineOptions): Promise<number> {
  let s: Settings;
  try {
    s = settingsOf(opts);
  } catch (err) {
    process.stderr.write(`satellite: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const transportLog: TransportLog = (level, message) => log(`kafka ${level}: ${message}`);
  const busLog: KafkaLog = (level, message, fields) => log(`kafka ${level}: ${message} ${JSON.stringify(fields)}`);
  const bridge = s.sessionTimeoutMs / 1000 + s.warmup + s.publishInterval;
  if (s.partialTtl <= bridge) {
    log(`warning: --partial-ttl ${s.partialTtl} s is not more than session timeout + warmup + publish interval (${bridge} s): when an engine dies, cluster-wide counts will dip until its partitions' new owner has warmed up`);
  }

  const clock = new RealClock();
  let app: App | undefined;
  let bus: KafkaBus | undefined;
  let es: ElasticsearchPart | undefined;
  const transport = new KafkaClusterTransport({
    brokers: s.brokers,
    engineId: s.engineId,
    topic: s.topics.aggregates,
    sessionTimeoutMs: s.sessionTimeoutMs,
    heartbeatIntervalMs: heartbeatOf(s.sessionTimeoutMs),
    log: transportLog,
  });
  const publisher = new KafkaIntentPublisher({ brokers: s.brokers, engineId: s.engineId, topic: s.topics.intents, log: transportLog });
  const logIntent = logIntents();
  const coordinator = new ClusterCoordinator({
    engineId: s.engineId,
    clock,
    send: (m) => transport.send(m),
    intents: (intent) => {
      if (intent.kind === "index") app?.engine.index.insert(intent.event);
      else if (isActionIntent(intent)) publisher.publish(intent);
      logIntent(intent);
    },
    publishInterval: s.publishInterval,
    partialTtl: s.partialTtl,
    warmup: s.warmup,
    forgetHost: (host) => {
      const index = app?.engine.index;
      if (index === undefined) return;
      for (const e of index.servicesOf(host)) index.delete(host, e.service);
    },
    hostLive: (host) => app === undefined || app.engine.index.servicesOf(host).length > 0,
    onMerged: opts.logAggregates === true ? (id, total, leader) => log(`aggregate ${id}: ${total.matching} of ${total.live} hosts${leader ? " (leader)" : ""}`) : undefined,
    log,
  });
  const shutdown = async (): Promise<void> => {
    // A batch held back by an unreachable Elasticsearch would keep bus.close() waiting: closeBus gives up on its documents
    // after the deadline (its handler then fails and the bus dead-letters the batch, so its events are kept in the DLQ).
    const output = es;
    const closing = bus;
    if (closing !== undefined) await (output === undefined ? closing.close() : output.closeBus(() => closing.close()));
    coordinator.stop();
    await publisher.close();
    await transport.close();
    await app?.close();
    await output?.close();
  };

  try {
    let missing: string[];
    try {
      missing = await missingTopics(s.brokers, [s.topics.events, s.topics.tasks, s.topics.aggregates, s.topics.intents], transportLog);
    } catch (err) {
      throw new AppStartError(`cannot reach Kafka at ${s.brokers.join(",")}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (missing.length > 0) {
      throw new AppStartError(`Kafka has no topic ${missing.join(", ")}: create ${missing.length === 1 ? "it" : "them"} first (the events and tasks topics with as many partitions as engines you may run, ${s.topics.aggregates} and ${s.topics.intents} with 1 partition); see docs/scale-out.md`);
    }
    if (s.elasticsearchUrl !== undefined) {
      try {
        es = startElasticsearch({ url: s.elasticsearchUrl, namespace: opts.esNamespace, clock, log, options: { ...elasticsearchCredentialsFromEnv(process.env), installTemplates: opts.esTemplates } });
      } catch (err) {
        throw new AppStartError(`--elasticsearch: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const output = es;
    app = await startApp({
      builtinRules: opts.builtin,
      rulesDir: opts.rules,
      httpPort: undefined,
      riemannPort: undefined,
      clock,
      log,
      sink: coordinator.sink,
      cluster: (rule) => coordinator.forRule(rule),
      wrapStream: (rules) => coordinator.track(rules),
      // Expiries reach Elasticsearch through the tap; consumed events through busHandler below.
      taps: output === undefined ? undefined : [output.tap],
    });
    const running = app;
    await publisher.start();
    coordinator.start();
    await transport.start(
      (m) => coordinator.receive(m),
      () => coordinator.transportReady(),
    );
    bus = new KafkaBus({
      brokers: s.brokers,
      clientId: `satellite-engine-${s.engineId}`,
      topics: { events: s.topics.events, tasks: s.topics.tasks, dlq: s.topics.dlq },
      groups: { events: s.group, tasks: `${s.group}-tasks` },
      consumer: { sessionTimeoutMs: s.sessionTimeoutMs, heartbeatIntervalMs: heartbeatOf(s.sessionTimeoutMs) },
      log: busLog,
    });
    for (const topic of ["events", "tasks"] as const) {
      const submit = (events: readonly unknown[], origin: Origin) => coordinator.batch(topic, origin.partition, () => running.engine.submitAll(events));
      // With Elasticsearch, the handler resolves after the batch's documents are stored: offsets are committed after the flush.
      const handler = output === undefined ? submit : output.busHandler(submit);
      // And after the intents the batch made are stored on the intents topic: a crash never loses a page.
      const handleBatch = (events: readonly unknown[], origin: Origin) => {
        const result = handler(events, origin);
        const stored = publisher.flushed();
        return stored === undefined ? result : Promise.all([result, stored]).then(([r]) => r);
      };
      await bus.subscribe(topic, handleBatch, {
        onAssign: (partitions) => coordinator.assign(topic, partitions),
      });
    }
  } catch (err) {
    await shutdown().catch(() => undefined);
    process.stderr.write(`satellite: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  log(`engine ${s.engineId} ready: consuming ${s.topics.events} and ${s.topics.tasks} in group ${s.group}, cluster aggregates on ${s.topics.aggregates}; pages, resolves and host actions to ${s.topics.intents} (for satellite control) and logged here. Ctrl-C stops.`);
  const signal = await untilSignal();
  log(`${signal}: stopping (partitions go to the other engines)`);
  await shutdown();
  return 0;
}
