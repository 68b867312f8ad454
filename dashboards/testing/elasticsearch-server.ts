/**
 * A local stand-in for the part of the Elasticsearch 9 REST API Satellite
 * calls, on a real socket, for tests (no Elasticsearch server can be
 * installed here; see docs/elasticsearch.md). It answers with Elasticsearch's
 * documented response and error shapes and headers: `x-elastic-product:
 * Elasticsearch` (the client's product check), the `compatible-with`
 * media types (8 and 9 accepted, as ES 9 does), `GET /` and `HEAD /`,
 * component and composable index templates (with the priority-overlap and
 * missing-component checks), `_bulk` into data streams created from the
 * matching template (create-only, `@timestamp` required, documents checked
 * against the composed mappings), `GET _data_stream`, `_rollover`. Tests
 * script faults: whole-request errors (429, 503, dropped connections),
 * per-item errors, and slowness (responses held until released); and read
 * what it received.
 */
import http from "node:http";
import { mergeMappings, type Mappings } from "../es/mappings.ts";
import { checkDocument } from "./mapping-check.ts";
import { authorized, listen, patternsOverlap, readBody, sendJson, stop, wildcardMatch, type RecordedRequest, type ServerAuth } from "./http.ts";

/** An error Elasticsearch answers with: HTTP status, `error.type`, `error.reason`. */
export interface EsFault {
  readonly status: number;
  readonly type: string;
  readonly reason: string;
}

/** A fault for a whole `_bulk` request: an error response, or "reset" (the connection is dropped without an answer). */
export type RequestFault = EsFault | "reset";

/** What a per-item fault script sees about one bulk item. */
export interface BulkItemInfo {
  /** The `_index` the action names (a data stream name). */
  readonly index: string;
  readonly doc: Record<string, unknown>;
  /** How many times this exact document was received before (0 the first time). */
  readonly seen: number;
}

/**
 * The same faults Elasticsearch produces, ready to use.
 *
 * @example
 * es.itemFault = () => FAULTS.mappingParser; // every item fails with a 400
 */
export const FAULTS = Object.freeze({
  tooManyRequests: { status: 429, type: "es_rejected_execution_exception", reason: "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=10, max_coordinating_and_primary_bytes=0]" },
  unavailable: { status: 503, type: "unavailable_shards_exception", reason: "[.ds-x][0] primary shard is not active Timeout: [1m]" },
  mappingParser: { status: 400, type: "mapping_parser_exception", reason: "failed to parse mapping: field [x] of different type" },
  documentParsing: { status: 400, type: "document_parsing_exception", reason: "[1:20] failed to parse field [system.memory.used.pct] of type [scaled_float] in document" },
} satisfies Record<string, EsFault>);

/** A data stream and what it holds. */
export interface DataStreamState {
  readonly name: string;
  /** The index template it was created (or last rolled over) with. */
  template: string;
  generation: number;
  readonly indices: string[];
  /** Mappings of the current write index (a template change applies from the next rollover). */
  mappings: Mappings;
  readonly documents: Record<string, unknown>[];
}

/** Settings of the local server. */
export interface FakeElasticsearchOptions {
  /** Port on 127.0.0.1; default 0 (any free port). */
  readonly port?: number;
  /** Version reported by `GET /`. Default "9.4.0". */
  readonly version?: string;
  /** Required credentials; default none. */
  readonly auth?: ServerAuth;
  /** Install the stock `logs` (logs-*-*) and `metrics` (metrics-*-*) templates at priority 100, as Elasticsearch does. Default true. */
  readonly stockTemplates?: boolean;
  /** Check documents against the data stream's mappings. Default true. */
  readonly checkMappings?: boolean;
}

interface StoredIndexTemplate {
  readonly index_patterns: string[];
  readonly composed_of?: string[];
  readonly priority?: number;
  readonly data_stream?: object;
  readonly template?: { mappings?: Mappings; settings?: object; lifecycle?: object };
  readonly ignore_missing_component_templates?: string[];
  readonly [key: string]: unknown;
}

interface StoredComponentTemplate {
  readonly template: { mappings?: Mappings; settings?: object };
  readonly [key: string]: unknown;
}

function esError(status: number, type: string, reason: string): object {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}

const COMPAT = /compatible-with=(\d+)/;

/**
 * The local Elasticsearch. Start with `FakeElasticsearch.start()`, point a
 * real client at `url`, stop with `close()`.
 *
 * @example
 * const es = await FakeElasticsearch.start();
 * const client = new Client({ node: es.url });
 * es.failBulk(FAULTS.unavailable);      // every _bulk answers 503 until es.failBulk(undefined)
 * es.itemFault = ({ seen }) => (seen === 0 ? FAULTS.tooManyRequests : undefined); // each document rejected once
 * await es.close();
 */
