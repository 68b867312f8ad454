/**
 * Settings of the collector on one host (the `collector` section of
 * `satellite.config.ts`, and the flags of `satellite collector`): what the
 * options look like, every default in `COLLECTOR_DEFAULTS`, and
 * `resolveCollectorOptions`, which validates once and fails with an error
 * naming the field. Pure: no environment, no I/O (the CLI adds
 * `SATELLITE_API_TOKEN` and `KAFKA_BROKERS` itself).
 */
import os from "node:os";
import { assertUniqueNames, resolveChecks, type Check, type CommandCheckDefinition } from "./checks/check.ts";
import { defaultChecks, resolveDefaultChecksOptions, type DefaultChecksOptions } from "./checks/defaults.ts";
import { parseEndpoint } from "./ship/riemann.ts";
import { show } from "./show.ts";
import { ingestUrl } from "./ship/http.ts";
import { resolveProbeOptions, type ProbeOptions, type ResolvedProbeOptions } from "./probes/index.ts";

/** The collector's settings as written; every field is optional. */
export interface CollectorOptions {
  /** The host name on every event. Default `os.hostname()`. */
  readonly host?: string;
  /** Seconds between two samples of the probes. Default 10 (1 works). */
  readonly intervalSeconds?: number;
  /** Send the heartbeat. Default true. */
  readonly heartbeat?: boolean;
  /** Settings of the default probes (collector/probes); their `interval` defaults to `intervalSeconds`. */
  readonly probes?: ProbeOptions;
  /** Satellite's default checks with these settings, or false for none. Default: on, with their defaults. */
  readonly defaultChecks?: DefaultChecksOptions | false;
  /** Your command checks. */
  readonly checks?: readonly CommandCheckDefinition[];
  /** Ship to Kafka. */
  readonly kafka?: { readonly brokers: readonly string[]; readonly topic?: string; readonly tasksTopic?: string };
  /** Ship to these engines' Riemann ports ("host:port"), every batch to each. */
  readonly riemann?: readonly string[];
  /** Ship to an engine's HTTP API (`POST /api/v1/events`). */
  readonly http?: { readonly url: string; readonly token?: string };
  /** Buffer directory (one subdirectory per destination). Default "data/collector-buffer". */
  readonly bufferDir?: string;
  /** Bound of each destination's buffer, bytes. Default 64 MiB. */
  readonly bufferMaxBytes?: number;
  /** First retry delay after a failed send, seconds. Default 1. */
  readonly retryInitialSeconds?: number;
  /** Longest retry delay, seconds. Default 60. */
  readonly retryMaxSeconds?: number;
  /** Seconds a Riemann or HTTP send may take. Default 10. */
  readonly sendTimeoutSeconds?: number;
}

/** Every default of `CollectorOptions`, in one place. */
export const COLLECTOR_DEFAULTS = Object.freeze({
  intervalSeconds: 10,
  heartbeat: true,
  bufferDir: "data/collector-buffer",
  bufferMaxBytes: 64 * 1024 * 1024,
  retryInitialSeconds: 1,
  retryMaxSeconds: 60,
  sendTimeoutSeconds: 10,
});

/** `CollectorOptions` validated, with defaults filled and checks resolved. */
export interface ResolvedCollectorOptions {
  readonly host: string;
  readonly intervalSeconds: number;
  readonly heartbeat: boolean;
  readonly probes: ResolvedProbeOptions;
  /** Default checks followed by the configured ones. */
  readonly checks: readonly Check[];
  readonly kafka: { readonly brokers: readonly string[]; readonly topic: string | undefined; readonly tasksTopic: string | undefined } | undefined;
  readonly riemann: readonly string[];
  readonly http: { readonly url: string; readonly token: string | undefined } | undefined;
  readonly bufferDir: string;
  readonly bufferMaxBytes: number;
  readonly retryInitialSeconds: number;
  readonly retryMaxSeconds: number;
  readonly sendTimeoutSeconds: number;
}

const FIELDS = ["host", "intervalSeconds", "heartbeat", "probes", "defaultChecks", "checks", "kafka", "riemann", "http", "bufferDir", "bufferMaxBytes", "retryInitialSeconds", "retryMaxSeconds", "sendTimeoutSeconds"];

