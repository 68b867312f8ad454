/**
 * Settings of Satellite's Elasticsearch output: where the cluster is, how to
 * authenticate, which data stream namespace to write, and how the sink
 * batches, bounds and retries. Every default is in `ELASTICSEARCH_DEFAULTS`;
 * `resolveElasticsearchOptions` validates raw configuration once and throws
 * an error naming the field. The endpoint usually comes from
 * `ELASTICSEARCH_URL` (the CLI reads the environment, not this file).
 */
import { checkNamespace, DEFAULT_NAMESPACE } from "./documents.ts";

/** Raw settings as a config file writes them; only `node` is required. */
export interface ElasticsearchOptions {
  /** Cluster URL, e.g. "https://es.example:9200" (may carry user:password). */
  readonly node: string;
  /** API key (the base64 "id:key" form Elasticsearch returns as `encoded`). */
  readonly apiKey?: string;
  readonly username?: string;
  readonly password?: string;
  /** `data_stream.namespace` of every document. Default "default". */
  readonly namespace?: string;
  /** Bytes of buffered documents that trigger a bulk request. Default 5,000,000 (the bulk helper's default). */
  readonly flushBytes?: number;
  /** Longest a document waits in the buffer before its bulk request starts, in seconds. Default 1. */
  readonly flushIntervalSeconds?: number;
  /** Most documents held (buffered, in flight or waiting for a retry); `write` waits while it is reached. Default 50,000. */
  readonly maxBufferedDocs?: number;
  /** Longest a bulk request may take before it fails and is retried, in seconds. Default 30. */
  readonly requestTimeoutSeconds?: number;
  /** First delay before retrying a failed request or rejected documents, in seconds; doubles per failure. Default 1. */
  readonly retryInitialSeconds?: number;
  /** Longest delay between retries, in seconds. Default 60. */
  readonly retryMaxSeconds?: number;
}

/** Every setting filled in. */
export interface ResolvedElasticsearchOptions {
  readonly node: string;
  readonly apiKey: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly namespace: string;
  readonly flushBytes: number;
  readonly flushIntervalSeconds: number;
  readonly maxBufferedDocs: number;
  readonly requestTimeoutSeconds: number;
  readonly retryInitialSeconds: number;
  readonly retryMaxSeconds: number;
}

/**
 * The defaults, in one place.
 *
 * @example
 * ELASTICSEARCH_DEFAULTS.maxBufferedDocs; // 50000
 */
export const ELASTICSEARCH_DEFAULTS = Object.freeze({
  namespace: DEFAULT_NAMESPACE,
  flushBytes: 5_000_000,
  flushIntervalSeconds: 1,
  maxBufferedDocs: 50_000,
  requestTimeoutSeconds: 30,
  retryInitialSeconds: 1,
  retryMaxSeconds: 60,
});

function positive(path: string, value: unknown, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || (integer && !Number.isSafeInteger(value))) {
    throw new RangeError(`${path} must be a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function optionalString(path: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) throw new RangeError(`${path} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

const KNOWN = new Set(["node", "apiKey", "username", "password", "namespace", "flushBytes", "flushIntervalSeconds", "maxBufferedDocs", "requestTimeoutSeconds", "retryInitialSeconds", "retryMaxSeconds"]);

/**
 * Validates raw settings and fills the defaults; throws a RangeError whose
 * message names the field (`elasticsearch.flushBytes must be a positive integer, got "x"`).
 *
 * @example
 * resolveElasticsearchOptions({ node: "http://127.0.0.1:9200" }).flushIntervalSeconds; // 1
 * resolveElasticsearchOptions({ node: "es:9200" }); // throws "elasticsearch.node must be an http(s) URL, got "es:9200""
 */
export function resolveElasticsearchOptions(raw: unknown, path = "elasticsearch"): ResolvedElasticsearchOptions {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new RangeError(`${path} must be an object, got ${JSON.stringify(raw)}`);
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) if (!KNOWN.has(key)) throw new RangeError(`${path}.${key} is not a setting (known: ${[...KNOWN].join(", ")})`);
  let url: URL | undefined;
  try {
    url = typeof r.node === "string" ? new URL(r.node) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) throw new RangeError(`${path}.node must be an http(s) URL, got ${JSON.stringify(r.node)}`);
  const username = optionalString(`${path}.username`, r.username);
  const password = optionalString(`${path}.password`, r.password);
  if ((username === undefined) !== (password === undefined)) throw new RangeError(`${path}.username and ${path}.password must be given together`);
  const retryInitialSeconds = positive(`${path}.retryInitialSeconds`, r.retryInitialSeconds, ELASTICSEARCH_DEFAULTS.retryInitialSeconds, false);
  const retryMaxSeconds = positive(`${path}.retryMaxSeconds`, r.retryMaxSeconds, ELASTICSEARCH_DEFAULTS.retryMaxSeconds, false);
  if (retryMaxSeconds < retryInitialSeconds) throw new RangeError(`${path}.retryMaxSeconds must be >= retryInitialSeconds (${retryInitialSeconds}), got ${retryMaxSeconds}`);
  return {
    node: r.node as string,
    apiKey: optionalString(`${path}.apiKey`, r.apiKey),
    username,
    password,
    namespace: r.namespace === undefined ? ELASTICSEARCH_DEFAULTS.namespace : checkNamespace(r.namespace as string, `${path}.namespace`),
    flushBytes: positive(`${path}.flushBytes`, r.flushBytes, ELASTICSEARCH_DEFAULTS.flushBytes, true),
    flushIntervalSeconds: positive(`${path}.flushIntervalSeconds`, r.flushIntervalSeconds, ELASTICSEARCH_DEFAULTS.flushIntervalSeconds, false),
    maxBufferedDocs: positive(`${path}.maxBufferedDocs`, r.maxBufferedDocs, ELASTICSEARCH_DEFAULTS.maxBufferedDocs, true),
    requestTimeoutSeconds: positive(`${path}.requestTimeoutSeconds`, r.requestTimeoutSeconds, ELASTICSEARCH_DEFAULTS.requestTimeoutSeconds, false),
    retryInitialSeconds,
    retryMaxSeconds,
  };
}
