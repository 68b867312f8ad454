/**
 * The all-in-one Satellite of `satellite start`: every part in one process
 * on one machine, wired once. The store in the data directory; the
 * in-process bus that this host's collector and task executor publish to
 * and the engine consumes; the engine with the built-in and the user's
 * rules; alerting with the PagerDuty outbox; the scheduler with host health;
 * the web page, the HTTP API, /metrics and the Riemann port. Rules' intents
 * are routed here: pages and resolves to alerting, drains, blacklists and
 * restores to host health, derived events to the index, log lines to the log.
 *
 * With `kafka` set this is the control process of `satellite control`
 * instead: the engines (`satellite engine`) run the rules, and this process
 * takes their intents from Kafka into the same routing, and every host's
 * events into a rules-less engine for the web page (cli/parts/control-feeds.ts).
 */
import { InProcessBus } from "../bus/inprocess.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import { busMetrics, counterMetrics, type SelfMetric } from "../dashboards/metrics/index.ts";
import { formatIntent, type Intent } from "../rules/intents.ts";
import { openStore, type Db } from "../store/database.ts";
import { lockDataDir } from "../store/dir-lock.ts";
import { RealClock, type Clock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import { inProcessSchedulerClient } from "../scheduler/index.ts";
import { startSimulation, type ScenarioSettings, type Simulation } from "../simulate/index.ts";
import { startApp, AppStartError, type App } from "./app.ts";
import { startAlerting, type AlertingPart } from "./parts/alerting.ts";
import { startLocalCollector, type CollectorPart } from "./parts/collector.ts";
import { startScheduler, type SchedulerPart } from "./parts/scheduler.ts";
import { elasticsearchCredentialsFromEnv, startElasticsearch } from "./parts/elasticsearch.ts";
import { startWeb, type WebPart } from "./parts/web.ts";
import { createControlFeeds, type ControlFeeds, type ControlKafkaOptions } from "./parts/control-feeds.ts";

/** Switches of `startSatellite` beyond the config. */
export interface SatelliteRunOptions {
  readonly log: (line: string) => void;
  readonly clock?: Clock;
  /** Run this host's collector and task executor. Default true. */
  readonly collector?: boolean;
  /** Run the scheduler (and host health). Default true. */
  readonly scheduler?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Record the engine's input to rotating trace files in this directory. */
  readonly recordDir?: string | undefined;
  /** Run a simulated fleet inside the process (`start --simulate N`). */
  readonly simulate?: { readonly hosts: number; readonly scenario: string; readonly seed: number; readonly settings?: Partial<ScenarioSettings> } | undefined;
  /**
   * Be the control process beside engines on Kafka (`satellite control`): no
   * rules, collector or simulation here; the engines' intents and every
   * host's events come from Kafka.
   */
  readonly kafka?: ControlKafkaOptions | undefined;
}

/** A running all-in-one Satellite. */
export interface Satellite {
  readonly app: App;
  readonly db: Db;
  readonly bus: InProcessBus;
  readonly alerting: AlertingPart;
  readonly scheduler: SchedulerPart | undefined;
  readonly web: WebPart;
  readonly collector: CollectorPart | undefined;
  readonly simulation: Simulation | undefined;
  /** The Kafka feeds of the control process (`kafka` set), else undefined. */
  readonly control: ControlFeeds | undefined;
  /** The page's URL. */
  readonly url: string;
  /** Stops everything in order (collector, engine and servers, scheduler, alerting, store); what is undelivered stays in the outbox for the next start. */
  close(): Promise<void>;
}

/**
 * Starts everything. On failure, what already started is stopped again and
 * an `AppStartError` says what failed.
 *
 * @example
 * const sat = await startSatellite(resolveConfig({}), { log: console.log });
 * console.log(`open ${sat.url}`);
 * await sat.close();
 */
export async function startSatellite(config: ResolvedConfig, options: SatelliteRunOptions): Promise<Satellite> {
  const log = options.log;
  const kafka = options.kafka;
  if (kafka !== undefined && options.simulate !== undefined) throw new AppStartError("a control process runs no simulation: point `satellite simulate --kafka` at the cluster instead");
  if (kafka !== undefined && options.recordDir !== undefined) throw new AppStartError("a control process runs no rules, so it has nothing to record: record on one engine's input instead");
  const clock = options.clock ?? new RealClock();
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (err) {
        log(`while stopping: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    closers.length = 0;
  };
  try {
    // One Satellite per data directory (two would both page and both schedule); released last.
    const lock = lockDataDir(config.dataDir, kafka === undefined ? "satellite start" : "satellite control");
    closers.push(() => lock.release());
    const db = openStore(config.dataDir);
    closers.push(() => {
      db.close();
    });
    // Elasticsearch, when configured; closed after everything that feeds it (closers run in reverse).
    // Here every event reaches it through a tap that never holds the engine back: with Elasticsearch
    // down, monitoring goes on and what the sink cannot hold is dropped and counted
    // (satellite_elasticsearch_dropped_total). `satellite engine` on Kafka commits offsets only after the flush.
    const esUrl = config.elasticsearch.url;
    const es =
      esUrl === undefined
        ? undefined
        : startElasticsearch({ url: esUrl, namespace: config.elasticsearch.namespace, clock, log, options: { ...elasticsearchCredentialsFromEnv(options.env ?? process.env), installTemplates: config.elasticsearch.installTemplates } });
    if (es !== undefined) closers.push(() => es.close());
    const host = config.server.host === "0.0.0.0" ? "127.0.0.1" : config.server.host;
    const url = `http://${host}:${config.server.httpPort}`;
    const alerting = startAlerting({ db, clock, alerting: config.parts.alerting, pagerduty: config.parts.pagerduty, webUrl: url, env: options.env, log, onHistory: es?.onAlertHistory });
    closers.push(() => alerting.close());
    const scheduler =
      options.scheduler === false ? undefined : startScheduler({ db, clock, scheduler: config.parts.scheduler, health: config.parts.health, mesosWhitelist: config.parts.mesosWhitelist, pages: alerting.sink, log, onAudit: es?.onHealthAudit });
    if (scheduler !== undefined) closers.push(() => scheduler.close());
    const engine = new Engine({ clock, onException: (e) => log(`rule error on ${e.host}: ${e.description ?? ""}`) });
    const sink = (intent: Intent): void => {
      switch (intent.kind) {
        case "page":
        case "resolve":
          alerting.sink(intent);
          return;
        case "drain":
        case "blacklist":
        case "restore":
          if (scheduler !== undefined) scheduler.sink(intent);
          else log(formatIntent(intent));
          return;
        case "index":
          engine.index.insert(intent.event);
          return;
        case "forward":
          return;
        case "log":
          log(formatIntent(intent));
          return;
      }
    };
    const web = startWeb({
      engine,
      db,
      clock,
      scheduler: scheduler === undefined ? undefined : { health: scheduler.health, inventory: scheduler.scheduler },
      topics: {
        alerts: (l) => alerting.onChange(l),
        ...(scheduler === undefined ? {} : { hosts: (l: () => void) => scheduler.onChange(l), queue: (l: () => void) => scheduler.onChange(l) }),
      },
      features: { alerts: true, pages: true, silences: true, history: true, queue: scheduler !== undefined },
    });
    closers.push(() => web.close());
    const bus = new InProcessBus();
    closers.push(() => bus.close());
    await bus.subscribe("events", (events) => engine.submitAll(events));
    await bus.subscribe("tasks", (events) => engine.submitAll(events));
    let collector: CollectorPart | undefined;
    const zero = { sent: 0, buffered: 0, dropped: 0, retries: 0, pending: 0, bufferBytes: 0 };
    const collectorMetrics: SelfMetric[] = counterMetrics("satellite_collector", () => collector?.collector.shipping?.stats.total ?? zero, {
      sent: ["counter", "Events this host's collector delivered."],
      buffered: ["counter", "Events the collector had to buffer (transport down)."],
      dropped: ["counter", "Events dropped because the collector's buffer was full (oldest first)."],
      retries: ["counter", "Collector send retries."],
      pending: ["gauge", "Events waiting in the collector's memory queue."],
      bufferBytes: ["gauge", "Bytes in the collector's on-disk buffer."],
    });
    const control = kafka === undefined ? undefined : createControlFeeds({ kafka, engine, sink, log });
    const app = await startApp({
      engine,
      clock,
      // The control process runs no rules: the engines do.
      builtinRules: kafka === undefined && config.rules.builtin,
      rulesDir: kafka === undefined ? config.rules.dir : undefined,
      host: config.server.host,
      httpPort: config.server.httpPort,
      riemannPort: config.server.riemannPort,
      log,
      sink,
      taps: es === undefined ? [web.tap] : [web.tap, es.tap],
      mounts: [...alerting.mounts, ...(scheduler?.mounts ?? []), ...web.mounts],
      record: options.recordDir === undefined ? undefined : { dir: options.recordDir },
      metrics: [...alerting.metrics, ...(scheduler?.metrics ?? []), ...busMetrics(() => bus.stats), ...collectorMetrics, ...(es?.metrics ?? []), ...(control?.metrics ?? [])],
    });
    closers.push(() => app.close());
    if (control !== undefined) {
      // Closed before alerting and the scheduler (closers run in reverse): the intent in hand is acted on and committed.
      closers.push(() => control.close());
      await control.start();
    }
    if ((options.collector ?? true) && kafka === undefined) {
      collector = await startLocalCollector({ bus, clock, dataDir: config.dataDir, collector: config.parts.collector, scheduler: scheduler?.scheduler, log });
      const c = collector;
      closers.push(() => c.close());
    }
    let simulation: Simulation | undefined;
    if (options.simulate !== undefined) {
      const s = scheduler?.scheduler;
      simulation = startSimulation({
        ...options.simulate,
        clock,
        publish: (events) => bus.publish("events", events),
        publishTasks: (events) => bus.publish("tasks", events),
        scheduler: s === undefined ? undefined : { client: inProcessSchedulerClient(s), submit: (spec) => s.submit(spec) },
        onError: (err) => log(`simulation: ${err instanceof Error ? err.message : String(err)}`),
      });
      const sim = simulation;
      closers.push(() => sim.stop());
      log(`simulating ${options.simulate.hosts} hosts, scenario ${options.simulate.scenario}, seed ${options.simulate.seed}`);
    }
    const pageUrl = `http://${host}:${app.api?.port ?? config.server.httpPort}/`;
    return { app, db, bus, alerting, scheduler, web, collector, simulation, control, url: pageUrl, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err instanceof AppStartError ? err : new AppStartError(err instanceof Error ? err.message : String(err));
  }
}
