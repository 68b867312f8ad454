/**
 * Tests of the alerting HTTP API over a real socket on 127.0.0.1 (port 0),
 * mounted the way the lead mounts it (`createApiServer` with
 * `mounts: [{path: "/api/v1", ...}]`, bearer token for writes).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startApiServer, type ApiServer } from "../api/server.ts";
import type { AlertView, HistoryEntry, SilenceView } from "./alerting.ts";
import { alertsRouter } from "./router.ts";
import { page, resolve, rig, type Rig } from "./test-support.ts";

const TOKEN = "s3cret";
let api: ApiServer;
let r: Rig;
let base: string;

async function call(method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

before(async () => {
  r = rig({ resolveAfterSeconds: 0 });
  api = await startApiServer({
    engine: { submitAll: () => ({ accepted: 0, rejected: [] }) },
    port: 0,
    token: TOKEN,
    mounts: [{ path: "/api/v1", handler: alertsRouter(r.alerting) }],
  });
  base = `http://127.0.0.1:${api.port}`;
  const { alerting, clock } = r;
  alerting.handle(page(clock, "h1"));
  alerting.handle(page(clock, "h2", { rule: "cpu/hot" }));
  clock.advanceBy(3600);
  alerting.handle(page(clock, "h3"));
  alerting.handle(resolve(clock, "h1"));
  clock.advanceBy(7200);
  alerting.handle(page(clock, "h4", { alerting: { forSeconds: 600 } }));
});

after(async () => {
  await api.close();
  r.alerting.close();
});

const keys = (alerts: unknown) => (alerts as AlertView[]).map((a) => a.key).sort();

describe("GET /api/v1/alerts", () => {
  it("lists every alert, firing first, with their state", async () => {
    const { status, json } = await call("GET", "/api/v1/alerts", undefined, null);
    assert.equal(status, 200);
    const alerts = json.alerts as AlertView[];
    assert.deepEqual(
      alerts.map((a) => `${a.key} ${a.state}`),
      ["disk/full:h3 firing", "cpu/hot:h2 firing", "disk/full:h4 pending", "disk/full:h1 resolved"],
    );
    assert.equal(alerts[0]!.startsAt, new Date((r.clock.now() - 7200) * 1000).toISOString());
    assert.equal("evidence" in alerts[0]!, false, "lists carry no evidence");
  });

  it("filters by state, rule (or rules file), host and since", async () => {
    assert.deepEqual(keys((await call("GET", "/api/v1/alerts?state=firing")).json.alerts), ["cpu/hot:h2", "disk/full:h3"]);
    assert.deepEqual(keys((await call("GET", "/api/v1/alerts?state=active")).json.alerts), ["cpu/hot:h2", "disk/full:h3", "disk/full:h4"]);
    assert.deepEqual(keys((await call("GET", "/api/v1/alerts?state=resolved,pending")).json.alerts), ["disk/full:h1", "disk/full:h4"]);
    assert.deepEqual(keys((await call("GET", "/api/v1/alerts?rule=disk/full&state=firing")).json.alerts), ["disk/full:h3"]);
    assert.deepEqual(keys((await call("GET", "/api/v1/alerts?rule=cpu")).json.alerts), ["cpu/hot:h2"]);
    assert.deepEqual(keys((await call("GET", "/api/v1/alerts?host=h1")).json.alerts), ["disk/full:h1"]);
    // h1 resolved 2 h ago: "since=1h" leaves it out, "since=3h" keeps it.
    assert.deepEqual(keys((await call("GET", "/api/v1/alerts?since=1h")).json.alerts), ["cpu/hot:h2", "disk/full:h3", "disk/full:h4"]);
    assert.equal(((await call("GET", "/api/v1/alerts?since=3h")).json.alerts as unknown[]).length, 4);
    const iso = new Date((r.clock.now() - 3 * 3600) * 1000).toISOString();
    assert.equal(((await call("GET", `/api/v1/alerts?since=${iso}`)).json.alerts as unknown[]).length, 4);
    assert.equal(((await call("GET", "/api/v1/alerts?limit=2")).json.alerts as unknown[]).length, 2);
  });

  it("answers 400 naming the filter for a bad one", async () => {
    for (const [query, field] of [
      ["state=burning", "state"],
      ["since=yesterday", "since"],
      ["limit=0", "limit"],
      ["include=everything", "include"],
      ["state=firing&state=pending", "state"],
    ] as const) {
      const { status, json } = await call("GET", `/api/v1/alerts?${query}`);
      assert.equal(status, 400, query);
      assert.equal(json.field, field, query);
      assert.match(String(json.error), new RegExp(`^${field} `));
    }
  });

  it("includes each alert's history with include=history", async () => {
    const { json } = await call("GET", "/api/v1/alerts?host=h1&include=history");
    const [h1] = json.alerts as AlertView[];
    assert.deepEqual(
      h1!.history!.map((h) => `${h.kind}${h.action === null ? "" : ` ${h.action}`}`),
      ["firing", "notification trigger", "resolved", "notification resolve"],
    );
  });
});

describe("GET /api/v1/alerts/:id", () => {
  it("returns one alert with its evidence, its history, and 404 for an unknown id", async () => {
    const id = r.alerting.listAlerts({ host: "h3" })[0]!.id;
    const { status, json } = await call("GET", `/api/v1/alerts/${id}?include=history`);
    assert.equal(status, 200);
    const alert = json.alert as AlertView;
    assert.equal(alert.key, "disk/full:h3");
    assert.equal(alert.evidence?.length, 1);
    assert.equal(alert.history?.[0]?.kind, "firing");
    const history = await call("GET", `/api/v1/alerts/${id}/history`);
    assert.deepEqual((history.json.history as HistoryEntry[]).map((h) => h.kind), ["firing", "notification"]);
    assert.equal((await call("GET", "/api/v1/alerts/99999")).status, 404);
    const bad = await call("GET", "/api/v1/alerts/abc");
    assert.equal(bad.status, 400);
    assert.equal(bad.json.field, "id");
  });

  it("lets an operator resolve an alert (POST, token required)", async () => {
    const id = r.alerting.listAlerts({ host: "h2" })[0]!.id;
    assert.equal((await call("POST", `/api/v1/alerts/${id}/resolve`, { by: "alice" }, null)).status, 401);
    const missing = await call("POST", `/api/v1/alerts/${id}/resolve`, {});
    assert.equal(missing.status, 400);
    assert.equal(missing.json.field, "by");
    const { status, json } = await call("POST", `/api/v1/alerts/${id}/resolve`, { by: "alice", comment: "fixed by hand" });
    assert.equal(status, 200);
    assert.equal((json.alert as AlertView).state, "resolved");
    assert.equal((await call("POST", `/api/v1/alerts/${id}/resolve`, { by: "alice" })).status, 409);
  });
});

describe("silences over HTTP", () => {
  it("creates (201), lists, reads and expires a silence; the history shows both", async () => {
    const created = await call("POST", "/api/v1/silences", { matchers: [{ name: "host", value: "h9" }], durationSeconds: 7200, createdBy: "alice", comment: "reimaging" });
    assert.equal(created.status, 201);
    const silence = created.json.silence as SilenceView;
    assert.deepEqual(silence.matchers, [{ name: "host", value: "h9", isRegex: false, isEqual: true }]);
    assert.equal(silence.state, "active");
    assert.equal(silence.endsAt, new Date((r.clock.now() + 7200) * 1000).toISOString());
    const listed = await call("GET", "/api/v1/silences");
    assert.deepEqual((listed.json.silences as SilenceView[]).map((s) => s.id), [silence.id]);
    assert.equal(((await call("GET", `/api/v1/silences/${silence.id}`)).json.silence as SilenceView).comment, "reimaging");
    assert.equal((await call("DELETE", `/api/v1/silences/${silence.id}`, undefined, "wrong")).status, 403);
    const expired = await call("DELETE", `/api/v1/silences/${silence.id}`);
    assert.equal(expired.status, 200);
    assert.equal((expired.json.silence as SilenceView).state, "expired");
    assert.deepEqual((await call("GET", "/api/v1/silences")).json.silences, []);
    assert.equal(((await call("GET", "/api/v1/silences?state=expired")).json.silences as unknown[]).length, 1);
    assert.equal((await call("DELETE", "/api/v1/silences/4242")).status, 404);
    const history = await call("GET", "/api/v1/alerts/history?kind=silence-created,silence-expired");
    assert.deepEqual((history.json.history as HistoryEntry[]).map((h) => `${h.kind} ${h.silenceId}`), [`silence-created ${silence.id}`, `silence-expired ${silence.id}`]);
  });

  it("answers 400 naming the field for a bad silence", async () => {
    const cases: [unknown, string][] = [
      [{ matchers: [{ name: "host", value: "h1" }], durationSeconds: 60, comment: "c" }, "createdBy"],
      [{ matchers: "host=h1", durationSeconds: 60, createdBy: "a", comment: "c" }, "matchers"],
      [{ matchers: [{ name: "host", value: "[", isRegex: true }], durationSeconds: 60, createdBy: "a", comment: "c" }, "matchers[0].value"],
      [{ matchers: [{ name: "host", value: "h1" }], endsAt: "not a time", createdBy: "a", comment: "c" }, "endsAt"],
      [[1, 2], "body"],
    ];
    for (const [body, field] of cases) {
      const { status, json } = await call("POST", "/api/v1/silences", body);
      assert.equal(status, 400, field);
      assert.equal(json.field, field);
      assert.match(String(json.error), new RegExp(`^${field.replace(/[[\]]/g, "\\$&")} `));
    }
    const malformed = await call("POST", "/api/v1/silences", "{not json");
    assert.equal(malformed.status, 400);
    const res = await fetch(`${base}/api/v1/silences`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "text/plain" }, body: "x" });
    assert.equal(res.status, 415);
  });
});

describe("maintenance over HTTP", () => {
  it("starts, lists by host and ends a maintenance window", async () => {
    const created = await call("POST", "/api/v1/maintenance", { host: "h7", durationSeconds: 600, createdBy: "bob", reason: "BIOS" });
    assert.equal(created.status, 201);
    const id = (created.json.maintenance as { id: number }).id;
    assert.equal(((await call("GET", "/api/v1/maintenance?host=h7")).json.maintenance as unknown[]).length, 1);
    assert.equal(((await call("GET", "/api/v1/maintenance?host=h8")).json.maintenance as unknown[]).length, 0);
    assert.equal(((await call("GET", `/api/v1/maintenance/${id}`)).json.maintenance as { reason: string }).reason, "BIOS");
    const ended = await call("DELETE", `/api/v1/maintenance/${id}`);
    assert.equal((ended.json.maintenance as { state: string }).state, "expired");
    const bad = await call("POST", "/api/v1/maintenance", { host: "h7", durationSeconds: 600, createdBy: "bob" });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.field, "reason");
  });
});
