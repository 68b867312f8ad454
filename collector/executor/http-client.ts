/**
 * The agent protocol over HTTP: a `SchedulerClient` that POSTs heartbeats
 * to `<url>/api/v1/agents/<host>/heartbeat` with the API's bearer token.
 * Any non-200 answer or network error rejects, and the agent loop retries
 * at its next beat with the same results.
 */
import type { HeartbeatRequest, HeartbeatResponse, SchedulerClient } from "../../scheduler/protocol.ts";

/** Settings of `httpSchedulerClient`. */
export interface HttpSchedulerClientOptions {
  /** Base URL of the Satellite API, e.g. "http://127.0.0.1:5001". */
  readonly url: string;
  /** Bearer token for writes. Default `SATELLITE_API_TOKEN`. */
  readonly token?: string | undefined;
  /** Give up on one heartbeat after this many milliseconds. Default 10,000. */
  readonly timeoutMs?: number;
}

/**
 * A `SchedulerClient` over HTTP.
 *
 * @example
 * const client = httpSchedulerClient({ url: "http://scheduler:5001", token: process.env.SATELLITE_API_TOKEN });
 * await client.heartbeat("web1", { capacity: { cpus: 8, mem: 16384 }, running: [], finished: [] });
 */
export function httpSchedulerClient(options: HttpSchedulerClientOptions): SchedulerClient {
  const base = options.url.replace(/\/+$/, "");
  const token = options.token ?? process.env.SATELLITE_API_TOKEN;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async heartbeat(host: string, request: HeartbeatRequest): Promise<HeartbeatResponse> {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (token !== undefined && token.length > 0) headers.authorization = `Bearer ${token}`;
      const res = await fetch(`${base}/api/v1/agents/${encodeURIComponent(host)}/heartbeat`, { method: "POST", headers, body: JSON.stringify(request), signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`scheduler answered ${res.status}: ${text.slice(0, 200)}`);
      const body = JSON.parse(text) as Partial<HeartbeatResponse>;
      if (!Array.isArray(body.launch) || !Array.isArray(body.kill)) throw new Error("scheduler answered without launch and kill lists");
      return { launch: body.launch, kill: body.kill };
    },
  };
}