function positive(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new Error(`${field} must be a positive number, got ${show(value)}`);
  return value;
}

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) throw new Error(`${field} must be a non-empty string, got ${show(value)}`);
  return value;
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${field} must be an object, got ${show(value)}`);
  return value as Record<string, unknown>;
}

/**
 * Validates `raw` (undefined = all defaults) and fills the defaults. Throws
 * an Error naming the field: `collector.intervalSeconds must be a positive
 * number, got "x"`. Needing at least one destination is the caller's
 * business (`--dry-run` needs none).
 *
 * @example
 * const options = resolveCollectorOptions({ riemann: ["10.0.0.5:5555", "10.0.0.6:5555"], defaultChecks: { diskPaths: ["/", "/var"] } });
 */
export function resolveCollectorOptions(raw: unknown = {}, path = "collector"): ResolvedCollectorOptions {
  const r = object(raw, path);
  for (const key of Object.keys(r)) if (!FIELDS.includes(key)) throw new Error(`${path}.${key} is not a collector setting (expected one of ${FIELDS.join(", ")})`);
  const host = r.host === undefined ? os.hostname() : text(r.host, `${path}.host`);
  const intervalSeconds = positive(r.intervalSeconds, `${path}.intervalSeconds`, COLLECTOR_DEFAULTS.intervalSeconds);
  if (r.heartbeat !== undefined && typeof r.heartbeat !== "boolean") throw new Error(`${path}.heartbeat must be true or false, got ${show(r.heartbeat)}`);
  const heartbeat = r.heartbeat ?? COLLECTOR_DEFAULTS.heartbeat;

  const rawProbes = r.probes === undefined ? {} : object(r.probes, `${path}.probes`);
  const probes = resolveProbeOptions({ ...rawProbes, interval: rawProbes.interval ?? intervalSeconds }, `${path}.probes`);

  const checks: Check[] = [];
  if (r.defaultChecks !== false) checks.push(...defaultChecks(resolveDefaultChecksOptions(r.defaultChecks ?? {}, `${path}.defaultChecks`)));
  if (r.checks !== undefined) checks.push(...resolveChecks(r.checks, `${path}.checks`));
  assertUniqueNames(checks, `${path}.checks`);

  let kafka: ResolvedCollectorOptions["kafka"];
  if (r.kafka !== undefined) {
    const k = object(r.kafka, `${path}.kafka`);
    if (!Array.isArray(k.brokers) || k.brokers.length === 0) throw new Error(`${path}.kafka.brokers must list at least one host:port, got ${show(k.brokers)}`);
    const brokers = k.brokers.map((b: unknown, i) => {
      if (typeof b !== "string" || !/^[^\s:]+:\d{1,5}$/.test(b)) throw new Error(`${path}.kafka.brokers[${i}] must be host:port, got ${show(b)}`);
      return b;
    });
    kafka = {
      brokers,
      topic: k.topic === undefined ? undefined : text(k.topic, `${path}.kafka.topic`),
      tasksTopic: k.tasksTopic === undefined ? undefined : text(k.tasksTopic, `${path}.kafka.tasksTopic`),
    };
  }
  let riemann: string[] = [];
  if (r.riemann !== undefined) {
    if (!Array.isArray(r.riemann)) throw new Error(`${path}.riemann must be an array of host:port, got ${show(r.riemann)}`);
    riemann = r.riemann.map((e: unknown, i) => {
      const field = `${path}.riemann[${i}]`;
      parseEndpoint(text(e, field), field);
      return e as string;
    });
    if (new Set(riemann).size !== riemann.length) throw new Error(`${path}.riemann lists an engine twice`);
  }
  let http: ResolvedCollectorOptions["http"];
  if (r.http !== undefined) {
    const h = object(r.http, `${path}.http`);
    const url = text(h.url, `${path}.http.url`);
    ingestUrl(url, `${path}.http.url`);
    http = { url, token: h.token === undefined ? undefined : text(h.token, `${path}.http.token`) };
  }
  const bufferDir = r.bufferDir === undefined ? COLLECTOR_DEFAULTS.bufferDir : text(r.bufferDir, `${path}.bufferDir`);
  const bufferMaxBytes = positive(r.bufferMaxBytes, `${path}.bufferMaxBytes`, COLLECTOR_DEFAULTS.bufferMaxBytes);
  if (!Number.isInteger(bufferMaxBytes) || bufferMaxBytes < 1024) throw new Error(`${path}.bufferMaxBytes must be an integer >= 1024, got ${show(r.bufferMaxBytes)}`);
  const retryInitialSeconds = positive(r.retryInitialSeconds, `${path}.retryInitialSeconds`, COLLECTOR_DEFAULTS.retryInitialSeconds);
  const retryMaxSeconds = positive(r.retryMaxSeconds, `${path}.retryMaxSeconds`, COLLECTOR_DEFAULTS.retryMaxSeconds);
  if (retryMaxSeconds < retryInitialSeconds) throw new Error(`${path}.retryMaxSeconds (${retryMaxSeconds}) must be >= retryInitialSeconds (${retryInitialSeconds})`);
  const sendTimeoutSeconds = positive(r.sendTimeoutSeconds, `${path}.sendTimeoutSeconds`, COLLECTOR_DEFAULTS.sendTimeoutSeconds);
  return Object.freeze({ host, intervalSeconds, heartbeat, probes, checks, kafka, riemann, http, bufferDir, bufferMaxBytes, retryInitialSeconds, retryMaxSeconds, sendTimeoutSeconds });
}
