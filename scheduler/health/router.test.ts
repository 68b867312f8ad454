/**
 * Tests of Satellite's whitelist endpoints over real sockets on 127.0.0.1,
 * mounted at "/" in the API app with a bearer token configured: status
 * codes and bodies per Satellite's README (200, 201, 204, 400
 * "Unsupported flag/filter.", 404), 401/403 on writes without the right
 * token, duration strings, and the host history.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startApiServer, type ApiServer } from "../../api/server.ts";
import type { WhitelistData } from "./model.ts";
import { OPERATOR_HEADER, whitelistRouter } from "./router.ts";
import { openHealth, T0, type TestHealth } from "./test-support.ts";

const TOKEN = "s3cret";

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

describe("whitelist endpoints", () => {
  let api: ApiServer;
  let t: TestHealth;

  before(async () => {
    t = openHealth({ hosts: ["web1", "web2", "web3", "web4"], options: { returnDampingSeconds: 0, maxOutFraction: 1 } });
    const engine = { submitAll: () => ({ accepted: 0, rejected: [] }) };
    api = await startApiServer({ engine, port: 0, token: TOKEN, mounts: [{ path: "/", handler: whitelistRouter(t.health) }] });
  });
  after(async () => {
    await api.close();
    t.health.close();
  });

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<Reply> {
    const init: RequestInit = { method, headers: { ...headers }, signal: AbortSignal.timeout(10_000) };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] = "application/json";
    }
    const res = await fetch(`http://127.0.0.1:${api.port}${path}`, init);
    const text = await res.text();
    return { status: res.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
  }

  it("GET /whitelist/all|on|off: 200, host → whitelist-data; other filters 400 \"Unsupported flag/filter.\"", async () => {
    t.health.handle({ kind: "drain", rule: "all-checks-pass", host: "web2", reason: "failing checks: df", time: T0 });
    const all = await call("GET", "/whitelist/all", undefined, {});
    assert.equal(all.status, 200);
    assert.deepEqual(Object.keys(all.body as object), ["web1", "web2", "web3", "web4"]);
    const web2 = (all.body as Record<string, WhitelistData>).web2!;
    assert.equal(web2["managed-flag"], "off");
    assert.equal(web2["manual-flag"], null);
    assert.equal(web2.flag, "off");
    assert.deepEqual(web2.draining, { deadline: T0 + 600 });
    assert.equal(web2["managed-events"]["all-checks-pass"]!.description, "failing checks: df");
    assert.deepEqual(Object.keys((await call("GET", "/whitelist/on")).body as object), ["web1", "web3", "web4"]);
    assert.deepEqual(Object.keys((await call("GET", "/whitelist/off")).body as object), ["web2"]);
    assert.deepEqual(await call("GET", "/whitelist/maybe"), { status: 400, body: { error: "Unsupported flag/filter." } });
  });

  it("GET /whitelist/host/{host}: 200 with the data, 404 for an unknown host, 400 for a malformed name", async () => {
    const r = await call("GET", "/whitelist/host/web1");
    assert.equal(r.status, 200);
    const data = r.body as WhitelistData;
    assert.deepEqual([data["managed-flag"], data["manual-flag"], data.flag, data.registered, data.schedulable], ["on", null, "on", true, true]);
    assert.deepEqual(data["manual-events"], {});
    assert.equal((await call("GET", "/whitelist/host/nowhere")).status, 404);
    assert.equal((await call("GET", "/whitelist/host/%20bad")).status, 400);
  });

  it("POST .../event/{id}: 201 with the host's data; the manual flag wins; Satellite's ttl strings", async () => {
    const r = await call("POST", "/whitelist/host/web3/event/disk", { state: "critical", ttl: "2hour", description: "disk swap" }, { authorization: `Bearer ${TOKEN}`, [OPERATOR_HEADER]: "ann" });
    assert.equal(r.status, 201);
    const data = r.body as WhitelistData;
    assert.equal(data["manual-flag"], "off");
    assert.equal(data.schedulable, false);
    assert.deepEqual(data["manual-events"].disk, { host: "web3", service: "disk", state: "critical", description: "disk swap", time: T0, ttl: 7200, "expires-at": T0 + 7200, by: "operator:ann" });
    assert.equal(t.health.status("web3").schedulable, false);
    const entry = t.health.history("web3")[0]!;
    assert.deepEqual([entry.who, entry.action, entry.reason, entry.from, entry.to], ["operator:ann", "manual-critical", "disk swap", "in", "out (operator)"]);

    const ok = await call("POST", "/whitelist/host/web2/event/fine", { state: "ok", ttl: "30min" });
    assert.equal(ok.status, 201);
    assert.equal((ok.body as WhitelistData).schedulable, true, "an operator's ok beats the rule's drain");
    assert.equal((ok.body as WhitelistData)["manual-events"].fine!.ttl, 1800);
    assert.equal(t.health.history("web2")[0]!.who, "operator:token", "without the operator header, the token is the identity");

    const seconds = await call("POST", "/whitelist/host/web4/event/short", { state: "critical", ttl: 90 });
    assert.equal((seconds.body as WhitelistData)["manual-events"].short!.ttl, 90);
    const dflt = await call("POST", "/whitelist/host/web4/event/long", { state: "critical" });
    assert.equal((dflt.body as WhitelistData)["manual-events"].long!.ttl, 7 * 86_400, "no ttl: manualDefaultTtlSeconds");
  });

  it("POST .../event/{id}: 400 on malformed JSON, a bad state, a bad ttl, a bad description", async () => {
    for (const [body, pattern] of [
      ["{not json", /malformed JSON/],
      [[], /JSON object/],
      [{ state: "warn", ttl: "1day" }, /state must be "ok" or "critical"/],
      [{ ttl: "1day" }, /state must be/],
      [{ state: "ok", ttl: "forever" }, /^ttl: a duration must be/],
      [{ state: "ok", ttl: -5 }, /^ttl: a duration must be positive/],
      [{ state: "ok", description: 5 }, /description must be a string/],
    ] as [unknown, RegExp][]) {
      const r = await call("POST", "/whitelist/host/web1/event/x", body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match((r.body as { error: string }).error, pattern);
    }
    assert.deepEqual(t.health.hostData("web1")!["manual-events"], {}, "nothing was stored");
  });

  it("writes need the bearer token: 401 without, 403 with a wrong one", async () => {
    const none = await call("POST", "/whitelist/host/web1/event/x", { state: "critical" }, {});
    assert.equal(none.status, 401);
    const wrong = await call("POST", "/whitelist/host/web1/event/x", { state: "critical" }, { authorization: "Bearer nope" });
    assert.equal(wrong.status, 403);
    assert.equal((await call("DELETE", "/whitelist/host/web1", undefined, {})).status, 401);
    assert.equal((await call("DELETE", "/whitelist/host/web1/event/x", undefined, { authorization: "Bearer nope" })).status, 403);
    assert.equal(t.health.status("web1").schedulable, true);
  });

  it("DELETE .../event/{id}: 204, then 404", async () => {
    await call("POST", "/whitelist/host/web1/event/tmp", { state: "critical", ttl: "5min" });
    assert.equal(t.health.status("web1").schedulable, false);
    const r = await call("DELETE", "/whitelist/host/web1/event/tmp");
    assert.deepEqual(r, { status: 204, body: undefined });
    assert.equal(t.health.status("web1").schedulable, true);
    assert.equal((await call("DELETE", "/whitelist/host/web1/event/tmp")).status, 404);
  });

  it("DELETE /whitelist/host/{host}: 200 {host, deleted}, 404 for an unknown host", async () => {
    t.health.handle({ kind: "drain", rule: "all-checks-pass", host: "web4", reason: "x", time: T0 });
    const r = await call("DELETE", "/whitelist/host/web4");
    assert.deepEqual(r, { status: 200, body: { host: "web4", deleted: true } });
    assert.equal(t.health.status("web4").schedulable, true);
    assert.deepEqual(await call("DELETE", "/whitelist/host/web4"), { status: 200, body: { host: "web4", deleted: false } });
    assert.equal((await call("DELETE", "/whitelist/host/nowhere")).status, 404);
  });

  it("GET /api/v1/hosts/{host}/history: 200 {host, entries} newest first, limit and before; 404 without history", async () => {
    const r = await call("GET", "/api/v1/hosts/web3/history", undefined, {});
    assert.equal(r.status, 200);
    const body = r.body as { host: string; entries: { id: number; who: string; action: string; outcome: string; reason: string; from: string; to: string; time: number }[] };
    assert.equal(body.host, "web3");
    assert.deepEqual(body.entries.map((e) => [e.who, e.action, e.from, e.to]), [["operator:ann", "manual-critical", "in", "out (operator)"]]);
    const web2 = (await call("GET", "/api/v1/hosts/web2/history?limit=1")).body as typeof body;
    assert.equal(web2.entries.length, 1);
    assert.equal(web2.entries[0]!.action, "manual-ok");
    const older = (await call("GET", `/api/v1/hosts/web2/history?before=${web2.entries[0]!.id}`)).body as typeof body;
    assert.equal(older.entries[0]!.action, "drain");
    assert.equal((await call("GET", "/api/v1/hosts/web2/history?limit=zero")).status, 400);
    assert.equal((await call("GET", "/api/v1/hosts/nowhere/history")).status, 404);
    t.health.recordNote("test-note", "about the fleet");
    const fleetNotes = (await call("GET", "/api/v1/hosts/*/history")).body as typeof body;
    assert.equal(fleetNotes.entries[0]!.reason, "about the fleet");
  });
});
