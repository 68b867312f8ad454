/**
 * Settings of the PagerDuty notifier: every default in one frozen object,
 * one validating resolver whose errors name the field, and where routing
 * keys and the endpoint come from (environment variables or a config map).
 * Routing keys are secrets: they are resolved by name at send time and never
 * stored, logged or echoed; `redactor` builds the function that scrubs them
 * from any text that might leave the process.
 */

/** PagerDuty's Events API v2 endpoint for alert events. */
export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

/** Largest event body PagerDuty accepts ("512 KB"); like Alertmanager we count 512,000 bytes. */
export const MAX_PAYLOAD_BYTES = 512_000;

/** Settings of `PagerDutyNotifier`, after defaults. Times in seconds. */
export interface PagerDutyOptions {
  /** `client` field of triggers: the name PagerDuty shows as the monitoring tool. */
  readonly client: string;
  /** `client_url` of triggers (a link back to Satellite's UI), or null for none. */
  readonly clientUrl: string | null;
  /** Each HTTP request is aborted after this long and counted as a retryable failure. */
  readonly requestTimeoutSeconds: number;
  /** First retry waits up to this long (full jitter: uniform in [0, base * 2^(n-1)]). */
  readonly backoffBaseSeconds: number;
  /** Upper bound of the backoff before jitter. */
  readonly backoffCapSeconds: number;
  /** A notification still undelivered this long after it was enqueued is given up ("gave-up"). */
  readonly maxAgeSeconds: number;
  /** Most requests per routing key in any 60 s window (PagerDuty documents about 120/min per integration key). */
  readonly ratePerMinute: number;
  /** Most requests in flight at once, over all routing keys (one per dedup key at most). */
  readonly concurrency: number;
  /** Finished rows (delivered, rejected, gave-up, not-configured) are deleted from the outbox after this long. */
  readonly retentionSeconds: number;
  /** Event bodies over this many bytes get their custom_details shrunk. */
  readonly maxPayloadBytes: number;
}

/**
 * The defaults, in one place.
 *
 * @example
 * PAGERDUTY_DEFAULTS.ratePerMinute; // 120
 */
export const PAGERDUTY_DEFAULTS: PagerDutyOptions = Object.freeze({
  client: "Satellite",
  clientUrl: null,
  requestTimeoutSeconds: 10,
  backoffBaseSeconds: 1,
  backoffCapSeconds: 300,
  maxAgeSeconds: 24 * 3600,
  ratePerMinute: 120,
  concurrency: 4,
  retentionSeconds: 7 * 24 * 3600,
  maxPayloadBytes: MAX_PAYLOAD_BYTES,
});

