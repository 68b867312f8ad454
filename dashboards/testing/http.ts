/**
 * What the local Elasticsearch and Kibana servers share: reading a request
 * body, answering JSON, recording requests, glob patterns as Elasticsearch
 * uses them, checking credentials, and starting/stopping a node:http server
 * on 127.0.0.1. Test support only.
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";

/** A request as the server saw it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Credentials a server requires: an API key, or a user and password (basic auth). None: open. */
export interface ServerAuth {
  readonly apiKey?: string;
  readonly username?: string;
  readonly password?: string;
}

/**
 * Reads the whole request body.
 *
 * @example
 * const body = (await readBody(req)).toString("utf8");
 */
export async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Sends `body` as JSON with `status` and extra headers.
 *
 * @example
 * sendJson(res, 404, { error: "not found" }, { "x-elastic-product": "Elasticsearch" });
 */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * True when `auth` is not set, or the request carries the key or the user and password.
 *
 * @example
 * authorized({ apiKey: "k" }, "ApiKey k"); // true
 */
export function authorized(auth: ServerAuth | undefined, header: string | undefined): boolean {
  if (auth === undefined || (auth.apiKey === undefined && auth.username === undefined)) return true;
  if (header === undefined) return false;
  if (auth.apiKey !== undefined && header === `ApiKey ${auth.apiKey}`) return true;
  if (auth.username !== undefined && header === `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ""}`).toString("base64")}`) return true;
  return false;
}

/**
 * True when `text` matches the Elasticsearch wildcard pattern (only `*` is special).
 *
 * @example
 * wildcardMatch("logs-*-*", "logs-satellite.events-default"); // true
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(text);
}

/**
 * True when some string matches both wildcard patterns (how Elasticsearch
 * decides that two index templates overlap).
 *
 * @example
 * patternsOverlap("logs-*-*", "logs-satellite.events-*"); // true
 */
export function patternsOverlap(a: string, b: string): boolean {
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === a.length && j === b.length) r = true;
    else if (i < a.length && a[i] === "*") r = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (j < b.length && b[j] === "*") r = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else r = i < a.length && j < b.length && a[i] === b[j] && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/**
 * Starts `server` on 127.0.0.1:`port` (0: any free port) and resolves with its base URL.
 *
 * @example
 * const url = await listen(http.createServer(handler), 0); // "http://127.0.0.1:41234"
 */
export async function listen(server: http.Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Stops `server`, closing idle keep-alive connections so it ends promptly.
 *
 * @example
 * await stop(server);
 */
export async function stop(server: http.Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Compares dotted versions numerically: negative when a < b.
 *
 * @example
 * compareVersions("8.8.0", "8.10.0") < 0; // true
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
