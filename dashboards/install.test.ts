/**
 * Tests of the installer and the exporter against the local Elasticsearch
 * and Kibana servers over real sockets: what lands where, idempotent
 * re-installs, data streams made from older templates (reported, rolled
 * over on request), Kibana refusing objects, authentication, spaces, and
 * failures of either service reported without hiding the other's result.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import type { Client } from "@elastic/elasticsearch";
import { createElasticsearchClient } from "./es/client.ts";
import { satelliteTemplates } from "./es/templates.ts";
import { exportDashboards, installDashboards, type InstallOptions } from "./install.ts";
import { satelliteSavedObjects } from "./kibana/dashboards.ts";
import { describeImportFailure, importSavedObjects } from "./kibana/import.ts";
import { toNdjson } from "./kibana/saved-objects.ts";
import { FakeElasticsearch } from "./testing/elasticsearch-server.ts";
import { FakeKibana } from "./testing/kibana-server.ts";

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function services(options: { esAuth?: { apiKey: string }; kibanaVersion?: string; kibanaAuth?: { apiKey: string } } = {}): Promise<{ es: FakeElasticsearch; kibana: FakeKibana; client: Client }> {
  const es = await FakeElasticsearch.start(options.esAuth ? { auth: options.esAuth } : {});
  const kibana = await FakeKibana.start({ ...(options.kibanaVersion ? { version: options.kibanaVersion } : {}), ...(options.kibanaAuth ? { auth: options.kibanaAuth } : {}) });
  const client = createElasticsearchClient({ node: es.url, ...(options.esAuth ?? {}) });
  cleanups.push(async () => {
    await client.close();
    await es.close();
    await kibana.close();
  });
  return { es, kibana, client };
}

async function run(options: Omit<InstallOptions, "log">): Promise<{ report: Awaited<ReturnType<typeof installDashboards>>; log: string }> {
  const lines: string[] = [];
  const report = await installDashboards({ ...options, log: (l) => lines.push(l) });
  return { report, log: lines.join("\n") };
}

describe("installDashboards", () => {
  it("installs every template into Elasticsearch and every saved object into Kibana", async () => {
    const { es, kibana, client } = await services();
    const { report, log } = await run({ elasticsearch: { client, url: es.url }, kibana: { url: kibana.url } });
    assert.equal(report.ok, true, log);
    const set = satelliteTemplates();
    assert.deepEqual([...es.componentTemplates.keys()], set.componentTemplates.map((t) => t.name));
    for (const t of set.componentTemplates) assert.deepEqual(es.componentTemplates.get(t.name), JSON.parse(JSON.stringify(t.body)), t.name);
    for (const t of set.indexTemplates) assert.deepEqual(es.indexTemplates.get(t.name), JSON.parse(JSON.stringify(t.body)), t.name);
    const objects = satelliteSavedObjects();
    assert.equal(report.imported, objects.length);
    assert.deepEqual([...kibana.saved().keys()].sort(), objects.map((o) => `${o.type}:${o.id}`).sort());
    const imp = kibana.imports[0]!;
    assert.equal(imp.overwrite, true);
    assert.equal(imp.filename, "satellite.ndjson");
    const request = kibana.requests.find((r) => r.path === "/api/saved_objects/_import")!;
    assert.ok(request.headers["kbn-xsrf"] !== undefined);
    assert.match(String(request.headers["content-type"]), /^multipart\/form-data; boundary=/);
    assert.match(log, /^Elasticsearch 9\.4\.0 at http:\/\/127\.0\.0\.1:\d+ \(cluster satellite-test\)$/m);
    assert.match(log, /index template satellite-metrics: installed/);
    assert.match(log, /^Kibana 9\.4\.0 at .*: available/m);
    assert.match(log, new RegExp(`imported ${objects.length} of ${objects.length} saved objects$`, "m"));
  });

  it("is idempotent: a second install replaces the same objects", async () => {
    const { es, kibana, client } = await services();
    await run({ elasticsearch: { client, url: es.url }, kibana: { url: kibana.url } });
    const { report, log } = await run({ elasticsearch: { client, url: es.url }, kibana: { url: kibana.url } });
    assert.equal(report.ok, true, log);
    assert.equal(kibana.saved().size, satelliteSavedObjects().length, "no duplicates");
    assert.match(log, /\((\d+) replaced\)/);
  });

  it("reports data streams created before the templates, and rolls them over on request so Satellite's mappings apply", async () => {
    const { es, client } = await services();
    await client.bulk({ operations: [{ create: { _index: "logs-satellite.events-default" } }, { "@timestamp": "2024-01-01T00:00:00Z", message: "early" }] });
    assert.equal(es.dataStreams.get("logs-satellite.events-default")?.template, "logs", "made by the stock template");
    const first = await run({ elasticsearch: { client, url: es.url } });
    assert.equal(first.report.ok, true);
    assert.deepEqual(first.report.staleDataStreams, ["logs-satellite.events-default"]);
    assert.match(first.log, /data stream logs-satellite\.events-default: created from template logs, not satellite-events; roll it over/);
    const second = await run({ elasticsearch: { client, url: es.url }, rollover: true });
    assert.deepEqual(second.report.rolledOver, ["logs-satellite.events-default"]);
    const ds = es.dataStreams.get("logs-satellite.events-default")!;
    assert.equal(ds.template, "satellite-events");
    assert.equal(ds.generation, 2);
    const third = await run({ elasticsearch: { client, url: es.url } });
    assert.deepEqual(third.report.staleDataStreams, []);
    assert.match(third.log, /data stream logs-satellite\.events-default: uses satellite-events/);
  });

  it("reports every object Kibana refuses, and fails", async () => {
    const { kibana } = await services({ kibanaVersion: "8.7.0" });
    const { report, log } = await run({ kibana: { url: kibana.url } });
    assert.equal(report.ok, false);
    assert.equal(report.importErrors.length, satelliteSavedObjects().length);
    assert.match(log, /error: Kibana refused dashboard satellite-fleet-overview "\[Satellite\] Fleet overview": unknown: Document "satellite-fleet-overview" has property "coreMigrationVersion" which belongs to a more recent version of Kibana \[8\.8\.0\]/);
  });

  it("reports missing references as Kibana does, naming them", async () => {
    const { kibana } = await services();
    const withoutViews = satelliteSavedObjects().filter((o) => o.type !== "index-pattern");
    const result = await importSavedObjects({ url: kibana.url }, toNdjson(withoutViews));
    assert.equal(result.success, false);
    const lens = result.errors.find((e) => e.id === "satellite-fleet-cpu")!;
    assert.equal(describeImportFailure(lens), 'lens satellite-fleet-cpu "CPU use (top 10 hosts)": missing_references (index-pattern satellite-metrics)');
    assert.equal(result.errors.length, withoutViews.length - 4, "every Lens object is refused");
    assert.deepEqual(
      result.successResults.map((r) => r.type),
      ["dashboard", "dashboard", "dashboard", "dashboard"],
      "as in Kibana, a reference to an object in the same file counts as resolved even when that object is refused",
    );
  });

  it("sends the API key to both services and imports into a space", async () => {
    const { es, kibana, client } = await services({ esAuth: { apiKey: "c2VjcmV0" }, kibanaAuth: { apiKey: "c2VjcmV0" } });
    const { report, log } = await run({ elasticsearch: { client, url: es.url }, kibana: { url: kibana.url, apiKey: "c2VjcmV0", space: "ops" } });
    assert.equal(report.ok, true, log);
    assert.equal(kibana.saved("ops").size, satelliteSavedObjects().length);
    assert.equal(kibana.saved("default").size, 0);
    assert.ok(kibana.requests.some((r) => r.path === "/s/ops/api/saved_objects/_import" && r.headers.authorization === "ApiKey c2VjcmV0"));
    assert.ok(es.requests.every((r) => r.headers.authorization === "ApiKey c2VjcmV0"));
  });

  it("reports a failing Elasticsearch and an unavailable Kibana, and still does what it can", async () => {
    const { es, kibana } = await services({ esAuth: { apiKey: "right" } });
    const wrong = createElasticsearchClient({ node: es.url, apiKey: "wrong" });
    cleanups.push(() => wrong.close());
    const first = await run({ elasticsearch: { client: wrong, url: es.url }, kibana: { url: kibana.url } });
    assert.equal(first.report.ok, false);
    assert.match(first.log, /error: Elasticsearch at .*: 401 security_exception: missing authentication credentials/);
    assert.equal(kibana.saved().size, satelliteSavedObjects().length, "Kibana was still installed");
    kibana.statusLevel = "unavailable";
    const second = await run({ kibana: { url: kibana.url } });
    assert.equal(second.report.ok, false);
    assert.match(second.log, /error: Kibana GET \/api\/status: 503/);
    const third = await run({ kibana: { url: "http://127.0.0.1:1" } });
    assert.match(third.log, /error: Kibana at http:\/\/127\.0\.0\.1:1\/api\/status did not answer/);
  });
});

describe("exportDashboards", () => {
  it("writes each template as JSON under its API path and the saved objects as NDJSON", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "satellite-dashboards-"));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const files = await exportDashboards(dir);
    const set = satelliteTemplates();
    assert.deepEqual(readdirSync(path.join(dir, "elasticsearch", "_index_template")).sort(), set.indexTemplates.map((t) => `${t.name}.json`).sort());
    for (const t of set.componentTemplates) {
      assert.deepEqual(JSON.parse(readFileSync(path.join(dir, "elasticsearch", "_component_template", `${t.name}.json`), "utf8")), JSON.parse(JSON.stringify(t.body)));
    }
    assert.equal(readFileSync(path.join(dir, "kibana", "satellite.ndjson"), "utf8"), toNdjson(satelliteSavedObjects()));
    assert.equal(files.length, set.componentTemplates.length + set.indexTemplates.length + 1);
  });
});
