/**
 * Turns a raw configuration (the default export of `satellite.config.ts`,
 * or `{}`) plus the environment into the resolved settings every part
 * starts from: defaults filled in, every field validated, unknown fields
 * rejected by name. Each part's own section (collector, alerting, ...) is
 * handed to that part's resolver, registered in `PART_SECTIONS`, so the
 * rules for a part's settings live with the part.
 */
import { ConfigError, booleanField, numberField, objectField, stringField, stringListField } from "./fields.ts";

/** Every default of the core settings, in one place (the README's configuration reference lists them). */
export const CONFIG_DEFAULTS = Object.freeze({
  dataDir: "data",
  host: "127.0.0.1",
  httpPort: 5001,
  riemannPort: 5555,
  rulesDir: "rules.d",
  builtinRules: true,
  namespace: "default",
});

/** The core settings, resolved. Part sections stay raw here and are resolved by their parts. */
export interface ResolvedConfig {
  readonly dataDir: string;
  readonly server: { readonly host: string; readonly httpPort: number; readonly riemannPort: number };
  readonly rules: { readonly dir: string; readonly builtin: boolean };
  readonly kafka: { readonly brokers: readonly string[] };
  readonly elasticsearch: { readonly url: string | undefined; readonly kibanaUrl: string | undefined; readonly namespace: string; readonly installTemplates: boolean };
  /** Raw part sections, by name; `{}` when absent. */
  readonly parts: Readonly<Record<PartSection, Readonly<Record<string, unknown>>>>;
  /** The bearer token for mutating requests (`SATELLITE_API_TOKEN`), if set. */
  readonly apiToken: string | undefined;
}

/** The sections owned by parts. */
export const PART_SECTIONS = ["collector", "alerting", "pagerduty", "scheduler", "health", "mesosWhitelist"] as const;
/** Name of a part-owned section. */
export type PartSection = (typeof PART_SECTIONS)[number];

const TOP_LEVEL = ["dataDir", "server", "rules", "kafka", "elasticsearch", ...PART_SECTIONS];

function envString(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

function port(value: unknown, field: string, fallback: number): number {
  return numberField(value, field, fallback, { min: 0, max: 65535, integer: true });
}

/**
 * Validates `raw` and fills defaults; environment variables fill what the
 * file leaves unset (`KAFKA_BROKERS`, `ELASTICSEARCH_URL`, `KIBANA_URL`,
 * `SATELLITE_API_TOKEN`). Throws `ConfigError` naming the first bad field.
 *
 * @example
 * resolveConfig({ server: { httpPort: 8080 } }, process.env).server.httpPort; // 8080
 * resolveConfig({ server: { htpPort: 1 } }, {}); // ConfigError "server.htpPort: unknown setting (known: host, httpPort, riemannPort)"
 */
export function resolveConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const top = objectField(raw, "", TOP_LEVEL);
  const server = objectField(top.server, "server", ["host", "httpPort", "riemannPort"]);
  const rules = objectField(top.rules, "rules", ["dir", "builtin"]);
  const kafka = objectField(top.kafka, "kafka", ["brokers"]);
  const es = objectField(top.elasticsearch, "elasticsearch", ["url", "kibanaUrl", "namespace", "installTemplates"]);
  const envBrokers = envString(env, "KAFKA_BROKERS")?.split(",").map((b) => b.trim()).filter((b) => b !== "") ?? [];
  const namespace = stringField(es.namespace, "elasticsearch.namespace", CONFIG_DEFAULTS.namespace);
  if (!/^[a-z0-9_]+$/.test(namespace) || namespace.length > 100) throw new ConfigError("elasticsearch.namespace", `must be lowercase letters, digits and underscores (a data stream namespace), got ${JSON.stringify(namespace)}`);
  const parts = {} as Record<PartSection, Readonly<Record<string, unknown>>>;
  for (const name of PART_SECTIONS) {
    const section = top[name];
    if (section !== undefined && (section === null || typeof section !== "object" || Array.isArray(section))) throw new ConfigError(name, "must be an object");
    parts[name] = (section ?? {}) as Record<string, unknown>;
  }
  return {
    dataDir: stringField(top.dataDir, "dataDir", CONFIG_DEFAULTS.dataDir),
    server: {
      host: stringField(server.host, "server.host", CONFIG_DEFAULTS.host),
      httpPort: port(server.httpPort, "server.httpPort", CONFIG_DEFAULTS.httpPort),
      riemannPort: port(server.riemannPort, "server.riemannPort", CONFIG_DEFAULTS.riemannPort),
    },
    rules: { dir: stringField(rules.dir, "rules.dir", CONFIG_DEFAULTS.rulesDir), builtin: booleanField(rules.builtin, "rules.builtin", CONFIG_DEFAULTS.builtinRules) },
    kafka: { brokers: stringListField(kafka.brokers, "kafka.brokers", envBrokers) },
    elasticsearch: {
      url: stringField(es.url, "elasticsearch.url", envString(env, "ELASTICSEARCH_URL")),
      kibanaUrl: stringField(es.kibanaUrl, "elasticsearch.kibanaUrl", envString(env, "KIBANA_URL")),
      namespace,
      installTemplates: booleanField(es.installTemplates, "elasticsearch.installTemplates", true),
    },
    parts,
    apiToken: envString(env, "SATELLITE_API_TOKEN"),
  };
}
