/**
 * The shape of `satellite.config.ts`. A user writes
 *
 *   import { defineConfig } from "satellite/config";
 *   export default defineConfig({ dataDir: "/var/lib/satellite", rules: { dir: "rules.d" } });
 *
 * and gets completion and type errors in the editor; at start the file is
 * loaded and every field is validated again (a config may be plain
 * JavaScript, or built at run time), failing with a message naming the
 * field. Secrets and endpoints also come from the environment
 * (`PAGERDUTY_ROUTING_KEY`, `PAGERDUTY_EVENTS_URL`, `KAFKA_BROKERS`,
 * `ELASTICSEARCH_URL`, `KIBANA_URL`, `SATELLITE_API_TOKEN`).
 */

/** Settings of the processes' network edges. */
export interface ServerConfig {
  /** Address the HTTP API/UI and the Riemann ports bind. Default "127.0.0.1". */
  readonly host?: string;
  /** HTTP API, web page and /metrics port. Default 5001. */
  readonly httpPort?: number;
  /** Riemann protocol TCP and UDP port. Default 5555. */
  readonly riemannPort?: number;
}

/** Where rules come from. */
export interface RulesConfig {
  /** The user's rules directory, hot-reloaded. Default "rules.d". */
  readonly dir?: string;
  /** Load the built-in rule library. Default true. */
  readonly builtin?: boolean;
}

/** Kafka, for running at scale (otherwise the in-process bus). */
export interface KafkaConfig {
  /** Bootstrap brokers; default from `KAFKA_BROKERS` (comma-separated); empty = in-process bus. */
  readonly brokers?: readonly string[];
}

/** Elasticsearch and Kibana, for running at scale. */
export interface ElasticConfig {
  /** Elasticsearch URL; default from `ELASTICSEARCH_URL`; unset = no Elasticsearch sink. */
  readonly url?: string;
  /** Kibana URL (for `satellite dashboards install`); default from `KIBANA_URL`. */
  readonly kibanaUrl?: string;
  /** Data stream namespace. Default "default". */
  readonly namespace?: string;
  /** Install Satellite's index templates before writing the first document. Default true (off: templates managed elsewhere). */
  readonly installTemplates?: boolean;
}

/** Everything `satellite.config.ts` may set. Each part's section is validated by that part. */
export interface SatelliteConfig {
  /** Directory of the embedded store and the collector's buffer. Default "data". */
  readonly dataDir?: string;
  readonly server?: ServerConfig;
  readonly rules?: RulesConfig;
  readonly kafka?: KafkaConfig;
  readonly elasticsearch?: ElasticConfig;
  /** The collector on this host (probes, checks, shipping). */
  readonly collector?: Readonly<Record<string, unknown>>;
  /** Alert lifecycle defaults (flap damping, re-notify, grouping). */
  readonly alerting?: Readonly<Record<string, unknown>>;
  /** PagerDuty delivery (endpoint, rate limit, retries; routing keys come from the environment). */
  readonly pagerduty?: Readonly<Record<string, unknown>>;
  /** The scheduler (placement, fair share, timeouts). */
  readonly scheduler?: Readonly<Record<string, unknown>>;
  /** Host health: guards, drain deadline, flap damping. */
  readonly health?: Readonly<Record<string, unknown>>;
  /** For sites still on Mesos: write the schedulable hosts to a Mesos whitelist file (`{ path }`; never written empty). */
  readonly mesosWhitelist?: Readonly<Record<string, unknown>>;
}

/**
 * Identity function that gives `satellite.config.ts` its types.
 *
 * @example
 * export default defineConfig({ server: { httpPort: 8080 }, rules: { dir: "alerts" } });
 */
export function defineConfig(config: SatelliteConfig): SatelliteConfig {
  return config;
}
