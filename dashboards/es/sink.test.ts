/**
 * Tests of the Elasticsearch sink against the local Elasticsearch server
 * (dashboards/testing) over real sockets, with the real client, templates
 * installed and the sink's timing on a virtual clock: writes resolve only
 * after their flush; an outage holds writers back with a bounded buffer and
 * loses nothing; per-item errors are counted by reason, 429s retried,
 * mapping errors not; slowness keeps one request in flight.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { Client } from "@elastic/elasticsearch";
import { VirtualClock } from "../../streams/clock.ts";
import { makeEvent } from "../../streams/event.ts";
import { FAULTS, FakeElasticsearch } from "../testing/elasticsearch-server.ts";
import { createElasticsearchClient } from "./client.ts";
import { eventDocument, type EsDocument } from "./documents.ts";
import { ElasticsearchSink, type ElasticsearchSinkOptions } from "./sink.ts";
import { installTemplates } from "./templates.ts";

const T = 1_700_000_000;
const EVENTS = "logs-satellite.events-default";

function doc(message: string, service = "check"): EsDocument {
  return eventDocument(makeEvent({ host: "web1", service, time: T, state: "ok", description: message }));
}

function docs(prefix: string, n: number): EsDocument[] {
  return Array.from({ length: n }, (_, i) => doc(`${prefix}${i}`));
}

/** Lets pending promise callbacks and socket events run (no timers involved). */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function tracked(p: Promise<void>): { done: () => boolean; promise: Promise<void> } {
  let settled = false;
  const promise = p.then(() => {
    settled = true;
  });
  return { done: () => settled, promise };
}

