/** Tests of the PagerDuty-compatible receiver over real HTTP on 127.0.0.1: schema validation, answers, modes, incidents. */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { startPagerDutyReceiver, type PagerDutyReceiver } from "./receiver.ts";

const KEY = "0123456789abcdef0123456789abcdef";

function trigger(fields: Record<string, unknown> = {}, payload: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    routing_key: KEY,
    event_action: "trigger",
    dedup_key: "disk/web-1",
    payload: { summary: "disk full", source: "web-1", severity: "critical", ...payload },
    ...fields,
  };
}

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("PagerDuty receiver", () => {
  let pd: PagerDutyReceiver;
  before(async () => {
    pd = await startPagerDutyReceiver({ port: 0 });
  });
  after(async () => {
    await pd.close();
  });
  beforeEach(() => pd.setMode("ok"));

  it("answers a valid trigger 202 with PagerDuty's body and opens an incident", async () => {
    const r = await post(pd.url, trigger({ dedup_key: "ok-1" }));
    assert.equal(r.status, 202);
    assert.deepEqual(r.body, { status: "success", message: "Event processed", dedup_key: "ok-1" });
    assert.equal(pd.incidents("ok-1").length, 1);
    assert.equal(pd.incidents("ok-1")[0]!.status, "open");
  });

  it("generates a dedup key for a trigger without one and returns it", async () => {
    const body = trigger();
    delete body.dedup_key;
    const r = await post(pd.url, body);
    assert.equal(r.status, 202);
    assert.match(String(r.body.dedup_key), /^[0-9a-f-]{36}$/);
  });

  const invalid: [string, unknown, RegExp][] = [
    ["a missing routing_key", trigger({ routing_key: undefined }), /'routing_key' is missing/],
    ["a routing_key that is not 32 characters", trigger({ routing_key: "short" }), /should be 32 characters/],
    ["an unknown event_action", trigger({ event_action: "escalate" }), /'event_action' must be one of/],
    ["a trigger without payload", trigger({ payload: undefined }), /'payload' is missing/],
    ["a trigger without summary", trigger({}, { summary: undefined }), /'payload.summary' is missing/],
    ["a trigger without source", trigger({}, { source: "" }), /'payload.source' is missing/],
    ["a trigger without severity", trigger({}, { severity: undefined }), /'payload.severity' is missing/],
    ["a severity PagerDuty does not know", trigger({}, { severity: "ok" }), /'payload.severity' must be one of critical, error, warning, info/],
    ["a summary over 1024 characters", trigger({}, { summary: "s".repeat(1025) }), /at most 1024 characters/],
    ["a dedup_key over 255 characters", trigger({ dedup_key: "k".repeat(256) }), /at most 255 characters/],
    ["a resolve without dedup_key", { routing_key: KEY, event_action: "resolve" }, /'dedup_key' is required for resolve/],
    ["a bad timestamp", trigger({}, { timestamp: "yesterday" }), /ISO 8601/],
    ["links without href", trigger({ links: [{ text: "x" }] }), /'links' needs an 'href'/],
    ["a non-HTTPS image", trigger({ images: [{ src: "http://x/y.png" }] }), /HTTPS 'src'/],
    ["malformed JSON", "{not json", /Invalid JSON/],
    ["a body that is not an object", [1, 2], /must be a JSON object/],
    ["a body over 512 KB", trigger({}, { custom_details: { blob: "x".repeat(512_001) } }), /larger than 512000 bytes/],
  ];
  for (const [what, body, error] of invalid) {
    it(`answers 400 "invalid event" to ${what}, without ingesting it`, async () => {
      const before = pd.received.length;
      const r = await post(pd.url, body);
      assert.equal(r.status, 400);
      assert.equal(r.body.status, "invalid event");
      assert.equal(r.body.message, "Event object is invalid");
      assert.ok(Array.isArray(r.body.errors));
      assert.match((r.body.errors as string[]).join("\n"), error);
      assert.equal(pd.received.length, before);
      assert.equal(pd.requests.at(-1)!.status, 400);
    });
  }

  it("follows PagerDuty's de-duplication: repeat triggers fold, ack/resolve act on the open incident, a trigger after resolve opens a new one", async () => {
    const k = "lifecycle";
    await post(pd.url, trigger({ dedup_key: k }));
    await post(pd.url, trigger({ dedup_key: k }));
    assert.equal(pd.incidents(k).length, 1);
    assert.equal(pd.incidents(k)[0]!.triggers, 2);
    await post(pd.url, { routing_key: KEY, event_action: "acknowledge", dedup_key: k });
    assert.equal(pd.incidents(k)[0]!.status, "acknowledged");
    await post(pd.url, { routing_key: KEY, event_action: "resolve", dedup_key: k });
    assert.equal(pd.incidents(k)[0]!.status, "resolved");
    const dropped = await post(pd.url, { routing_key: KEY, event_action: "resolve", dedup_key: k });
    assert.equal(dropped.status, 202);
    assert.equal(pd.received.at(-1)!.effect, "dropped");
    await post(pd.url, trigger({ dedup_key: k }));
    assert.deepEqual(pd.incidents(k).map((i) => i.status), ["resolved", "open"]);
  });

  it("keeps incidents of different routing keys apart (a resolve with another key is dropped)", async () => {
    await post(pd.url, trigger({ dedup_key: "two-keys" }));
    await post(pd.url, { routing_key: "fedcba9876543210fedcba9876543210", event_action: "resolve", dedup_key: "two-keys" });
    assert.equal(pd.received.at(-1)!.effect, "dropped");
    assert.equal(pd.incidents("two-keys")[0]!.status, "open");
  });

  it("answers 429 and 500 when told, for `times` requests, without ingesting", async () => {
    const before = pd.received.length;
    pd.setMode("429", { times: 1 });
    assert.equal((await post(pd.url, trigger({ dedup_key: "m" }))).status, 429);
    pd.setMode("500", { times: 2 });
    assert.equal((await post(pd.url, trigger({ dedup_key: "m" }))).status, 500);
    assert.equal((await post(pd.url, trigger({ dedup_key: "m" }))).status, 500);
    assert.equal(pd.received.length, before);
    assert.equal((await post(pd.url, trigger({ dedup_key: "m" }))).status, 202);
    assert.equal(pd.received.length, before + 1);
  });

  it("in slow mode accepts the event at once and answers late", async () => {
    pd.setMode("slow", { delayMs: 30, times: 1 });
    const n = pd.requests.length;
    const pending = post(pd.url, trigger({ dedup_key: "slow" }));
    await pd.waitForRequests(n + 1);
    assert.equal(pd.incidents("slow").length, 1, "accepted before answering");
    assert.equal((await pending).status, 202);
  });

  it("plays scripted responses first, in order", async () => {
    pd.script({ status: 503 }, { status: 429, headers: { "retry-after": "7" } });
    assert.equal((await post(pd.url, trigger())).status, 503);
    const res = await fetch(pd.url, { method: "POST", body: JSON.stringify(trigger()) });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), "7");
    await res.text();
    assert.equal((await post(pd.url, trigger())).status, 202);
  });

  it("answers 404 elsewhere and summarises with masked routing keys on GET /", async () => {
    assert.equal((await post(pd.url.replace("/v2/enqueue", "/v1/nope"), trigger())).status, 404);
    const res = await fetch(pd.url.replace("/v2/enqueue", "/"));
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.ok(!text.includes(KEY), "the routing key is masked");
    assert.match(text, /…cdef/);
  });
});
