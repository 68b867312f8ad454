/**
 * A local stand-in for the two Kibana APIs the installer calls, on a real
 * socket, for tests (no Kibana can be installed here): `GET /api/status` and
 * `POST [/s/<space>]/api/saved_objects/_import`. The import behaves like
 * Kibana's: it requires the `kbn-xsrf` header, a multipart/form-data body
 * whose `file` part is an `.ndjson` file, refuses `overwrite` with
 * `createNewCopies`, skips an export's summary line, and answers
 * `{success, successCount, successResults?, errors?, warnings}` with
 * per-object errors of type `unsupported_type`, `missing_references` (a
 * reference to an object neither in the file nor already saved; such
 * objects are not imported), `conflict` (without overwrite), and `unknown`
 * (malformed objects, or a `coreMigrationVersion` newer than this Kibana).
 * It keeps what it imported, per space, so a later import can refer to it.
 */
import http from "node:http";
import { authorized, compareVersions, listen, readBody, sendJson, stop, type RecordedRequest, type ServerAuth } from "./http.ts";
import { boundaryOf, parseMultipart } from "./multipart.ts";

/**
 * Saved object types this Kibana imports.
 *
 * @example
 * IMPORTABLE_TYPES.includes("lens"); // true
 */
export const IMPORTABLE_TYPES: readonly string[] = Object.freeze(["index-pattern", "dashboard", "lens", "visualization", "search", "config", "tag", "map", "query", "event-annotation-group"]);

/** A saved object as stored. */
export interface StoredObject {
  readonly type: string;
  readonly id: string;
  readonly attributes: Record<string, unknown>;
  readonly references: readonly { readonly type: string; readonly id: string; readonly name: string }[];
  readonly [key: string]: unknown;
}

/** One import request as received. */
export interface RecordedImport {
  readonly space: string;
  readonly overwrite: boolean;
  readonly createNewCopies: boolean;
  readonly filename: string | undefined;
  /** Parsed NDJSON lines (the export summary line left out). */
  readonly objects: readonly unknown[];
}

/** Settings of the local Kibana. */
export interface FakeKibanaOptions {
  readonly port?: number;
  /** Version reported by /api/status (and the newest `coreMigrationVersion` accepted). Default "9.4.0". */
  readonly version?: string;
  readonly auth?: ServerAuth;
}

interface ImportError {
  id: string;
  type: string;
  title?: string;
  meta: { title?: string; icon?: string };
  error: Record<string, unknown>;
  overwrite?: true;
}

function kibanaError(res: http.ServerResponse, status: number, message: string): void {
  const error = status === 400 ? "Bad Request" : status === 401 ? "Unauthorized" : status === 404 ? "Not Found" : status === 415 ? "Unsupported Media Type" : "Error";
  sendJson(res, status, { statusCode: status, error, message });
}

function titleOf(o: unknown): string | undefined {
  const attributes = (o as { attributes?: unknown }).attributes;
  const title = typeof attributes === "object" && attributes !== null ? (attributes as { title?: unknown }).title : undefined;
  return typeof title === "string" ? title : undefined;
}

/**
 * The local Kibana.
 *
 * @example
 * const kibana = await FakeKibana.start();
 * // POST `${kibana.url}/api/saved_objects/_import?overwrite=true` with kbn-xsrf and a multipart "file"
 * kibana.saved("default").size; // objects imported into the default space
 * await kibana.close();
 */
export class FakeKibana {
  readonly requests: RecordedRequest[] = [];
  readonly imports: RecordedImport[] = [];
  /** Overall status level reported by /api/status; "unavailable" answers 503. */
  statusLevel: "available" | "degraded" | "unavailable" = "available";
  url = "";
  private readonly spaces = new Map<string, Map<string, StoredObject>>();
  private readonly version: string;
  private readonly auth: ServerAuth | undefined;
  private copies = 0;

  private constructor(
    private readonly server: http.Server,
    options: FakeKibanaOptions,
  ) {
    this.version = options.version ?? "9.4.0";
    this.auth = options.auth;
  }

