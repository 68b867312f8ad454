/**
 * Tests of `POST /api/v1/events` over real sockets on 127.0.0.1: accepted
 * batches, per-event rejections with the good events of the same request
 * kept, the size limit, content types, malformed JSON, bearer-token
 * authentication, and the bind rules.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { VirtualClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import type { Event } from "../streams/event.ts";
import { startApiServer, type ApiServer } from "./server.ts";

const T = 1_700_000_000;

function engineWithLog(): { engine: Engine; seen: Event[] } {
  const engine = new Engine({ clock: new VirtualClock(T) });
  const seen: Event[] = [];
  engine.setStream((e) => seen.push(e));
  return { engine, seen };
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function post(api: ApiServer, body: string | Buffer, headers: Record<string, string> = { "content-type": "application/json" }, path = "/api/v1/events"): Promise<Reply> {
  const res = await fetch(`http://127.0.0.1:${api.port}${path}`, { method: "POST", headers, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

describe("POST /api/v1/events", () => {
  let api: ApiServer;
  let engine: Engine;
  let seen: Event[];

  before(async () => {
    ({ engine, seen } = engineWithLog());
    api = await startApiServer({ engine, port: 0, token: "", bodyLimitBytes: 64 * 1024 });
  });
  after(() => api.close());

  it("accepts a JSON array of valid events: 200 {accepted, rejected: []}", async () => {
    const r = await post(api, JSON.stringify([{ host: "h1", service: "cpu", metric: 0.5 }, { host: "h2", service: "cpu", time: T - 1, tags: ["a"], attributes: { env: "prod" } }]));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { accepted: 2, rejected: [] });
    assert.equal(engine.index.lookup("h1", "cpu")?.metric, 0.5);
    assert.equal(engine.index.lookup("h1", "cpu")?.time, T, "time defaults to the engine clock");
    assert.deepEqual(engine.index.lookup("h2", "cpu")?.attributes, { env: "prod" });
  });

  it('accepts {"events": [...]} too', async () => {
    const r = await post(api, JSON.stringify({ events: [{ host: "wrapped", service: "s" }] }));
    assert.equal(r.status, 200);
    assert.equal(r.body.accepted, 1);
  });

  it("accepts an ISO-8601 time", async () => {
    const r = await post(api, JSON.stringify([{ host: "iso", service: "s", time: "2023-11-14T22:13:10.5Z" }]));
    assert.equal(r.status, 200);
    assert.equal(engine.index.lookup("iso", "s")?.time, 1_699_999_990.5);
  });

  it("400 with per-event reasons, and the good events of the same request are processed", async () => {
    const before = seen.length;
    const r = await post(
      api,
      JSON.stringify([{ host: "good1", service: "s" }, { service: "no host" }, { host: "good2", service: "s", metric: 1 }, { host: "x", service: "s", metric: "high" }, "not an object", { host: "y", service: "s", extra: 1 }]),
    );
    assert.equal(r.status, 400);
    assert.equal(r.body.accepted, 2);
    assert.deepEqual(
      (r.body.rejected as { index: number; code: string }[]).map((x) => [x.index, x.code]),
      [
        [1, "missing_host"],
        [3, "invalid_metric"],
        [4, "not_an_object"],
        [5, "unknown_field"],
      ],
    );
    assert.match((r.body.rejected as { reason: string }[])[0]!.reason, /host is required/);
    assert.deepEqual(
      seen.slice(before).map((e) => e.host),
      ["good1", "good2"],
    );
  });

  it("413 over the body size limit, and nothing is processed", async () => {
    const before = seen.length;
    const big = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ host: `big${i}`, service: "s", description: "x".repeat(40) })));
    assert.ok(big.length > 64 * 1024);
    const r = await post(api, big);
    assert.equal(r.status, 413);
    assert.match(String(r.body.error), /over the limit of 65536 bytes/);
    assert.equal(seen.length, before);
  });

  it("415 for a content type that is not JSON", async () => {
    const r = await post(api, "host=a", { "content-type": "application/x-www-form-urlencoded" });
    assert.equal(r.status, 415);
    assert.match(String(r.body.error), /application\/json/);
    const text = await post(api, JSON.stringify([{ host: "a", service: "b" }]), { "content-type": "text/plain" });
    assert.equal(text.status, 415);
  });

  it("accepts application/json with a charset", async () => {
    const r = await post(api, JSON.stringify([{ host: "cs", service: "s" }]), { "content-type": "application/json; charset=utf-8" });
    assert.equal(r.status, 200);
  });

  it("400 for malformed JSON", async () => {
    const r = await post(api, '[{"host": "a", ');
    assert.equal(r.status, 400);
    assert.match(String(r.body.error), /^malformed JSON/);
  });

  it("400 for JSON that is not a list of events", async () => {
    for (const body of ['{"host": "a"}', '"x"', "42", "null"]) {
      const r = await post(api, body);
      assert.equal(r.status, 400, body);
      assert.match(String(r.body.error), /JSON array of events/);
    }
  });

  it("an empty array is fine", async () => {
    const r = await post(api, "[]");
    assert.deepEqual([r.status, r.body], [200, { accepted: 0, rejected: [] }]);
  });

  it("unknown paths get a JSON 404", async () => {
    const r = await post(api, "[]", { "content-type": "application/json" }, "/api/v1/nope");
    assert.equal(r.status, 404);
    assert.match(String(r.body.error), /no route for POST \/api\/v1\/nope/);
  });
});

describe("POST /api/v1/events with the default 5 MB limit", () => {
  it("accepts 4 MB and refuses 6 MB with 413", async () => {
    const { engine } = engineWithLog();
    const api = await startApiServer({ engine, port: 0, token: "" });
    try {
      const batch = (n: number, pad: number): string => JSON.stringify(Array.from({ length: n }, (_, i) => ({ host: `h${i}`, service: "s", description: "d".repeat(pad) })));
      const four = batch(4000, 1000);
      assert.ok(four.length > 4_000_000 && four.length < 5_000_000);
      const ok = await post(api, four);
      assert.equal(ok.status, 200);
      assert.equal(ok.body.accepted, 4000);
      const six = batch(6000, 1000);
      const tooBig = await post(api, six);
      assert.equal(tooBig.status, 413);
    } finally {
      await api.close();
    }
  });
});

describe("bearer token", () => {
  let api: ApiServer;
  let seen: Event[];
  before(async () => {
    const made = engineWithLog();
    seen = made.seen;
    api = await startApiServer({ engine: made.engine, port: 0, token: "s3cret" });
  });
  after(() => api.close());

  it("401 without a token, with WWW-Authenticate, and nothing is processed", async () => {
    const r = await post(api, JSON.stringify([{ host: "a", service: "b" }]));
    assert.equal(r.status, 401);
    assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer/);
    assert.match(String(r.body.error), /bearer token is required/);
    assert.equal(seen.length, 0);
  });

  it("403 with a wrong token", async () => {
    const r = await post(api, "[]", { "content-type": "application/json", authorization: "Bearer nope" });
    assert.equal(r.status, 403);
    assert.match(String(r.body.error), /invalid bearer token/);
  });

  it("401 comes before reading the body (no 413 for an unauthenticated huge body)", async () => {
    const r = await post(api, "x".repeat(6_000_000));
    assert.equal(r.status, 401);
  });

  it("200 with the right token", async () => {
    const r = await post(api, JSON.stringify([{ host: "a", service: "b" }]), { "content-type": "application/json", authorization: "Bearer s3cret" });
    assert.equal(r.status, 200);
    assert.equal(seen.length, 1);
  });

  it("reads the token from SATELLITE_API_TOKEN when no option is given", async () => {
    const saved = process.env.SATELLITE_API_TOKEN;
    process.env.SATELLITE_API_TOKEN = "from-env";
    try {
      const { engine } = engineWithLog();
      const envApi = await startApiServer({ engine, port: 0 });
      try {
        assert.equal((await post(envApi, "[]")).status, 401);
        assert.equal((await post(envApi, "[]", { "content-type": "application/json", authorization: "Bearer from-env" })).status, 200);
      } finally {
        await envApi.close();
      }
    } finally {
      if (saved === undefined) delete process.env.SATELLITE_API_TOKEN;
      else process.env.SATELLITE_API_TOKEN = saved;
    }
  });
});

describe("startApiServer", () => {
  it("binds 127.0.0.1 by default", async () => {
    const { engine } = engineWithLog();
    const api = await startApiServer({ engine, port: 0, token: "" });
    try {
      assert.equal(api.host, "127.0.0.1");
      assert.equal((api.server.address() as { address: string }).address, "127.0.0.1");
    } finally {
      await api.close();
    }
  });

  it("refuses a non-loopback address without a token", async () => {
    const { engine } = engineWithLog();
    await assert.rejects(startApiServer({ engine, host: "0.0.0.0", port: 0, token: "" }), /refusing to listen on 0\.0\.0\.0 without a bearer token/);
  });

  it("rejects a bad body limit, naming the field", async () => {
    const { engine } = engineWithLog();
    await assert.rejects(startApiServer({ engine, port: 0, token: "", bodyLimitBytes: -1 }), /api\.bodyLimitBytes/);
  });

  it("close() ends keep-alive connections", async () => {
    const { engine } = engineWithLog();
    const api = await startApiServer({ engine, port: 0, token: "" });
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      const req = http.request({ port: api.port, host: "127.0.0.1", method: "POST", path: "/api/v1/events", agent, headers: { "content-type": "application/json" } }, (res) => {
        res.resume();
        res.on("end", () => resolve());
      });
      req.on("error", reject);
      req.end("[]");
    });
    const closed = await Promise.race([api.close().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref())]);
    agent.destroy();
    assert.equal(closed, true, "close() finished although a keep-alive connection was open");
  });
});
