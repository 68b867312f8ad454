/**
 * Tests of the recorder: files are plain gzip that zlib reads, rotation by
 * clock time and by size keeps at most `maxFiles`, a backlog over the limit
 * drops and counts events (and says so in the trace) instead of growing, an
 * I/O failure never reaches the engine, and attaching and detaching leave
 * the engine as it was.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import zlib from "node:zlib";
import { VirtualClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import { makeEvent } from "../streams/event.ts";
import { traceFileSeq } from "./format.ts";
import { readTrace } from "./reader.ts";
import { attachRecorder, resolveRecorderOptions, TraceRecorder } from "./recorder.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "satellite-recorder-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => path.join(tmp, `d${++dirs}`);

/** The lines of a gzip trace file, decompressed with plain zlib. */
function linesOf(file: string): unknown[] {
  return zlib
    .gunzipSync(readFileSync(file))
    .toString("utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as unknown);
}

function traceFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith(".jsonl.gz"))
    .sort((a, b) => traceFileSeq(a)! - traceFileSeq(b)!);
}

describe("TraceRecorder", () => {
  it("writes gzip files zlib reads: a header, dictionary and batch lines, an end line", async () => {
    const dir = freshDir();
    const clock = new VirtualClock(1_735_732_800);
    const rec = new TraceRecorder({ dir, flushIntervalMs: 0, hostName: "eng1" }, { clock, meta: () => ({ rules: ["a:1234"] }) });
    rec.tap([makeEvent({ host: "h1", service: "load", time: clock.now(), metric: 0.5 }), makeEvent({ host: "h2", service: "load", time: clock.now(), metric: 0.7 })], clock.now());
    clock.advanceBy(5);
    rec.record(makeEvent({ host: "h1", service: "load", time: clock.now(), metric: 0.6 }), clock.now());
    const stats = await rec.close();
    const [file] = traceFiles(dir);
    assert.equal(file, "trace-000001-20250101T120000Z.jsonl.gz");
    assert.deepEqual(linesOf(path.join(dir, file)), [
      { satelliteTrace: 1, seq: 1, start: 1_735_732_800, host: "eng1", meta: { rules: ["a:1234"] } },
      ["d", "h1", "load", "h2"],
      [1_735_732_800, [0, 1, null, null, 0.5], [2, 1, null, null, 0.7]],
      [1_735_732_805, [0, 1, null, null, 0.6]],
      ["end", 1_735_732_805, { events: 3, dropped: 0 }],
    ]);
    assert.equal(stats.events, 3);
    assert.equal(stats.files, 1);
    assert.ok(stats.bytesWritten > 0);
  });

  it("rotates by clock time and keeps only the newest maxFiles, each complete and readable", async () => {
    const dir = freshDir();
    const clock = new VirtualClock(1_735_732_800);
    const rec = new TraceRecorder({ dir, flushIntervalMs: 0, rotateSeconds: 60, maxFiles: 3 }, { clock });
    for (let i = 0; i < 400; i += 5) {
      clock.advanceTo(1_735_732_800 + i);
      rec.record(makeEvent({ host: `h${i % 3}`, service: "load", time: clock.now(), metric: i }), clock.now());
    }
    const stats = await rec.close();
    assert.equal(stats.files, 7); // 0-59, 60-119, ..., 360-395
    assert.equal(stats.deletedFiles, 4);
    const files = traceFiles(dir);
    assert.deepEqual(
      files.map((f) => traceFileSeq(f)),
      [5, 6, 7],
    );
    for (const f of files) {
      const lines = linesOf(path.join(dir, f));
      assert.equal((lines[0] as { seq: number }).seq, traceFileSeq(f));
      assert.equal((lines.at(-1) as unknown[])[0], "end");
      // Each file has its own dictionary: it names the hosts again.
      assert.equal((lines[1] as unknown[])[0], "d");
    }
    const summary = await readTrace(dir, { batch: () => {} });
    assert.equal(summary.events, 12 + 12 + 8); // the files kept: +240..+295, +300..+355, +360..+395 s, every 5 s
    assert.deepEqual(summary.problems, []);
  });

  it("rotates by compressed size and numbers new files after the ones already there", async () => {
    const dir = freshDir();
    const clock = new VirtualClock(1_735_732_800);
    const first = new TraceRecorder({ dir, flushIntervalMs: 0 }, { clock });
    first.record(makeEvent({ host: "h", service: "s", time: clock.now() }), clock.now());
    await first.close();
    const rec = new TraceRecorder({ dir, flushIntervalMs: 0, maxFileBytes: 4096, maxFiles: 0 }, { clock });
    for (let i = 0; i < 3000; i++) {
      clock.advanceBy(0.5);
      rec.record(makeEvent({ host: `host-${i % 50}`, service: "load", time: clock.now(), metric: Math.sin(i) }), clock.now());
      if (i % 100 === 99) await rec.flush(); // let compressed bytes reach the disk, as the event loop would
    }
    const stats = await rec.close();
    assert.ok(stats.files >= 3, `expected several files, got ${stats.files}`);
    const files = traceFiles(dir);
    assert.equal(traceFileSeq(files[0]!), 1);
    assert.equal(traceFileSeq(files[1]!), 2);
    const summary = await readTrace(dir, { batch: () => {} });
    assert.equal(summary.events, 3001);
    assert.deepEqual(summary.problems, []);
  });

  it("drops and counts events when writing cannot keep up, and marks the gap in the trace", async () => {
    const dir = freshDir();
    const clock = new VirtualClock(1_735_732_800);
    const rec = new TraceRecorder({ dir, flushIntervalMs: 0, maxQueuedBytes: 1 }, { clock });
    for (let i = 0; i < 2000; i++) {
      clock.advanceBy(1);
      rec.record(makeEvent({ host: "h", service: "s", time: clock.now(), metric: i }), clock.now());
    }
    const stats = await rec.close();
    assert.ok(stats.dropped > 0 && stats.events > 0, JSON.stringify(stats));
    assert.equal(stats.events + stats.dropped, 2000);
    assert.equal(stats.gaps, 1);
    const summary = await readTrace(dir, { batch: () => {} });
    assert.equal(summary.events, stats.events);
    assert.equal(summary.dropped, stats.dropped);
    assert.match(summary.problems[0]!.message, new RegExp(`dropped ${stats.dropped} events`));
  });

  it("reports an I/O failure once, keeps the engine running and counts what it could not write", async () => {
    const dir = freshDir();
    const clock = new VirtualClock(1_735_732_800);
    const engine = new Engine({ clock });
    let seen = 0;
    engine.setStream(() => void seen++);
    const errors: string[] = [];
    const recording = attachRecorder(engine, { dir, flushIntervalMs: 0 }, { onError: (e) => errors.push(e.message) });
    rmSync(dir, { recursive: true }); // the file cannot be created
    engine.submit({ host: "h", service: "s", metric: 1 });
    await recording.recorder.flush();
    engine.submit({ host: "h", service: "s", metric: 2 });
    const stats = await recording.close();
    assert.equal(seen, 2);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /ENOENT/);
    assert.equal(stats.dropped, 1);
  });

  it("attachRecorder records accepted events only, with the engine clock's time, and detaches cleanly", async () => {
    const dir = freshDir();
    const clock = new VirtualClock(1_735_732_800);
    const engine = new Engine({ clock });
    const recording = attachRecorder(engine, { dir, flushIntervalMs: 0 });
    engine.submitAll([{ host: "h", service: "s", metric: 1 }, { host: "", service: "bad" }, { host: "h", service: "t", time: clock.now() - 3 }]);
    clock.advanceBy(100); // the index expires both keys: expiries are not input, so not recorded
    const stats = await recording.close();
    assert.equal(stats.events, 2);
    assert.equal(Object.prototype.hasOwnProperty.call(engine, "process"), false);
    engine.submit({ host: "h", service: "s" }); // not recorded, no throw
    const [file] = traceFiles(dir);
    const lines = linesOf(path.join(dir, file!));
    assert.deepEqual(lines[2], [1_735_732_800, [0, 1, null, null, 1], [0, 2, 1_735_732_797]]);
    assert.deepEqual(lines.at(-1), ["end", 1_735_732_900, { events: 2, dropped: 0 }]);
  });

  it("validates its settings, naming the field", () => {
    assert.equal(resolveRecorderOptions({ dir: "x" }).rotateSeconds, 3600);
    assert.throws(() => resolveRecorderOptions({ dir: "x", maxFiles: -1 }), /record\.maxFiles must be an integer >= 0, got -1/);
    assert.throws(() => resolveRecorderOptions({ dir: "x", gzipLevel: 11 }), /record\.gzipLevel must be an integer >= 1 and <= 9/);
    assert.throws(() => resolveRecorderOptions({ dir: "" }), /record\.dir must be a non-empty string/);
    assert.throws(() => resolveRecorderOptions({ dir: "x", rotate: 5 }), /record\.rotate is not a setting/);
    assert.throws(() => resolveRecorderOptions({ dir: "x", prefix: "a/b" }), /record\.prefix may hold only/);
  });
});
