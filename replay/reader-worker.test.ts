/**
 * Tests of reading a trace on a worker thread: `readTraceInWorker` makes
 * exactly the visitor calls `readTrace` makes (batches with equal events,
 * ticks, headers, gaps, end lines, problems, the summary) on traces that
 * use every corner of the format — several files, dictionary overflow,
 * values written out in full, a gap, a corrupt line, a file cut off by a
 * crash; a replay through it gives the live run's intents; and a visitor
 * that throws or a missing trace rejects without leaving a thread behind.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import zlib from "node:zlib";
import type { Intent } from "../rules/intents.ts";
import { makeEvent, type Event } from "../streams/event.ts";
import { ChunkReader, ChunkWriter } from "./batch-codec.ts";
import { TraceDecoder, TraceEncoder } from "./format.ts";
import { readTrace, TraceError, type TraceProblem, type TraceVisitor } from "./reader.ts";
import { readTraceInWorker } from "./reader-worker.ts";
import { replayTrace } from "./replay.ts";
import { BUILTIN_RULES_DIR, FIXTURES, liveRun, scenario, type TimedIntent } from "./test-support.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "satellite-reader-worker-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Every call a visitor gets, with copies of the events (the array is reused). */
function recordingVisitor(calls: unknown[]): TraceVisitor {
  return {
    batch: (t, events, count) => calls.push(["batch", t, events.slice(0, count).map((e) => ({ ...e }))]),
    header: (header, file) => calls.push(["header", header, file]),
    gap: (dropped, from, to, file) => calls.push(["gap", dropped, from, to, file]),
    end: (t, stats, file) => calls.push(["end", t, stats, file]),
  };
}

/** Writes trace file `seq` into `dir`: `rounds` rounds of `hosts` hosts, with every kind of line. */
function writeTraceFile(dir: string, seq: number, options: { rounds: number; hosts: number; maxDictionary?: number; gap?: boolean }): string {
  const start = 1_735_732_800 + seq * 10_000;
  const enc = new TraceEncoder({ maxDictionary: options.maxDictionary ?? 65_536, maxLineEvents: 5 });
  const out: string[] = [enc.header({ satelliteTrace: 1, seq, start, host: "eng1", meta: { rules: ["a", "b"] } })];
  for (let k = 0; k < options.rounds; k++) {
    for (let h = 0; h < options.hosts; h++) {
      const t = start + k * 10 + h / 4;
      const host = `host-${h}`;
      enc.add(t, makeEvent({ host, service: "heartbeat", time: t, state: "ok", metric: k, ttl: 30 }), out);
      enc.add(t, makeEvent({ host, service: "load", time: t - 0.125, metric: (h * 7 + k) / 10 }), out);
      enc.add(t, makeEvent({ host, service: "disk /", time: t, state: k % 5 === 0 ? "critical" : "ok", description: `run ${k} of ${host}`, tags: ["check", `t${k % 3}`], ttl: 60 }), out);
      // A fresh attribute map per event: past a small dictionary these are written out in full.
      enc.add(t, makeEvent({ host, service: "task finished", time: t, attributes: { task_id: `t${h}-${k}`, reason: "done" }, ttl: 600 }), out);
      enc.add(t, makeEvent({ host, service: "no state", time: t + 0.5 }), out); // nothing but a time
    }
    enc.flush(out);
    out.push(enc.tick(start + k * 10 + 9.5));
    if (options.gap === true && k === 3) out.push(enc.gap(12, start + 30, start + 31));
  }
  enc.flush(out);
  out.push(enc.end(start + options.rounds * 10, { events: options.rounds * options.hosts * 5, dropped: options.gap === true ? 12 : 0 }));
  const file = path.join(dir, `trace-${String(seq).padStart(6, "0")}-20250101T120000Z.jsonl.gz`);
  writeFileSync(file, zlib.gzipSync(out.join("")));
  return file;
}

async function bothWays(trace: string | string[]): Promise<{ direct: unknown[]; worker: unknown[]; problems: [TraceProblem[], TraceProblem[]] }> {
  const direct: unknown[] = [];
  const worker: unknown[] = [];
  const problems: [TraceProblem[], TraceProblem[]] = [[], []];
  const a = await readTrace(trace, recordingVisitor(direct), { onProblem: (p) => problems[0].push(p) });
  const b = await readTraceInWorker(trace, recordingVisitor(worker), { onProblem: (p) => problems[1].push(p) });
  direct.push(["summary", a]);
  worker.push(["summary", b]);
  return { direct, worker, problems };
}

