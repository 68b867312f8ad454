/**
 * The Kibana client the installer needs: read `GET /api/status`, and import
 * saved objects with `POST [/s/<space>]/api/saved_objects/_import?overwrite=true`
 * (multipart/form-data with an NDJSON `file` part and the `kbn-xsrf`
 * header Kibana requires), returning Kibana's per-object results and errors.
 * Uses Node's fetch; credentials are an API key or a user and password
 * (also accepted inside the URL).
 */

/** Where Kibana is and how to authenticate. */
export interface KibanaConnection {
  /** Base URL, e.g. "https://kibana.example:5601" (a base path is kept; user:password in it become basic auth). */
  readonly url: string;
  readonly apiKey?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** Kibana space; default the default space. */
  readonly space?: string | undefined;
  /** Per-request timeout in seconds. Default 30. */
  readonly timeoutSeconds?: number | undefined;
}

/** Kibana's answer to /api/status, reduced to what the installer reports. */
export interface KibanaStatus {
  readonly version: string;
  /** "available", "degraded", "unavailable", or "critical". */
  readonly level: string;
  readonly summary: string;
}

/** One object Kibana did not import, and why (Kibana's `errors[]` entry). */
export interface ImportFailure {
  readonly type: string;
  readonly id: string;
  readonly title?: string | undefined;
  readonly error: { readonly type: string; readonly references?: readonly { readonly type: string; readonly id: string }[]; readonly message?: string };
}

/** Kibana's answer to an import. */
export interface ImportResult {
  readonly success: boolean;
  readonly successCount: number;
  readonly successResults: readonly { readonly type: string; readonly id: string; readonly overwrite?: boolean }[];
  readonly errors: readonly ImportFailure[];
  readonly warnings: readonly unknown[];
}

/**
 * Kibana answered with an HTTP error (or not at all).
 *
 * @example
 * try { await kibanaStatus({ url }); } catch (err) { if (err instanceof KibanaError && err.status === 503) retryLater(); }
 */
export class KibanaError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = "KibanaError";
  }
}

function endpoint(conn: KibanaConnection, path: string, inSpace: boolean): { url: string; headers: Record<string, string> } {
  const url = new URL(conn.url);
  const headers: Record<string, string> = {};
  let username = conn.username;
  let password = conn.password;
  if (url.username !== "") {
    username ??= decodeURIComponent(url.username);
    password ??= decodeURIComponent(url.password);
    url.username = url.password = "";
  }
  if (conn.apiKey !== undefined) headers.authorization = `ApiKey ${conn.apiKey}`;
  else if (username !== undefined) headers.authorization = `Basic ${Buffer.from(`${username}:${password ?? ""}`).toString("base64")}`;
  const base = url.toString().replace(/\/+$/, "");
  const space = !inSpace || conn.space === undefined || conn.space === "default" ? "" : `/s/${encodeURIComponent(conn.space)}`;
  return { url: `${base}${space}${path}`, headers };
}

async function request(conn: KibanaConnection, path: string, init: { method: string; body?: FormData; headers?: Record<string, string>; inSpace?: boolean }): Promise<unknown> {
  const { url, headers } = endpoint(conn, path, init.inSpace === true);
  let res: Response;
  try {
    res = await fetch(url, { method: init.method, headers: { ...headers, ...init.headers }, body: init.body, signal: AbortSignal.timeout((conn.timeoutSeconds ?? 30) * 1000) });
  } catch (err) {
    const cause = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    throw new KibanaError(`Kibana at ${url} did not answer: ${cause}`, undefined);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const message = typeof body === "object" && body !== null && typeof (body as { message?: unknown }).message === "string" ? (body as { message: string }).message : text.slice(0, 200);
    throw new KibanaError(`Kibana ${init.method} ${path}: ${res.status} ${message}`, res.status);
  }
  if (body === undefined) throw new KibanaError(`Kibana ${init.method} ${path}: the answer is not JSON: ${text.slice(0, 200)}`, res.status);
  return body;
}

/**
 * Kibana's version and overall status. Rejects with a `KibanaError` when
 * Kibana does not answer or answers with an error (503 while it is
 * unavailable).
 *
 * @example
 * const { version, level } = await kibanaStatus({ url: process.env.KIBANA_URL! });
 */
export async function kibanaStatus(conn: KibanaConnection): Promise<KibanaStatus> {
  const body = (await request(conn, "/api/status", { method: "GET" })) as { version?: { number?: unknown }; status?: { overall?: { level?: unknown; summary?: unknown } } };
  const text = (v: unknown, fallback: string): string => (typeof v === "string" ? v : fallback);
  return { version: text(body.version?.number, "unknown"), level: text(body.status?.overall?.level, "unknown"), summary: text(body.status?.overall?.summary, "") };
}

/**
 * Imports `ndjson` (one saved object per line), overwriting objects with
 * the same ids unless `overwrite` is false. Resolves with Kibana's results
 * (`success` false when any object failed: missing references, conflicts,
 * unsupported types); rejects with a `KibanaError` when the request itself
 * fails.
 *
 * @example
 * const r = await importSavedObjects({ url }, toNdjson(satelliteSavedObjects()));
 * for (const f of r.errors) console.error(describeImportFailure(f));
 */
export async function importSavedObjects(conn: KibanaConnection, ndjson: string, options: { readonly overwrite?: boolean } = {}): Promise<ImportResult> {
  const form = new FormData();
  form.append("file", new Blob([ndjson], { type: "application/ndjson" }), "satellite.ndjson");
  const overwrite = options.overwrite ?? true;
  const body = (await request(conn, `/api/saved_objects/_import?overwrite=${overwrite}`, { method: "POST", body: form, headers: { "kbn-xsrf": "satellite" }, inSpace: true })) as Partial<ImportResult>;
  return {
    success: body.success === true,
    successCount: typeof body.successCount === "number" ? body.successCount : 0,
    successResults: Array.isArray(body.successResults) ? body.successResults : [],
    errors: Array.isArray(body.errors) ? body.errors : [],
    warnings: Array.isArray(body.warnings) ? body.warnings : [],
  };
}

/**
 * One line about an object Kibana refused.
 *
 * @example
 * describeImportFailure({ type: "lens", id: "x", error: { type: "missing_references", references: [{ type: "index-pattern", id: "y" }] } });
 * // "lens x: missing_references (index-pattern y)"
 */
export function describeImportFailure(f: ImportFailure): string {
  const refs = f.error.references?.map((r) => `${r.type} ${r.id}`).join(", ");
  const detail = refs ? ` (${refs})` : f.error.message ? `: ${f.error.message}` : "";
  return `${f.type} ${f.id}${f.title ? ` "${f.title}"` : ""}: ${f.error.type}${detail}`;
}
