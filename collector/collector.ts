/**
 * The one place where a collector is wired together from its resolved
 * options: the transports the options name (Kafka, each Riemann engine,
 * HTTP) plus any the caller adds, the shipping with its buffers, and the
 * agent whose sink is the shipping (or, for a dry run, JSON lines on a
 * stream, with no transport built at all). `satellite collector` and
 * `satellite start` use it.
 */
import type { Writable } from "node:stream";
import type { Clock } from "../streams/clock.ts";
import { Agent, type AgentProbe } from "./agent.ts";
import type { ResolvedCollectorOptions } from "./options.ts";
import { defaultProbes, type ProbeOptions } from "./probes/index.ts";
import { HttpTransport } from "./ship/http.ts";
import { KafkaTransport } from "./ship/kafka.ts";
import { riemannTransports } from "./ship/riemann.ts";
import { jsonLinesSink, openShipping, type Shipping } from "./ship/shipping.ts";
import type { Transport } from "./ship/transport.ts";

/** What `openCollector` needs besides the options. */
export interface OpenCollectorSettings {
  readonly options: ResolvedCollectorOptions;
  readonly clock: Clock;
  /** The probes. Default: `defaultProbes(options.probes)`. */
  readonly probes?: readonly AgentProbe[];
  /** Destinations besides those in the options (e.g. an `EngineTransport`). */
  readonly transports?: readonly Transport[];
  /** Dry run: write each event as a JSON line here and send nothing. */
  readonly dryRun?: Writable | undefined;
  readonly log?: (line: string) => void;
}

/** A wired collector: start it with `agent.start()` (or run `agent.once()`), end it with `close()`. */
export interface OpenCollector {
  readonly agent: Agent;
  /** Undefined in a dry run. */
  readonly shipping: Shipping | undefined;
  /** Stops the agent, lets sends in progress finish, keeps what is unsent in the buffers, closes connections. */
  close(): Promise<void>;
}

/**
 * The transports `options` name: Kafka, one per Riemann engine, HTTP.
 *
 * @example
 * collectorTransports(resolveCollectorOptions({ riemann: ["a:5555", "b:5555"] }), clock).map((t) => t.name); // ["riemann a:5555", "riemann b:5555"]
 */
export function collectorTransports(options: ResolvedCollectorOptions, clock: Clock): Transport[] {
  const transports: Transport[] = [];
  if (options.kafka !== undefined) transports.push(new KafkaTransport({ brokers: options.kafka.brokers, topic: options.kafka.topic, tasksTopic: options.kafka.tasksTopic }));
  transports.push(...riemannTransports(options.riemann, clock, options.sendTimeoutSeconds));
  if (options.http !== undefined) transports.push(new HttpTransport({ url: options.http.url, token: options.http.token, clock, timeoutSeconds: options.sendTimeoutSeconds }));
  return transports;
}

/** `ResolvedProbeOptions` back as the `ProbeOptions` `defaultProbes` takes. */
function probeSettings(options: ResolvedCollectorOptions): ProbeOptions {
  const p = options.probes;
  return {
    procRoot: p.procRoot,
    sysRoot: p.sysRoot,
    mounts: { include: p.mounts.include === undefined ? undefined : [...p.mounts.include], excludeTypes: [...p.mounts.excludeTypes], timeoutSeconds: p.mounts.timeoutSeconds },
    interval: p.interval,
    ttl: p.ttl,
    loopback: p.loopback,
  };
}

/**
 * Builds the collector (nothing runs until `agent.start()`/`agent.once()`).
 * Buffers left on disk by a previous run start draining at once. Throws
 * when there is no destination and no dry run.
 *
 * @example
 * const collector = await openCollector({ options: resolveCollectorOptions({ riemann: ["10.0.0.5:5555"] }), clock: new RealClock() });
 * collector.agent.start();
 * process.once("SIGTERM", () => void collector.close());
 */
export async function openCollector(settings: OpenCollectorSettings): Promise<OpenCollector> {
  const { options, clock, log } = settings;
  let shipping: Shipping | undefined;
  let sink;
  if (settings.dryRun !== undefined) {
    sink = jsonLinesSink(settings.dryRun);
  } else {
    const transports = [...collectorTransports(options, clock), ...(settings.transports ?? [])];
    if (transports.length === 0) throw new Error("the collector has nowhere to send: give kafka, riemann or http (or dry-run)");
    shipping = await openShipping({
      clock,
      transports,
      bufferDir: options.bufferDir,
      bufferMaxBytes: options.bufferMaxBytes,
      shipper: { retryInitialSeconds: options.retryInitialSeconds, retryMaxSeconds: options.retryMaxSeconds },
      log,
    });
    const s = shipping;
    sink = s.push.bind(s);
  }
  const probes = settings.probes ?? defaultProbes(probeSettings(options));
  const agent = new Agent({ clock, host: options.host, probes, checks: options.checks, intervalSeconds: options.intervalSeconds, heartbeat: options.heartbeat, sink, log });
  return {
    agent,
    shipping,
    async close() {
      await agent.stop();
      await shipping?.close();
    },
  };
}