export class FakeElasticsearch {
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  readonly componentTemplates = new Map<string, StoredComponentTemplate>();
  readonly indexTemplates = new Map<string, StoredIndexTemplate>();
  readonly dataStreams = new Map<string, DataStreamState>();
  /** Documents written to plain indices (names no data-stream template matches). */
  readonly plainIndices = new Map<string, Record<string, unknown>[]>();
  /** Per-item fault script: return a fault to fail that item. */
  itemFault: ((item: BulkItemInfo) => EsFault | undefined) | undefined;
  /** Number of `_bulk` requests answered (with any status). */
  bulkRequests = 0;

  private requestFault: RequestFault | undefined;
  private faultCount = Infinity;
  private templateFault: EsFault | undefined;
  private templateFaultCount = 0;
  private held: (() => void)[] | undefined;
  private readonly seen = new Map<string, number>();
  private readonly bulkWaiters: { count: number; resolve: () => void }[] = [];
  private readonly version: string;
  private readonly auth: ServerAuth | undefined;
  private readonly checkMappings: boolean;
  private seqNo = 0;

  private constructor(
    private readonly server: http.Server,
    options: FakeElasticsearchOptions,
  ) {
    this.version = options.version ?? "9.4.0";
    this.auth = options.auth;
    this.checkMappings = options.checkMappings ?? true;
    if (options.stockTemplates ?? true) {
      this.indexTemplates.set("logs", { index_patterns: ["logs-*-*"], priority: 100, data_stream: {}, composed_of: [], _meta: { managed: true, description: "default logs template installed by x-pack" } });
      this.indexTemplates.set("metrics", { index_patterns: ["metrics-*-*"], priority: 100, data_stream: {}, composed_of: [], _meta: { managed: true, description: "default metrics template installed by x-pack" } });
    }
  }

  /** Base URL, e.g. "http://127.0.0.1:41234". */
  url = "";