  static async start(options: FakeKibanaOptions = {}): Promise<FakeKibana> {
    const server = http.createServer();
    const kibana = new FakeKibana(server, options);
    server.on("request", (req, res) => {
      void kibana.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) kibanaError(res, 500, String(err));
      });
    });
    kibana.url = await listen(server, options.port ?? 0);
    return kibana;
  }

  async close(): Promise<void> {
    await stop(this.server);
  }

  /** The objects saved in `space`, by "type:id". */
  saved(space = "default"): Map<string, StoredObject> {
    let objects = this.spaces.get(space);
    if (objects === undefined) {
      objects = new Map();
      this.spaces.set(space, objects);
    }
    return objects;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    this.requests.push({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body });
    if (!authorized(this.auth, req.headers.authorization)) return kibanaError(res, 401, "Unauthorized");
    if (method === "GET" && url.pathname === "/api/status") return this.status(res);
    const m = /^(?:\/s\/([a-z0-9_-]+))?\/api\/saved_objects\/_import$/.exec(url.pathname);
    if (m && method === "POST") return this.import(req, res, m[1] ?? "default", url.searchParams, body);
    kibanaError(res, 404, "Not Found");
  }

  private status(res: http.ServerResponse): void {
    const level = this.statusLevel;
    const summary = level === "available" ? "All services and plugins are available" : `Kibana is ${level}`;
    sendJson(res, level === "unavailable" ? 503 : 200, {
      name: "satellite-test-kibana",
      uuid: "5b2de169-2785-441b-ae8c-186a1936b17d",
      version: { number: this.version, build_hash: "0000000000000000000000000000000000000000", build_number: 1, build_snapshot: false },
      status: {
        overall: { level, summary },
        core: { elasticsearch: { level: "available", summary: "Elasticsearch is available" }, savedObjects: { level: "available", summary: "SavedObjects service has completed migrations and is available" } },
        plugins: {},
      },
    });
  }

  private import(req: http.IncomingMessage, res: http.ServerResponse, space: string, query: URLSearchParams, body: Buffer): void {
    if (req.headers["kbn-xsrf"] === undefined) return kibanaError(res, 400, "Request must contain a kbn-xsrf header.");
    const boundary = boundaryOf(req.headers["content-type"]);
    if (boundary === undefined) return kibanaError(res, 415, "Unsupported Media Type");
    const overwrite = query.get("overwrite") === "true";
    const createNewCopies = query.get("createNewCopies") === "true";
    if (overwrite && createNewCopies) return kibanaError(res, 400, "cannot use [overwrite] with [createNewCopies]");
    const parts = parseMultipart(body, boundary);
    if (parts === undefined) return kibanaError(res, 400, "Invalid multipart body");
    const file = parts.find((p) => p.name === "file");
    if (file === undefined) return kibanaError(res, 400, "[request body.file]: expected value of type [Stream] but got [undefined]");
    const ext = file.filename === undefined ? "" : file.filename.slice(file.filename.lastIndexOf("."));
    if (ext !== ".ndjson") return kibanaError(res, 400, `Invalid file extension ${ext}`);

    const objects: unknown[] = [];
    for (const line of file.data.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (err) {
        return kibanaError(res, 400, err instanceof Error ? err.message : "Unexpected token in JSON");
      }
      if (typeof parsed === "object" && parsed !== null && "exportedCount" in parsed) continue;
      objects.push(parsed);
    }
    this.imports.push({ space, overwrite, createNewCopies, filename: file.filename, objects });
    sendJson(res, 200, this.importObjects(space, objects, overwrite, createNewCopies));
  }

  private importObjects(space: string, raw: readonly unknown[], overwrite: boolean, createNewCopies: boolean): object {
    const store = this.saved(space);
    const errors: ImportError[] = [];
    const collected: StoredObject[] = [];
    for (const o of raw) {
      const obj = o as Partial<StoredObject>;
      const id = typeof obj.id === "string" ? obj.id : "";
      const type = typeof obj.type === "string" ? obj.type : "";
      const title = titleOf(o);
      const base = { id, type, ...(title === undefined ? {} : { title }), meta: { ...(title === undefined ? {} : { title }) } };
      if (!IMPORTABLE_TYPES.includes(type)) {
        errors.push({ ...base, error: { type: "unsupported_type" } });
        continue;
      }
      const refs = obj.references;
      const refsOk = Array.isArray(refs) && refs.every((r: unknown) => typeof r === "object" && r !== null && typeof (r as { id?: unknown }).id === "string" && typeof (r as { type?: unknown }).type === "string" && typeof (r as { name?: unknown }).name === "string");
      if (id === "" || typeof obj.attributes !== "object" || obj.attributes === null || !refsOk) {
        errors.push({ ...base, error: { type: "unknown", statusCode: 400, message: `object ${type}:${id} needs a string id, an attributes object and references [{type, id, name}]` } });
        continue;
      }
      const core = obj.coreMigrationVersion;
      if (typeof core === "string" && compareVersions(core, this.version) > 0) {
        errors.push({ ...base, error: { type: "unknown", statusCode: 400, message: `Document "${id}" has property "coreMigrationVersion" which belongs to a more recent version of Kibana [${core}]. The last known version is [${this.version}]` } });
        continue;
      }
      collected.push(obj as StoredObject);
    }
    const inFile = new Set(collected.map((o) => `${o.type}:${o.id}`));
    const importable: StoredObject[] = [];
    for (const o of collected) {
      const missing = o.references.filter((r) => !inFile.has(`${r.type}:${r.id}`) && !store.has(`${r.type}:${r.id}`)).map((r) => ({ type: r.type, id: r.id }));
      const title = titleOf(o);
      if (missing.length > 0) {
        errors.push({ id: o.id, type: o.type, ...(title === undefined ? {} : { title }), meta: { ...(title === undefined ? {} : { title }) }, error: { type: "missing_references", references: missing } });
        continue;
      }
      if (!createNewCopies && !overwrite && store.has(`${o.type}:${o.id}`)) {
        errors.push({ id: o.id, type: o.type, ...(title === undefined ? {} : { title }), meta: { ...(title === undefined ? {} : { title }) }, error: { type: "conflict" } });
        continue;
      }
      importable.push(o);
    }
    const successResults = importable.map((o) => {
      const key = `${o.type}:${o.id}`;
      const existed = store.has(key);
      const destinationId = createNewCopies ? `copy-${++this.copies}-${o.id}` : undefined;
      store.set(destinationId === undefined ? key : `${o.type}:${destinationId}`, destinationId === undefined ? o : { ...o, id: destinationId });
      const title = titleOf(o);
      return { type: o.type, id: o.id, meta: { ...(title === undefined ? {} : { title }), icon: o.type === "dashboard" ? "dashboardApp" : o.type === "index-pattern" ? "indexPatternApp" : "visualizeApp" }, managed: false, ...(existed && overwrite ? { overwrite: true } : {}), ...(destinationId ? { destinationId } : {}) };
    });
    return {
      successCount: successResults.length,
      success: errors.length === 0,
      warnings: [],
      ...(successResults.length > 0 ? { successResults } : {}),
      ...(errors.length > 0 ? { errors } : {}),
    };
  }
}
