/**
 * The HTTP transport: POSTs each batch as a JSON array to an engine's
 * `POST /api/v1/events` (api/events.ts), with a bearer token when one is
 * configured. 200 is delivered; 400 with a `rejected` list means the valid
 * events were processed and the listed ones refused (not resent); a 400
 * without one, 413 and 415 refuse the batch for good; anything else (a
 * network error, 401/403 until the token is fixed, 5xx, no answer within
 * the timeout) is a failure the shipper retries.
 */
import type { Clock } from "../../streams/clock.ts";
import { PermanentSendError, type Batch, type SendResult, type Transport } from "./transport.ts";

/** Settings of an `HttpTransport`. */
export interface HttpTransportOptions {
  /** The engine's base URL ("http://10.0.0.5:5001") or the full ingest URL. A base URL gets `/api/v1/events`. */
  readonly url: string;
  /** Bearer token sent with every request (`SATELLITE_API_TOKEN` in the CLI). */
  readonly token?: string | undefined;
  /** Times each request. */
  readonly clock: Clock;
  /** Seconds a request may take. Default 10. */
  readonly timeoutSeconds?: number;
}

/** Defaults of `HttpTransportOptions`, in one place. */
export const HTTP_TRANSPORT_DEFAULTS = Object.freeze({ timeoutSeconds: 10, path: "/api/v1/events" });

/**
 * The ingest URL of `url`: a URL without a path gets `/api/v1/events`.
 * Throws when `url` is not an http(s) URL.
 *
 * @example
 * ingestUrl("http://10.0.0.5:5001");              // "http://10.0.0.5:5001/api/v1/events"
 * ingestUrl("https://satellite.example/api/v1/events"); // unchanged
 */
export function ingestUrl(url: string, field = "http"): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${field} must be an http or https URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`${field} must be an http or https URL, got ${JSON.stringify(url)}`);
  if (parsed.pathname === "/" || parsed.pathname === "") parsed.pathname = HTTP_TRANSPORT_DEFAULTS.path;
  return parsed.toString();
}

/**
 * Sends batches to `POST /api/v1/events`.
 *
 * @example
 * const transport = new HttpTransport({ url: "http://127.0.0.1:5001", token: process.env.SATELLITE_API_TOKEN, clock });
 * await transport.send({ producer: "p", seq: 0, events });
 */
export class HttpTransport implements Transport {
  readonly name: string;
  readonly url: string;
  private readonly timeout: number;
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly options: HttpTransportOptions) {
    this.url = ingestUrl(options.url);
    this.timeout = options.timeoutSeconds ?? HTTP_TRANSPORT_DEFAULTS.timeoutSeconds;
    if (!(this.timeout > 0)) throw new RangeError(`collector http timeoutSeconds must be a positive number, got ${String(options.timeoutSeconds)}`);
    this.name = `http ${new URL(this.url).host}`;
  }

  async send(batch: Batch): Promise<SendResult> {
    const { clock, token } = this.options;
    const abort = new AbortController();
    this.inFlight.add(abort);
    const timer = clock.setTimer(clock.now() + this.timeout, () => abort.abort(new Error(`${this.name}: no answer within ${this.timeout} s`)));
    try {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (token !== undefined && token !== "") headers.authorization = `Bearer ${token}`;
      const res = await fetch(this.url, { method: "POST", headers, body: JSON.stringify(batch.events), signal: abort.signal });
      const text = await res.text();
      if (res.status === 200) return { rejected: 0 };
      let body: { rejected?: unknown; error?: unknown } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        // not JSON: the status says enough
      }
      const error = typeof body.error === "string" ? body.error : text.slice(0, 200);
      if (res.status === 400 && Array.isArray(body.rejected)) return { rejected: body.rejected.length };
      if (res.status === 400 || res.status === 413 || res.status === 415) throw new PermanentSendError(`${this.name}: ${res.status} ${error}`);
      throw new Error(`${this.name}: HTTP ${res.status} ${error}`);
    } catch (err) {
      if (abort.signal.aborted && abort.signal.reason instanceof Error) throw abort.signal.reason;
      throw err;
    } finally {
      timer.cancel();
      this.inFlight.delete(abort);
    }
  }

  close(): Promise<void> {
    for (const a of this.inFlight) a.abort(new Error(`${this.name}: closed`));
    return Promise.resolve();
  }
}