  /** Starts a server on 127.0.0.1. */
  static async start(options: FakeElasticsearchOptions = {}): Promise<FakeElasticsearch> {
    const server = http.createServer();
    const es = new FakeElasticsearch(server, options);
    server.on("request", (req, res) => {
      void es.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, esError(500, "exception", String(err)), { "x-elastic-product": "Elasticsearch" });
      });
    });
    es.url = await listen(server, options.port ?? 0);
    return es;
  }

  /** Stops the server (releasing held responses first). */
  async close(): Promise<void> {
    this.release();
    await stop(this.server);
  }

  /** Makes `_bulk` requests fail with `fault` (`count` times, default every time); `undefined` heals. */
  failBulk(fault: RequestFault | undefined, count = Infinity): void {
    this.requestFault = fault;
    this.faultCount = count;
  }

  /** Makes template PUTs (component and index) fail with `fault` (`count` times, default every time); `undefined` heals. */
  failTemplates(fault: EsFault | undefined, count = Infinity): void {
    this.templateFault = fault;
    this.templateFaultCount = fault === undefined ? 0 : count;
  }

  /** Holds `_bulk` responses (slowness) until `release()`. */
  hold(): void {
    this.held ??= [];
  }

  /** Sends every held response and stops holding. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const send of held) send();
  }

  /** Number of `_bulk` requests being held. */
  get heldRequests(): number {
    return this.held?.length ?? 0;
  }

  /** Resolves once `count` `_bulk` requests have arrived in total (held or answered). */
  untilBulkRequests(count: number): Promise<void> {
    if (this.bulkRequests >= count) return Promise.resolve();
    return new Promise((resolve) => this.bulkWaiters.push({ count, resolve }));
  }

  /** Documents stored in the data stream `name` (empty when it does not exist). */
  documents(name: string): Record<string, unknown>[] {
    return this.dataStreams.get(name)?.documents ?? [];
  }

  /** All documents stored in data streams, in arrival order per stream. */
  allDocuments(): Record<string, unknown>[] {
    return [...this.dataStreams.values()].flatMap((d) => d.documents);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    const path = url.pathname;
    this.requests.push({ method, path, query: url.searchParams, headers: req.headers, body });
    const accept = req.headers.accept;
    const compatible = typeof accept === "string" && COMPAT.test(accept);
    const headers: http.OutgoingHttpHeaders = {
      "x-elastic-product": "Elasticsearch",
      ...(compatible ? { "content-type": `application/vnd.elasticsearch+json;compatible-with=${COMPAT.exec(accept)![1]}` } : {}),
    };
    const reply = (status: number, payload: unknown): void => sendJson(res, status, payload, headers);

    for (const [name, value] of [["Accept", accept], ["Content-Type", req.headers["content-type"]]] as const) {
      const m = typeof value === "string" ? COMPAT.exec(value) : null;
      if (m && m[1] !== "8" && m[1] !== "9") {
        return reply(400, esError(400, "media_type_header_exception", `Invalid media-type value on headers [${name}]: ${name} version must be either version 8 or 9, but found ${m[1]}. ${name}=${value}`));
      }
    }
    if (!authorized(this.auth, req.headers.authorization)) {
      headers["www-authenticate"] = 'Basic realm="security", charset="UTF-8", ApiKey';
      return reply(401, esError(401, "security_exception", `missing authentication credentials for REST request [${path}]`));
    }

    const segments = path.split("/").filter((s) => s !== "").map(decodeURIComponent);
    if (segments.length === 0) {
      if (method === "HEAD") {
        res.writeHead(200, headers);
        res.end();
        return;
      }
      if (method === "GET") return reply(200, this.info());
    }
    const [first, second] = segments;
    if ((first === "_component_template" || first === "_index_template") && (method === "PUT" || method === "POST") && this.templateFault !== undefined && this.templateFaultCount > 0) {
      this.templateFaultCount--;
      const fault = this.templateFault;
      return reply(fault.status, esError(fault.status, fault.type, fault.reason));
    }
    if (first === "_bulk" && segments.length === 1 && (method === "POST" || method === "PUT")) return this.bulk(res, headers, body, undefined);
    if (second === "_bulk" && segments.length === 2 && (method === "POST" || method === "PUT")) return this.bulk(res, headers, body, first);
    if (first === "_component_template") {
      if ((method === "PUT" || method === "POST") && second !== undefined) return this.putComponentTemplate(reply, second, body);
      if (method === "GET") return this.getTemplates(reply, "component", second);
    }
    if (first === "_index_template") {
      if ((method === "PUT" || method === "POST") && second !== undefined) return this.putIndexTemplate(reply, second, body);
      if (method === "GET") return this.getTemplates(reply, "index", second);
    }
    if (first === "_data_stream" && method === "GET" && segments.length <= 2) return this.getDataStreams(reply, second);
    if (second === "_rollover" && method === "POST" && segments.length === 2) return this.rollover(reply, first!);
    return reply(400, { error: `no handler found for uri [${path}] and method [${method}]` });
  }

  private info(): object {
    return {
      name: "satellite-test-node",
      cluster_name: "satellite-test",
      cluster_uuid: "c0ffee00c0ffee00c0ffee",
      version: {
        number: this.version,
        build_flavor: "default",
        build_type: "tar",
        build_hash: "0000000000000000000000000000000000000000",
        build_date: "2026-01-01T00:00:00.000Z",
        build_snapshot: false,
        lucene_version: "10.2.0",
        minimum_wire_compatibility_version: "8.19.0",
        minimum_index_compatibility_version: "8.0.0",
      },
      tagline: "You Know, for Search",
    };
  }

  private parseJson(reply: (s: number, p: unknown) => void, body: Buffer): Record<string, unknown> | undefined {
    try {
      const v: unknown = JSON.parse(body.toString("utf8"));
      if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // answered below
    }
    reply(400, esError(400, "x_content_parse_exception", "[1:1] request body is not a JSON object"));
    return undefined;
  }

  private putComponentTemplate(reply: (s: number, p: unknown) => void, name: string, body: Buffer): void {
    const t = this.parseJson(reply, body);
    if (t === undefined) return;
    if (typeof t.template !== "object" || t.template === null) return reply(400, esError(400, "action_request_validation_exception", "Validation Failed: 1: template is missing;"));
    this.componentTemplates.set(name, t as StoredComponentTemplate);
    reply(200, { acknowledged: true });
  }

  private putIndexTemplate(reply: (s: number, p: unknown) => void, name: string, body: Buffer): void {
    const t = this.parseJson(reply, body);
    if (t === undefined) return;
    const patterns = t.index_patterns;
    if (!Array.isArray(patterns) || patterns.length === 0 || !patterns.every((p) => typeof p === "string")) {
      return reply(400, esError(400, "action_request_validation_exception", "Validation Failed: 1: index patterns are missing;"));
    }
    const template = t as unknown as StoredIndexTemplate;
    const ignored = new Set(template.ignore_missing_component_templates ?? []);
    const missing = (template.composed_of ?? []).filter((c) => !this.componentTemplates.has(c) && !ignored.has(c));
    if (missing.length > 0) {
      return reply(400, esError(400, "invalid_index_template_exception", `index_template [${name}] invalid, cause [index template [${name}] specifies component templates [${missing.join(", ")}] that do not exist]`));
    }
    const priority = template.priority ?? 0;
    for (const [otherName, other] of this.indexTemplates) {
      if (otherName === name || (other.priority ?? 0) !== priority) continue;
      if (template.index_patterns.some((p) => other.index_patterns.some((q) => patternsOverlap(p, q)))) {
        return reply(
          400,
          esError(
            400,
            "illegal_argument_exception",
            `index template [${name}] has index patterns [${template.index_patterns.join(", ")}] matching patterns from existing templates [${otherName}] with patterns (${otherName} => [${other.index_patterns.join(", ")}]) that have the same priority [${priority}], multiple index templates may not match during index creation, please use a different priority`,
          ),
        );
      }
    }
    this.indexTemplates.set(name, template);
    reply(200, { acknowledged: true });
  }

  private getTemplates(reply: (s: number, p: unknown) => void, kind: "component" | "index", pattern: string | undefined): void {
    const store: Map<string, object> = kind === "component" ? this.componentTemplates : this.indexTemplates;
    const names = [...store.keys()].filter((n) => pattern === undefined || pattern.split(",").some((p) => wildcardMatch(p, n)));
    if (pattern !== undefined && names.length === 0) {
      return reply(404, esError(404, "resource_not_found_exception", `${kind} template matching [${pattern}] not found`));
    }
    const key = kind === "component" ? "component_templates" : "index_templates";
    const inner = kind === "component" ? "component_template" : "index_template";
    reply(200, { [key]: names.map((name) => ({ name, [inner]: store.get(name) })) });
  }

  /** The index template Elasticsearch would use for a new index or data stream `name`: the matching one with the highest priority. */
  matchingTemplate(name: string): [string, StoredIndexTemplate] | undefined {
    let best: [string, StoredIndexTemplate] | undefined;
    for (const entry of this.indexTemplates) {
      if (!entry[1].index_patterns.some((p) => wildcardMatch(p, name))) continue;
      if (best === undefined || (entry[1].priority ?? 0) > (best[1].priority ?? 0)) best = entry;
    }
    return best;
  }

  private composedMappings(template: StoredIndexTemplate): Mappings {
    return mergeMappings(...(template.composed_of ?? []).map((c) => this.componentTemplates.get(c)?.template.mappings), template.template?.mappings);
  }

  private backingIndex(name: string, generation: number): string {
    const d = new Date();
    const date = `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, "0")}.${String(d.getUTCDate()).padStart(2, "0")}`;
    return `.ds-${name}-${date}-${String(generation).padStart(6, "0")}`;
  }

  private dataStreamFor(name: string): DataStreamState | undefined {
    const existing = this.dataStreams.get(name);
    if (existing) return existing;
    const match = this.matchingTemplate(name);
    if (match === undefined || match[1].data_stream === undefined) return undefined;
    const ds: DataStreamState = { name, template: match[0], generation: 1, indices: [this.backingIndex(name, 1)], mappings: this.composedMappings(match[1]), documents: [] };
    this.dataStreams.set(name, ds);
    return ds;
  }

  private rollover(reply: (s: number, p: unknown) => void, name: string): void {
    const ds = this.dataStreams.get(name);
    if (ds === undefined) return reply(404, esError(404, "index_not_found_exception", `no such index [${name}]`));
    const old = ds.indices[ds.indices.length - 1]!;
    const match = this.matchingTemplate(name);
    if (match !== undefined) {
      ds.template = match[0];
      ds.mappings = this.composedMappings(match[1]);
    }
    ds.generation++;
    const fresh = this.backingIndex(name, ds.generation);
    ds.indices.push(fresh);
    reply(200, { acknowledged: true, shards_acknowledged: true, old_index: old, new_index: fresh, rolled_over: true, dry_run: false, lazy: false, conditions: {} });
  }

  private getDataStreams(reply: (s: number, p: unknown) => void, names: string | undefined): void {
    const patterns = names === undefined || names === "*" || names === "_all" ? ["*"] : names.split(",");
    const found: DataStreamState[] = [];
    for (const p of patterns) {
      const hits = [...this.dataStreams.values()].filter((d) => wildcardMatch(p, d.name));
      if (hits.length === 0 && !p.includes("*")) return reply(404, esError(404, "index_not_found_exception", `no such index [${p}]`));
      for (const h of hits) if (!found.includes(h)) found.push(h);
    }
    reply(200, {
      data_streams: found.map((d) => ({
        name: d.name,
        timestamp_field: { name: "@timestamp" },
        indices: d.indices.map((i) => ({ index_name: i, index_uuid: `uuid-${i}` })),
        generation: d.generation,
        status: "GREEN",
        template: d.template,
        hidden: false,
        system: false,
        allow_custom_routing: false,
        replicated: false,
      })),
    });
  }

  private bulk(res: http.ServerResponse, headers: http.OutgoingHttpHeaders, body: Buffer, defaultIndex: string | undefined): void {
    this.bulkRequests++;
    for (const w of this.bulkWaiters.filter((x) => x.count <= this.bulkRequests)) {
      this.bulkWaiters.splice(this.bulkWaiters.indexOf(w), 1);
      w.resolve();
    }
    const send = (status: number, payload: unknown): void => {
      const go = (): void => sendJson(res, status, payload, headers);
      if (this.held) this.held.push(go);
      else go();
    };
    if (this.requestFault !== undefined && this.faultCount > 0) {
      const fault = this.requestFault;
      if (--this.faultCount === 0) this.requestFault = undefined;
      if (fault === "reset") {
        res.socket?.destroy();
        return;
      }
      return send(fault.status, esError(fault.status, fault.type, fault.reason));
    }
    const text = body.toString("utf8");
    if (text.length > 0 && !text.endsWith("\n")) return send(400, esError(400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]"));
    const lines = text.split("\n");
    lines.pop();
    const started = Date.now();
    const items: object[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i++) {
      let action: Record<string, { _index?: string }>;
      try {
        action = JSON.parse(lines[i]!) as Record<string, { _index?: string }>;
      } catch {
        return send(400, esError(400, "x_content_parse_exception", `[1:1] Malformed action/metadata line [${i + 1}], expected START_OBJECT`));
      }
      const op = Object.keys(action)[0] ?? "";
      if (!["index", "create", "update", "delete"].includes(op)) {
        return send(400, esError(400, "illegal_argument_exception", `Malformed action/metadata line [${i + 1}], expected one of [create, delete, index, update] but found [${op}]`));
      }
      const index = action[op]?._index ?? defaultIndex;
      let source: Record<string, unknown> | undefined;
      if (op !== "delete") {
        const line = lines[++i];
        try {
          source = JSON.parse(line ?? "") as Record<string, unknown>;
        } catch {
          source = undefined;
        }
      }
      const item = this.bulkItem(op, index, source, lines[i] ?? "");
      if ((item.status as number) >= 300) errors = true;
      items.push({ [op]: item });
    }
    send(200, { errors, took: Date.now() - started, items });
  }

  private bulkItem(op: string, index: string | undefined, source: Record<string, unknown> | undefined, raw: string): Record<string, unknown> {
    const fail = (at: string, status: number, type: string, reason: string): Record<string, unknown> => ({ _index: at, _id: null, status, error: { type, reason, index: at } });
    if (index === undefined) return fail("", 400, "action_request_validation_exception", "Validation Failed: 1: index is missing;");
    if (source === undefined && op !== "delete") return fail(index, 400, "document_parsing_exception", "[1:1] failed to parse: the document is not valid JSON");
    const ds = this.dataStreamFor(index);
    if (ds !== undefined && op !== "create") return fail(index, 400, "illegal_argument_exception", "only write ops with an op_type of create are allowed in data streams");
    const at = ds ? ds.indices[ds.indices.length - 1]! : index;
    const key = `${index}\n${raw}`;
    const seen = this.seen.get(key) ?? 0;
    this.seen.set(key, seen + 1);
    const fault = this.itemFault?.({ index, doc: source ?? {}, seen });
    if (fault) return fail(at, fault.status, fault.type, fault.reason);
    if (ds !== undefined) {
      if (source!["@timestamp"] === undefined) return fail(at, 400, "document_parsing_exception", "[1:1] failed to parse: data stream timestamp field [@timestamp] is missing");
      if (this.checkMappings) {
        const err = checkDocument(ds.mappings, source);
        if (err) return fail(at, 400, err.type, err.reason);
      }
      ds.documents.push(source!);
    } else if (source !== undefined) {
      const docs = this.plainIndices.get(index) ?? [];
      docs.push(source);
      this.plainIndices.set(index, docs);
    }
    const seqNo = this.seqNo++;
    return { _index: at, _id: `doc${seqNo}`, _version: 1, result: "created", _shards: { total: 2, successful: 1, failed: 0 }, _seq_no: seqNo, _primary_term: 1, status: 201 };
  }
}