function positive(raw: Record<string, unknown>, field: keyof PagerDutyOptions, path: string): number {
  const v = raw[field];
  if (v === undefined) return PAGERDUTY_DEFAULTS[field] as number;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new Error(`${path}.${field} must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

function positiveInteger(raw: Record<string, unknown>, field: keyof PagerDutyOptions, path: string): number {
  const v = raw[field];
  if (v === undefined) return PAGERDUTY_DEFAULTS[field] as number;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) throw new Error(`${path}.${field} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Fills defaults and validates `raw` (a partial `PagerDutyOptions`, or
 * undefined); throws an Error naming the first bad field, prefixed by `path`.
 *
 * @example
 * resolvePagerDutyOptions({ ratePerMinute: 60 }).ratePerMinute; // 60
 * resolvePagerDutyOptions({ requestTimeoutSeconds: "x" }); // throws 'pagerduty.requestTimeoutSeconds must be a positive number, got "x"'
 */
export function resolvePagerDutyOptions(raw: unknown, path = "pagerduty"): PagerDutyOptions {
  if (raw === undefined || raw === null) return PAGERDUTY_DEFAULTS;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new Error(`${path} must be an object, got ${JSON.stringify(raw)}`);
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!(k in PAGERDUTY_DEFAULTS)) throw new Error(`${path}.${k} is not a setting (known: ${Object.keys(PAGERDUTY_DEFAULTS).join(", ")})`);
  }
  const client = r.client ?? PAGERDUTY_DEFAULTS.client;
  if (typeof client !== "string" || client.length === 0) throw new Error(`${path}.client must be a non-empty string, got ${JSON.stringify(client)}`);
  const clientUrl = r.clientUrl ?? PAGERDUTY_DEFAULTS.clientUrl;
  if (clientUrl !== null && (typeof clientUrl !== "string" || !isHttpUrl(clientUrl))) throw new Error(`${path}.clientUrl must be an http(s) URL or null, got ${JSON.stringify(clientUrl)}`);
  const options: PagerDutyOptions = {
    client,
    clientUrl,
    requestTimeoutSeconds: positive(r, "requestTimeoutSeconds", path),
    backoffBaseSeconds: positive(r, "backoffBaseSeconds", path),
    backoffCapSeconds: positive(r, "backoffCapSeconds", path),
    maxAgeSeconds: positive(r, "maxAgeSeconds", path),
    ratePerMinute: positiveInteger(r, "ratePerMinute", path),
    concurrency: positiveInteger(r, "concurrency", path),
    retentionSeconds: positive(r, "retentionSeconds", path),
    maxPayloadBytes: positiveInteger(r, "maxPayloadBytes", path),
  };
  if (options.backoffCapSeconds < options.backoffBaseSeconds) {
    throw new Error(`${path}.backoffCapSeconds (${options.backoffCapSeconds}) must be at least ${path}.backoffBaseSeconds (${options.backoffBaseSeconds})`);
  }
  if (options.maxPayloadBytes < 4096) throw new Error(`${path}.maxPayloadBytes must be at least 4096, got ${options.maxPayloadBytes}`);
  return Object.freeze(options);
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

/** Maps a routing NAME ("default", a service name) to its routing key, or undefined when none is configured. */
export type RoutingKeyResolver = (name: string) => string | undefined;

/**
 * The environment variable holding the key of routing name `name`:
 * `PAGERDUTY_ROUTING_KEY` for "default", else `PAGERDUTY_ROUTING_KEY_<NAME>`
 * with the name upper-cased and every character other than A-Z and 0-9 turned into "_".
 *
 * @example
 * routingKeyVariable("default");   // "PAGERDUTY_ROUTING_KEY"
 * routingKeyVariable("db-team");   // "PAGERDUTY_ROUTING_KEY_DB_TEAM"
 */
export function routingKeyVariable(name: string): string {
  return name === "default" ? "PAGERDUTY_ROUTING_KEY" : `PAGERDUTY_ROUTING_KEY_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/**
 * Routing keys from the environment (read at each lookup, so a key set
 * later is picked up by the next attempt). Empty values count as unset.
 * Differs from a fallback scheme: a service name without its own variable
 * is "not-configured"; it does not borrow the default key.
 *
 * @example
 * const keys = routingKeysFromEnv({ PAGERDUTY_ROUTING_KEY: "0123456789abcdef0123456789abcdef" });
 * keys("default"); // "0123456789abcdef0123456789abcdef"
 * keys("db");      // undefined
 */
export function routingKeysFromEnv(env: NodeJS.ProcessEnv = process.env): RoutingKeyResolver {
  return (name) => {
    const v = env[routingKeyVariable(name)]?.trim();
    return v === undefined || v === "" ? undefined : v;
  };
}

/**
 * Routing keys from a config map `{name: key}`.
 *
 * @example
 * routingKeysFromMap({ default: "0123456789abcdef0123456789abcdef" })("default");
 */
export function routingKeysFromMap(map: Readonly<Record<string, string>>): RoutingKeyResolver {
  const copy = new Map(Object.entries(map).filter(([, v]) => typeof v === "string" && v !== ""));
  return (name) => copy.get(name);
}

/**
 * The events endpoint: `PAGERDUTY_EVENTS_URL` when set, else PagerDuty's.
 * Throws when the variable is set but is not an http(s) URL.
 *
 * @example
 * eventsUrlFromEnv({ PAGERDUTY_EVENTS_URL: "http://127.0.0.1:6000/v2/enqueue" });
 */
export function eventsUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.PAGERDUTY_EVENTS_URL?.trim();
  if (v === undefined || v === "") return PAGERDUTY_EVENTS_URL;
  if (!isHttpUrl(v)) throw new Error(`PAGERDUTY_EVENTS_URL must be an http(s) URL, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * A function replacing every occurrence of the given secrets in a text by
 * "[redacted]" (secrets shorter than 8 characters are ignored, they would
 * mangle ordinary words).
 *
 * @example
 * redactor(["0123456789abcdef0123456789abcdef"])("bad key 0123456789abcdef0123456789abcdef"); // "bad key [redacted]"
 */
export function redactor(secrets: Iterable<string>): (text: string) => string {
  const list = [...new Set(secrets)].filter((s) => s.length >= 8);
  if (list.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const s of list) out = out.split(s).join("[redacted]");
    return out;
  };
}
