/**
 * Tests of `satellite dashboards install|export` as a user runs them: a
 * real child process per invocation, talking to the local Elasticsearch and
 * Kibana servers over real sockets.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { satelliteSavedObjects } from "../../dashboards/kibana/dashboards.ts";
import { FakeElasticsearch } from "../../dashboards/testing/elasticsearch-server.ts";
import { FakeKibana } from "../../dashboards/testing/kibana-server.ts";

const BIN = fileURLToPath(new URL("../../bin/satellite.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Runs the command without blocking this process (the local servers answer from it). */
function satellite(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = { ...process.env };
  delete clean.ELASTICSEARCH_URL;
  delete clean.KIBANA_URL;
  delete clean.ELASTICSEARCH_API_KEY;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...clean, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("satellite dashboards", () => {
  let es: FakeElasticsearch;
  let kibana: FakeKibana;
  const dir = mkdtempSync(path.join(tmpdir(), "satellite-cli-dashboards-"));
  before(async () => {
    es = await FakeElasticsearch.start({ auth: { username: "elastic", password: "pw" } });
    kibana = await FakeKibana.start({ auth: { username: "elastic", password: "pw" } });
  });
  after(async () => {
    await es.close();
    await kibana.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("install: templates into Elasticsearch and dashboards into Kibana (URLs from the environment), exit 0", async () => {
    const r = await satellite(["dashboards", "install", "--user", "elastic:pw"], { ELASTICSEARCH_URL: es.url, KIBANA_URL: kibana.url });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /index template satellite-tasks: installed/);
    assert.match(r.stdout, /imported \d+ of \d+ saved objects/);
    assert.match(r.stdout, /^done$/m);
    assert.equal(es.indexTemplates.has("satellite-metrics"), true);
    assert.equal(kibana.saved().size, satelliteSavedObjects().length);
  });

  it("install: exit 1 with the reason when a service fails, exit 2 without any URL", async () => {
    const bad = await satellite(["dashboards", "install", "--es", es.url, "--kibana", kibana.url, "--user", "elastic:wrong"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /error: Elasticsearch at .*: 401 security_exception/);
    assert.match(bad.stderr, /error: Kibana GET \/api\/status: 401 Unauthorized/);
    const none = await satellite(["dashboards", "install"]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give --es URL and\/or --kibana URL/);
  });

  it("export: writes templates and saved objects to a directory", async () => {
    const r = await satellite(["dashboards", "export", dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /_index_template\/satellite-alerts\.json$/m);
    const ndjson = readFileSync(path.join(dir, "kibana", "satellite.ndjson"), "utf8");
    assert.equal(ndjson, readFileSync(path.join(ROOT, "dashboards", "kibana", "satellite.ndjson"), "utf8"));
  });
});
