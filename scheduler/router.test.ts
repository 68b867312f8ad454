/**
 * Tests of the scheduler's HTTP resources through the real API server on
 * 127.0.0.1, port 0, with a bearer token configured: status codes of
 * submission (201, 200, 400, 409), listing, showing, killing (204, 404),
 * hosts, the queue, the agents' heartbeat, and 401/403 on writes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startApiServer, type ApiServer } from "../api/server.ts";
import { schedulerRouter } from "./router.ts";
import { spec, testScheduler, type TestScheduler } from "./test-support.ts";

const TOKEN = "s3cret";
const engine = { submitAll: () => ({ accepted: 0, rejected: [] }) };

describe("scheduler HTTP API", () => {
  let api: ApiServer;
  let t: TestScheduler;
  let base: string;

  before(async () => {
    t = testScheduler();
    api = await startApiServer({ engine, port: 0, token: TOKEN, mounts: [{ path: "/api/v1", handler: schedulerRouter({ scheduler: t.scheduler }) }] });
    base = `http://127.0.0.1:${api.port}/api/v1`;
  });
  after(async () => {
    await api.close();
    t.db.close();
  });

  async function call(method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined };
  }

  it("POST /jobs: 201 created, 200 same again, 409 other spec, 400 naming the field", async () => {
    const created = await call("POST", "/jobs", spec("j1", "alice"));
    assert.equal(created.status, 201);
    assert.equal((created.body as { job: { uuid: string; state: string } }).job.state, "waiting");
    const again = await call("POST", "/jobs", spec("j1", "alice"));
    assert.equal(again.status, 200);
    const conflict = await call("POST", "/jobs", spec("j1", "alice", { command: "false" }));
    assert.equal(conflict.status, 409);
    assert.match((conflict.body as { error: string }).error, /exists with a different spec/);
    const bad = await call("POST", "/jobs", { user: "alice", command: "x", cpus: "two", mem: 1 });
    assert.equal(bad.status, 400);
    assert.match((bad.body as { error: string }).error, /^cpus must be a positive number/);
    const notJson = await fetch(base + "/jobs", { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: "{" });
    assert.equal(notJson.status, 400);
  });

  it("writes need the token: 401 without, 403 with a wrong one; reads are open", async () => {
    const none = await call("POST", "/jobs", spec("j9", "alice"), null);
    assert.equal(none.status, 401);
    const wrong = await call("POST", "/jobs", spec("j9", "alice"), "nope");
    assert.equal(wrong.status, 403);
    assert.equal((await call("DELETE", "/jobs/j1", undefined, null)).status, 401);
    assert.equal((await call("DELETE", "/jobs/j1", undefined, "nope")).status, 403);
    assert.equal((await call("POST", "/agents/h1/heartbeat", { capacity: { cpus: 1, mem: 1 } }, null)).status, 401);
    assert.equal((await call("GET", "/jobs/j9", undefined, null)).status, 404, "the refused submit stored nothing");
    assert.equal((await call("GET", "/jobs", undefined, null)).status, 200);
  });

  it("GET /jobs filters by user and state; GET /jobs/:uuid shows tasks; 400 on a bad filter", async () => {
    await call("POST", "/jobs", spec("b1", "bob"));
    const list = await call("GET", "/jobs?user=bob&state=waiting");
    assert.equal(list.status, 200);
    assert.deepEqual((list.body as { jobs: { uuid: string }[] }).jobs.map((j) => j.uuid), ["b1"]);
    assert.equal(((await call("GET", "/jobs?user=&state=")).body as { jobs: unknown[] }).jobs.length, 2, "empty filters filter nothing");
    assert.equal((await call("GET", "/jobs?state=sleeping")).status, 400);
    assert.equal((await call("GET", "/jobs?limit=0")).status, 400);
    const one = await call("GET", "/jobs/b1");
    assert.equal(one.status, 200);
    assert.deepEqual((one.body as { job: { tasks: unknown[] } }).job.tasks, []);
    assert.equal((await call("GET", "/jobs/none")).status, 404);
  });

  it("agents heartbeat over HTTP; GET /hosts and GET /queue show the state", async () => {
    t.health.set("h2", { schedulable: false, reasons: ["manual: disk replacement"] });
    const first = await call("POST", "/agents/h1/heartbeat", { capacity: { cpus: 1, mem: 1000 }, attributes: { rack: "r1" }, running: [], finished: [] });
    assert.equal(first.status, 200);
    await call("POST", "/agents/h2/heartbeat", { capacity: { cpus: 8, mem: 8000 }, running: [], finished: [] });
    t.scheduler.pass();
    const second = await call("POST", "/agents/h1/heartbeat", { capacity: { cpus: 1, mem: 1000 }, attributes: { rack: "r1" }, running: [], finished: [] });
    const launch = (second.body as { launch: { jobUuid: string; command: string }[] }).launch;
    assert.equal(launch.length, 1);
    const hosts = (await call("GET", "/hosts")).body as { hosts: { host: string; schedulable: boolean; reasons: string[]; used: { cpus: number }; attributes: object }[] };
    assert.deepEqual(
      hosts.hosts.map((h) => [h.host, h.schedulable, h.reasons, h.used.cpus]),
      [
        ["h1", true, [], 1],
        ["h2", false, ["manual: disk replacement"], 0],
      ],
    );
    assert.deepEqual(hosts.hosts[0]!.attributes, { rack: "r1" });
    const queue = (await call("GET", "/queue")).body as { jobs: { uuid: string; position: number; dru: number }[]; users: { user: string; dominantShare: number }[] };
    assert.equal(queue.jobs.length, 1);
    assert.equal(queue.jobs[0]!.position, 1);
    assert.ok(queue.users.length >= 1);
    const badBody = await call("POST", "/agents/h1/heartbeat", { capacity: { cpus: 0, mem: 1 } });
    assert.equal(badBody.status, 400);
    assert.match((badBody.body as { error: string }).error, /capacity\.cpus/);
    assert.equal((await call("POST", "/agents/bad%20host/heartbeat", { capacity: { cpus: 1, mem: 1 } })).status, 400);
  });

  it("DELETE /jobs/:uuid: 204 for a job, again 204 once completed, 404 for none", async () => {
    await call("POST", "/jobs", spec("k1", "alice"));
    assert.equal((await call("DELETE", "/jobs/k1")).status, 204);
    assert.equal((await call("DELETE", "/jobs/k1")).status, 204);
    const job = (await call("GET", "/jobs/k1")).body as { job: { state: string; reason: string } };
    assert.deepEqual([job.job.state, job.job.reason], ["completed", "killed by user"]);
    assert.equal((await call("DELETE", "/jobs/none")).status, 404);
  });
});