describe("ElasticsearchSink", () => {
  let es: FakeElasticsearch;
  let client: Client;
  let clock: VirtualClock;
  let logs: string[];

  before(async () => {
    es = await FakeElasticsearch.start();
    client = createElasticsearchClient({ node: es.url });
    await installTemplates(client);
  });
  after(async () => {
    await client.close();
    await es.close();
  });
  beforeEach(() => {
    es.dataStreams.clear();
    es.failBulk(undefined);
    es.itemFault = undefined;
    es.release();
    clock = new VirtualClock(T);
    logs = [];
  });

  function sink(options: Partial<ElasticsearchSinkOptions> = {}): ElasticsearchSink {
    return new ElasticsearchSink({ client, clock, log: (line) => logs.push(line), random: () => 1, flushIntervalSeconds: 1, ...options });
  }

  it("resolves a write only after its documents were flushed, which the flush interval on the clock starts", async () => {
    const s = sink();
    const before = es.bulkRequests;
    const w = tracked(s.write(docs("a", 3)));
    await turn();
    await s.idle();
    assert.equal(w.done(), false, "nothing sent before the interval");
    assert.equal(es.bulkRequests, before);
    clock.advanceBy(1);
    await s.idle();
    await w.promise;
    assert.deepEqual(es.documents(EVENTS).map((d) => d.message), ["a0", "a1", "a2"]);
    assert.equal(es.dataStreams.get(EVENTS)?.template, "satellite-events", "the data stream was made from Satellite's template, not the stock logs one");
    const stats = s.stats();
    assert.equal(stats.indexed, 3);
    assert.equal(stats.requests, 1);
    assert.equal(stats.buffered, 0);
    const bulk = es.requests.filter((r) => r.path === "/_bulk").at(-1)!;
    assert.match(String(bulk.headers["content-type"]), /x-ndjson; compatible-with=9/);
    assert.match(bulk.body.toString(), /^\{"create":\{"_index":"logs-satellite\.events-default"\}\}\n/);
  });

  it("sends at once when flushBytes are queued, in requests no larger than flushBytes", async () => {
    const one = Buffer.byteLength(JSON.stringify(doc("b00"))) + 60;
    const s = sink({ flushBytes: one * 4 });
    const before = es.bulkRequests;
    const w = s.write(docs("b", 10));
    await turn();
    await s.idle();
    assert.ok(es.bulkRequests - before >= 2, `${es.bulkRequests - before} requests before the interval`);
    clock.advanceBy(1);
    await w;
    for (const r of es.requests.filter((x) => x.path === "/_bulk").slice(before)) assert.ok(r.body.length <= one * 4, `${r.body.length} bytes`);
    assert.equal(es.documents(EVENTS).length, 10);
  });

  it("while Elasticsearch is down, writers wait, the buffer stays bounded, retries back off; when it is back nothing is lost and order is kept", async () => {
    es.failBulk(FAULTS.unavailable);
    const s = sink({ maxBufferedDocs: 10, retryInitialSeconds: 1, retryMaxSeconds: 8 });
    const w1 = tracked(s.write(docs("x", 6)));
    const w2 = tracked(s.write(docs("y", 15)));
    await turn();
    assert.equal(s.stats().buffered, 10, "admitted up to the bound");
    assert.equal(s.stats().waitingWrites, 1);
    await s.idle();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      assert.equal(s.stats().requestFailures, i + 1);
      const next = clock.nextTimerAt();
      assert.ok(next !== undefined, "a retry is scheduled");
      delays.push(next - clock.now());
      clock.advanceTo(next);
      await s.idle();
    }
    assert.deepEqual(delays, [1, 2, 4, 8, 8, 8], "exponential backoff, capped");
    assert.equal(w1.done(), false);
    assert.equal(w2.done(), false);
    assert.equal(s.stats().buffered, 10, "the buffer never grows past maxBufferedDocs");
    assert.equal(es.allDocuments().length, 0);
    assert.match(logs.join("\n"), /bulk request of 10 document\(s\) failed \(503 unavailable_shards_exception: .*\); retrying in 8\.0 s/);
    assert.match(logs.join("\n"), /buffer full \(10 documents\)/);

    es.failBulk(undefined);
    clock.advanceTo(clock.nextTimerAt()!);
    await s.idle();
    clock.advanceBy(1); // the documents admitted last wait for their own flush interval
    await s.idle();
    await w1.promise;
    await w2.promise;
    assert.deepEqual(
      es.documents(EVENTS).map((d) => d.message),
      [...docs("x", 6), ...docs("y", 15)].map((d) => d.message),
    );
    const stats = s.stats();
    assert.equal(stats.indexed, 21);
    assert.equal(stats.failed, 0);
    assert.equal(stats.retries, 70, "7 failed requests of 10 documents");
    assert.deepEqual(stats.retriesByReason, { http_503: 70 });
    assert.equal(stats.buffered, 0);
  });

  it("retries when the connection drops without an answer", async () => {
    es.failBulk("reset", 2);
    const s = sink();
    const w = tracked(s.write(docs("r", 2)));
    for (let i = 0; i < 3; i++) {
      clock.advanceTo(clock.nextTimerAt()!);
      await s.idle();
    }
    await w.promise;
    assert.equal(s.stats().requestFailures, 2);
    assert.deepEqual(Object.keys(s.stats().retriesByReason), ["ConnectionError"]);
    assert.equal(es.documents(EVENTS).length, 2);
  });

  it("counts per-document errors by reason and logs them; retries 429s until stored; does not retry mapping errors; 409 counts as stored", async () => {
    es.itemFault = ({ doc: d, seen }) => {
      if (d.message === "bad-mapping") return FAULTS.mappingParser;
      if (d.message === "busy" && seen < 2) return FAULTS.tooManyRequests;
      if (d.message === "dup") return { status: 409, type: "version_conflict_engine_exception", reason: "[x]: version conflict, document already exists (current version [1])" };
      return undefined;
    };
    const wrongType = eventDocument(makeEvent({ host: "web1", service: "system.memory.used.pct", time: T, metric: 0.5 }));
    const broken = { ...wrongType, system: { memory: { used: { pct: "lots" } } } } as EsDocument;
    const s = sink();
    const w = tracked(s.write([doc("ok"), doc("bad-mapping"), doc("busy"), doc("dup"), broken]));
    clock.advanceBy(1);
    await s.idle();
    assert.equal(w.done(), false, "waits for the 429 to be retried");
    assert.equal(s.stats().retries, 1);
    clock.advanceTo(clock.nextTimerAt()!);
    await s.idle();
    clock.advanceTo(clock.nextTimerAt()!);
    await s.idle();
    await w.promise;
    const stats = s.stats();
    assert.equal(stats.indexed, 2, "ok and busy");
    assert.equal(stats.duplicates, 1);
    assert.equal(stats.failed, 2);
    assert.deepEqual(stats.failedByReason, { mapping_parser_exception: 1, document_parsing_exception: 1 });
    assert.equal(stats.retries, 2);
    assert.deepEqual(stats.retriesByReason, { es_rejected_execution_exception: 2 });
    assert.equal(stats.requests, 3, "first send, then the 429 twice");
    assert.deepEqual(es.documents(EVENTS).map((d) => d.message), ["ok", "busy"]);
    const log = logs.join("\n");
    assert.match(log, /1 document\(s\) not indexed \(not retried\), e\.g\. into logs-satellite\.events-default: mapping_parser_exception: failed to parse mapping/);
    assert.match(log, /into metrics-satellite\.host-default: document_parsing_exception: \[1:2\] failed to parse field \[system\.memory\.used\.pct\] of type \[scaled_float\]/);
    assert.match(log, /1 document\(s\) rejected for now \(es_rejected_execution_exception\); retrying in 1\.0 s/);
  });

  it("retries a whole-request 429 with backoff", async () => {
    es.failBulk(FAULTS.tooManyRequests, 1);
    const s = sink();
    const w = tracked(s.write(docs("t", 3)));
    clock.advanceBy(1);
    await s.idle();
    assert.equal(s.stats().requestFailures, 1);
    assert.equal(clock.nextTimerAt()! - clock.now(), 1);
    clock.advanceBy(1);
    await s.idle();
    await w.promise;
    assert.deepEqual(s.stats().retriesByReason, { http_429: 3 });
    assert.equal(es.documents(EVENTS).length, 3);
  });

  it("while Elasticsearch is slow, keeps one request in flight, queues the rest within the bound, and resolves each write when its documents are stored", async () => {
    es.hold();
    const s = sink({ maxBufferedDocs: 5 });
    const before = es.bulkRequests;
    const w1 = tracked(s.write(docs("s", 3)));
    clock.advanceBy(1);
    await es.untilBulkRequests(before + 1);
    const w2 = tracked(s.write(docs("u", 4)));
    clock.advanceBy(1);
    await turn();
    assert.equal(es.bulkRequests, before + 1, "no second request while one is in flight");
    assert.equal(s.stats().buffered, 5);
    assert.equal(s.stats().waitingWrites, 1);
    assert.equal(w1.done(), false);
    es.release();
    await w1.promise;
    await es.untilBulkRequests(before + 2);
    es.release();
    await s.idle();
    await w2.promise;
    assert.deepEqual(es.documents(EVENTS).map((d) => d.message), ["s0", "s1", "s2", "u0", "u1", "u2", "u3"]);
  });

  it("splits a batch Elasticsearch finds too large (413) and fails a single document that still is", async () => {
    es.failBulk({ status: 413, type: "http_content_too_long", reason: "request too large" }, 1);
    const s = sink();
    await Promise.all([s.write(docs("l", 4)), s.flush()]);
    assert.equal(es.documents(EVENTS).length, 4);
    assert.equal(s.stats().requests, 3, "one refused, then two halves");
    es.failBulk({ status: 413, type: "http_content_too_long", reason: "request too large" }, 1);
    await Promise.all([s.write(docs("m", 1)), s.flush()]);
    assert.deepEqual(s.stats().failedByReason, { request_entity_too_large: 1 });
  });

  it("flush sends without waiting for the interval; close flushes and refuses later writes; abort rejects pending writes", async () => {
    const s = sink({ flushIntervalSeconds: 3600 });
    const w = s.write(docs("f", 2));
    await s.flush();
    await w;
    assert.equal(es.documents(EVENTS).length, 2);
    const pending = s.write(docs("g", 1));
    await s.close();
    await pending;
    assert.equal(es.documents(EVENTS).length, 3);
    await assert.rejects(s.write(docs("h", 1)), /write after close/);

    es.failBulk(FAULTS.unavailable);
    const t = sink();
    const lost = t.write(docs("i", 4));
    clock.advanceBy(1);
    await t.idle();
    assert.equal(t.stats().requestFailures, 1);
    t.abort("test");
    await assert.rejects(lost, /aborted \(test\): 4 document\(s\) not indexed/);
    assert.equal(t.stats().abandoned, 4);
  });

  it("refuses bad settings, naming them", () => {
    assert.throws(() => new ElasticsearchSink({ clock }), /give a client or a node URL/);
    assert.throws(() => sink({ maxBufferedDocs: 0 }), /maxBufferedDocs must be a positive integer/);
    assert.throws(() => sink({ flushIntervalSeconds: Number.NaN }), /flushIntervalSeconds must be a positive number/);
  });

  it("why not client.helpers.bulk: it reports a 429 that ran out of retries after later documents, with error null", async () => {
    es.itemFault = ({ doc: d }) => (d.message === "A" ? FAULTS.tooManyRequests : d.message === "B" ? FAULTS.mappingParser : undefined);
    const dropped: { message: unknown; status: number; error: unknown }[] = [];
    const result = await client.helpers.bulk<EsDocument>({
      datasource: [doc("A"), doc("B"), doc("C")],
      onDocument: () => ({ create: { _index: EVENTS } }),
      retries: 0,
      onDrop: (d) => dropped.push({ message: d.document.message, status: d.status, error: d.error }),
    });
    assert.deepEqual(
      dropped.map((d) => [d.message, d.status]),
      [["B", 400], ["A", 429]],
      "A (first in) is reported last",
    );
    assert.equal(dropped[1]!.error, null, "the 429's reason is lost");
    assert.equal(result.successful, 1);
  });
});