describe("readTraceInWorker", () => {
  it("makes the same visitor calls as readTrace over several files, dictionary overflow, inline values, ticks and a gap", async () => {
    const dir = path.join(tmp, "varied");
    mkdirSync(dir);
    writeTraceFile(dir, 1, { rounds: 40, hosts: 30, gap: true });
    writeTraceFile(dir, 2, { rounds: 30, hosts: 20, maxDictionary: 40 }); // most values written out in full
    writeTraceFile(dir, 3, { rounds: 5, hosts: 3 });
    const { direct, worker, problems } = await bothWays(dir);
    assert.deepEqual(worker, direct);
    assert.deepEqual(problems[1], problems[0]);
    assert.equal(problems[0].length, 1, "the gap is reported as a problem");
    const summary = (direct.at(-1) as [string, { events: number; files: unknown[] }])[1];
    assert.equal(summary.events, (40 * 30 + 30 * 20 + 5 * 3) * 5);
    assert.equal(summary.files.length, 3);
    assert.ok(direct.some((c) => (c as unknown[])[0] === "batch" && ((c as unknown[])[2] as unknown[]).length === 0), "ticks are delivered as empty batches");
  });

  it("reports a corrupt line and a file cut off by a crash as readTrace does", async () => {
    const dir = path.join(tmp, "broken");
    mkdirSync(dir);
    const whole = writeTraceFile(dir, 1, { rounds: 30, hosts: 10 });
    const lines = zlib.gunzipSync(readFileSync(whole)).toString("utf8").split("\n");
    lines[40] = "[1735733000,[0,1,";
    writeFileSync(whole, zlib.gzipSync(lines.join("\n")));
    const cut = writeTraceFile(dir, 2, { rounds: 30, hosts: 10 });
    const bytes = readFileSync(cut);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    const { direct, worker, problems } = await bothWays(dir);
    assert.deepEqual(worker, direct);
    assert.deepEqual(problems[1], problems[0]);
    const messages = problems[0].map((p) => p.message).join("\n");
    assert.match(messages, /not JSON .*: line skipped/);
    assert.match(messages, /no end line/);
  });

  it("replays to the live run's intents, exactly as the reader on the replaying thread does", async () => {
    const dir = path.join(tmp, "live");
    const live = await liveRun(scenario(), [BUILTIN_RULES_DIR, FIXTURES.windowed], { dir, flushIntervalMs: 0 });
    const got: TimedIntent[] = [];
    const result = await replayTrace({
      trace: dir,
      rulesDir: FIXTURES.windowed,
      readInWorker: true,
      decisions: (clock) => ({ sink: (intent: Intent) => void got.push({ at: clock.now(), intent }), report: () => got }),
    });
    assert.equal(result.trace.events, live.stats.events);
    assert.deepEqual(got, live.intents);
  });

  it("rejects with the visitor's error and stops the thread; rejects a missing trace with a TraceError", async () => {
    const dir = path.join(tmp, "throws");
    mkdirSync(dir);
    writeTraceFile(dir, 1, { rounds: 50, hosts: 20 });
    let batches = 0;
    await assert.rejects(
      readTraceInWorker(dir, {
        batch: () => {
          if (++batches === 3) throw new Error("visitor gave up");
        },
      }),
      /visitor gave up/,
    );
    assert.equal(batches, 3, "no batch is delivered after the throw");
    await assert.rejects(readTraceInWorker(path.join(tmp, "nothing-here"), { batch: () => {} }), TraceError);
  });
});

describe("ChunkWriter / ChunkReader", () => {
  it("a decoder packing into a ChunkWriter yields, through a ChunkReader, the events a plain decoder makes — bad lines rejected whole, inline values, a new file", () => {
    const enc = new TraceEncoder({ maxDictionary: 6 });
    const out: string[] = [enc.header({ satelliteTrace: 1, seq: 1, start: 100, host: "eng" })];
    enc.add(101, makeEvent({ host: "h1", service: "s", time: 100.5, state: "ok", metric: 0.25, tags: ["a", "b"], ttl: 30, attributes: { k: "v" } }), out);
    enc.add(101, makeEvent({ host: "h1", service: "s2", time: 100.5, description: "written in full" }), out);
    enc.flush(out);
    enc.add(102, makeEvent({ host: "h2", service: "past the dictionary", time: 101, attributes: { fresh: "1" } }), out);
    enc.flush(out);
    out.push(enc.tick(103));
    const lines = out.join("").split("\n").filter((l) => l !== "");
    lines.splice(3, 0, '[101.5,[0,1,null,2],[0,1,"not a time"]]'); // a bad event: the whole line is rejected
    lines.push(lines[0]!, ...lines.slice(1)); // a second file (a header starts a fresh dictionary)

    const plain = new TraceDecoder();
    const want: [number, Event[]][] = [];
    const writer = new ChunkWriter();
    const packed = new TraceDecoder(writer);
    const reader = new ChunkReader();
    const got: [number, Event[]][] = [];
    const errors: string[] = [];
    for (const line of lines) {
      let p: ReturnType<TraceDecoder["line"]>;
      try {
        p = plain.line(line);
      } catch (err) {
        errors.push((err as Error).message);
        assert.throws(() => packed.line(line), { message: (err as Error).message }, "the packing decoder rejects the same lines, with the same reason");
        continue;
      }
      if (p.kind === "batch") want.push([p.t, plain.events.slice(0, p.count)]);
      if (p.kind === "header") {
        const chunk = writer.take();
        if (chunk !== undefined) reader.read(chunk, (t, es, n) => void got.push([t, es.slice(0, n)]));
        writer.reset();
      }
      const q = packed.line(line);
      assert.equal(q.kind, p.kind);
    }
    reader.read(writer.take()!, (t, es, n) => void got.push([t, es.slice(0, n)]));
    assert.deepEqual(got, want);
    assert.equal(errors.length, 2);
    assert.equal(want.length, 6, "two batches and a tick, twice");
    const first = got[0]![1][0]!;
    assert.ok(Object.isFrozen(first.tags) && Object.isFrozen(first.attributes), "dictionary objects stay frozen");
    assert.equal(writer.take(), undefined, "nothing pending");
  });
});
