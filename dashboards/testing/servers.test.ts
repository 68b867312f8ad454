/**
 * Tests of the local Elasticsearch and Kibana servers themselves: that they
 * answer with the headers, response shapes and errors the real services
 * document, so tests built on them mean something. Real sockets, real
 * Elasticsearch client, Node's fetch.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Client } from "@elastic/elasticsearch";
import { createElasticsearchClient } from "../es/client.ts";
import { FakeElasticsearch } from "./elasticsearch-server.ts";
import { patternsOverlap } from "./http.ts";
import { FakeKibana } from "./kibana-server.ts";

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

function errorOf(body: Record<string, unknown>): { type: string; reason: string } {
  return body.error as { type: string; reason: string };
}

describe("local Elasticsearch", () => {
  let es: FakeElasticsearch;
  let client: Client;
  before(async () => {
    es = await FakeElasticsearch.start();
    client = createElasticsearchClient({ node: es.url });
  });
  after(async () => {
    await client.close();
    await es.close();
  });

  it("answers GET / with x-elastic-product, so the real client's product check passes", async () => {
    const info = await client.info();
    assert.equal(info.version.number, "9.4.0");
    assert.equal(info.tagline, "You Know, for Search");
    const res = await fetch(`${es.url}/`);
    assert.equal(res.headers.get("x-elastic-product"), "Elasticsearch");
    assert.equal(await client.ping(), true);
  });

  it("refuses compatible-with=7 as Elasticsearch 9 does, and accepts 8", async () => {
    const seven = await fetch(`${es.url}/`, { headers: { accept: "application/vnd.elasticsearch+json; compatible-with=7" } });
    assert.equal(seven.status, 400);
    assert.equal(errorOf(await json(seven)).type, "media_type_header_exception");
    const eight = await fetch(`${es.url}/`, { headers: { accept: "application/vnd.elasticsearch+json; compatible-with=8" } });
    assert.equal(eight.status, 200);
    assert.match(String(eight.headers.get("content-type")), /compatible-with=8/);
  });

  it("checks index templates as Elasticsearch does: components must exist, overlapping patterns need different priorities", async () => {
    const missing = await fetch(`${es.url}/_index_template/t1`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ index_patterns: ["x-*"], composed_of: ["nope"] }) });
    assert.equal(missing.status, 400);
    assert.equal(errorOf(await json(missing)).type, "invalid_index_template_exception");
    const clash = await fetch(`${es.url}/_index_template/t2`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ index_patterns: ["logs-satellite.events-*"], priority: 100, data_stream: {} }) });
    assert.equal(clash.status, 400);
    assert.match(errorOf(await json(clash)).reason, /matching patterns from existing templates \[logs\] .* same priority \[100\]/);
    assert.equal(patternsOverlap("logs-*-*", "metrics-*"), false);
    assert.equal(patternsOverlap("logs-*-*", "logs-satellite.events-*"), true);
    const gone = await fetch(`${es.url}/_index_template/none`);
    assert.equal(gone.status, 404);
    assert.equal(errorOf(await json(gone)).type, "resource_not_found_exception");
  });

  it("bulk: per-item results in order; data streams take only create, need @timestamp; the body must end with a newline", async () => {
    const lines = [
      { create: { _index: "logs-a-default" } },
      { "@timestamp": "2024-01-01T00:00:00Z", n: 1 },
      { index: { _index: "logs-a-default" } },
      { "@timestamp": "2024-01-01T00:00:00Z", n: 2 },
      { create: { _index: "logs-a-default" } },
      { n: 3 },
    ];
    const res = await fetch(`${es.url}/_bulk`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: lines.map((l) => JSON.stringify(l)).join("\n") + "\n" });
    const body = await json(res);
    assert.equal(res.status, 200);
    assert.equal(body.errors, true);
    const items = (body.items as Record<string, { status: number; error?: { type: string; reason: string }; _index: string }>[]).map((i) => Object.values(i)[0]!);
    assert.deepEqual(items.map((i) => i.status), [201, 400, 400]);
    assert.match(items[0]!._index, /^\.ds-logs-a-default-\d{4}\.\d{2}\.\d{2}-000001$/);
    assert.equal(items[1]!.error?.reason, "only write ops with an op_type of create are allowed in data streams");
    assert.match(items[2]!.error?.reason ?? "", /data stream timestamp field \[@timestamp\] is missing/);
    const unterminated = await fetch(`${es.url}/_bulk`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: JSON.stringify(lines[0]) });
    assert.equal(unterminated.status, 400);
    assert.match(errorOf(await json(unterminated)).reason, /must be terminated by a newline/);
  });

  it("lists data streams with wildcards and answers 404 for an unknown name", async () => {
    const res = await client.indices.getDataStream({ name: "logs-*" });
    assert.deepEqual(res.data_streams.map((d) => [d.name, d.template, d.generation]), [["logs-a-default", "logs", 1]]);
    await assert.rejects(client.indices.getDataStream({ name: "logs-nope-default" }), (err: { meta?: { statusCode?: number } }) => err.meta?.statusCode === 404);
  });
});

describe("local Kibana", () => {
  let kibana: FakeKibana;
  before(async () => {
    kibana = await FakeKibana.start();
  });
  after(() => kibana.close());

  function upload(ndjson: string, filename = "x.ndjson", query = "", headers: Record<string, string> = { "kbn-xsrf": "true" }): Promise<Response> {
    const form = new FormData();
    form.append("file", new Blob([ndjson]), filename);
    return fetch(`${kibana.url}/api/saved_objects/_import${query}`, { method: "POST", body: form, headers });
  }

  const view = JSON.stringify({ type: "index-pattern", id: "v1", attributes: { title: "logs-*" }, references: [] });
  const vis = JSON.stringify({ type: "lens", id: "l1", attributes: { title: "L" }, references: [{ type: "index-pattern", id: "v1", name: "indexpattern-datasource-layer-a" }] });

  it("requires kbn-xsrf, a multipart body and an .ndjson file, and refuses overwrite with createNewCopies", async () => {
    const noXsrf = await upload(view, "x.ndjson", "", {});
    assert.equal(noXsrf.status, 400);
    assert.equal((await json(noXsrf)).message, "Request must contain a kbn-xsrf header.");
    const json415 = await fetch(`${kibana.url}/api/saved_objects/_import`, { method: "POST", headers: { "kbn-xsrf": "1", "content-type": "application/json" }, body: "{}" });
    assert.equal(json415.status, 415);
    const ext = await upload(view, "x.json");
    assert.equal((await json(ext)).message, "Invalid file extension .json");
    const both = await upload(view, "x.ndjson", "?overwrite=true&createNewCopies=true");
    assert.equal((await json(both)).message, "cannot use [overwrite] with [createNewCopies]");
  });

  it("imports, reporting missing references, conflicts without overwrite, unsupported types; skips the export summary line", async () => {
    const missing = await json(await upload(vis));
    assert.equal(missing.success, false);
    assert.deepEqual(missing.errors, [{ id: "l1", type: "lens", title: "L", meta: { title: "L" }, error: { type: "missing_references", references: [{ type: "index-pattern", id: "v1" }] } }]);
    const ok = await json(await upload(`${view}\n${vis}\n{"exportedCount":2,"missingRefCount":0,"missingReferences":[]}\n`));
    assert.equal(ok.success, true);
    assert.equal(ok.successCount, 2);
    const again = await json(await upload(view));
    assert.equal((again.errors as { error: { type: string } }[])[0]!.error.type, "conflict");
    const over = await json(await upload(view, "x.ndjson", "?overwrite=true"));
    assert.deepEqual((over.successResults as { overwrite?: boolean }[])[0]!.overwrite, true);
    const odd = await json(await upload(JSON.stringify({ type: "spaceship", id: "s", attributes: {}, references: [] })));
    assert.equal((odd.errors as { error: { type: string } }[])[0]!.error.type, "unsupported_type");
  });

  it("reports its status, 503 when unavailable", async () => {
    const up = await fetch(`${kibana.url}/api/status`);
    assert.equal(((await json(up)).status as { overall: { level: string } }).overall.level, "available");
    kibana.statusLevel = "unavailable";
    assert.equal((await fetch(`${kibana.url}/api/status`)).status, 503);
    kibana.statusLevel = "available";
  });
});
