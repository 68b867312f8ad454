/**
 * Tests of replay: a recorded live run replays to exactly the same intents
 * at the same virtual times (determinism, timers and TTL expiries
 * included); the default decisions count pages and host take-outs once; a
 * trace cut off by a crash or with a corrupt line is reported and the rest
 * replayed; two rule sets compare on one read of the trace.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import zlib from "node:zlib";
import type { Intent } from "../rules/intents.ts";
import { VirtualClock } from "../streams/clock.ts";
import { makeEvent } from "../streams/event.ts";
import type { DecisionsFactory } from "./decisions.ts";
import { TraceError } from "./reader.ts";
import { TraceRecorder } from "./recorder.ts";
import { ReplayError, replayTrace, replayTraceWith } from "./replay.ts";
import { compareRuns } from "./report.ts";
import { BUILTIN_RULES_DIR, FIXTURES, liveRun, scenario, SCENARIO_START, type LiveRun, type TimedIntent } from "./test-support.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "satellite-replay-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A decisions hook that keeps every intent with its time, as the live run's sink does. */
const collect =
  (into: TimedIntent[]): DecisionsFactory<TimedIntent[]> =>
  (clock) => ({ sink: (intent: Intent) => void into.push({ at: clock.now(), intent }), report: () => into });

const ACTIONS = new Set(["page", "resolve", "drain", "blacklist", "restore"]);

describe("replay", () => {
  const traceDir = path.join(tmp, "live");
  let live: LiveRun;
  before(async () => {
    live = await liveRun(scenario(), [BUILTIN_RULES_DIR, FIXTURES.windowed], { dir: traceDir, flushIntervalMs: 0 });
  });

  it("gives the same intents at the same virtual times as the live run it recorded", async () => {
    const got: TimedIntent[] = [];
    const result = await replayTrace({ trace: traceDir, rulesDir: FIXTURES.windowed, decisions: collect(got) });
    assert.equal(result.trace.events, live.stats.events);
    assert.deepEqual(result.trace.problems, []);
    assert.deepEqual(got, live.intents);
    assert.ok(got.filter((i) => ACTIONS.has(i.intent.kind)).length > 20, "the scenario makes the rules act");
    // Timers and expiries took part: the silence rule pages on expiry, and its windows close on timers.
    assert.ok(got.some((i) => i.intent.rule === "silence/silent"));
    assert.ok(got.some((i) => i.intent.rule === "silence/busy"));
    assert.equal(result.runs[0]!.endedAt, live.end);
  });

  it("is deterministic: replays again, and next to another rule set, give the same intents", async () => {
    const perRun: TimedIntent[][] = [];
    const each: DecisionsFactory<TimedIntent[]> = (clock) => {
      const into: TimedIntent[] = [];
      perRun.push(into);
      return collect(into)(clock);
    };
    await replayTrace({ trace: traceDir, rulesDir: FIXTURES.windowed, decisions: each });
    await replayTraceWith({ trace: traceDir, decisions: each }, [{ rulesDir: FIXTURES.low, builtin: false }, { rulesDir: FIXTURES.windowed }]);
    assert.equal(perRun.length, 3);
    assert.deepEqual(perRun[0], live.intents);
    assert.deepEqual(perRun[2], live.intents);
    assert.ok(perRun[1]!.every((i) => i.intent.rule.startsWith("threshold")));
  });

  it("counts an alert once however often its rule pages, and a host once however often it is drained", async () => {
    const result = await replayTrace({ trace: traceDir, rulesDir: FIXTURES.low, builtin: false });
    const d = result.runs[0]!.decisions;
    assert.deepEqual(
      d.pages.map((p) => [p.key, p.time - SCENARIO_START, p.resolvedAt === undefined ? undefined : p.resolvedAt - SCENARIO_START]),
      [
        ["threshold/load high:host-1", 50.5, 150.5],
        ["threshold/load high:host-2", 81, 301],
      ],
    );
    assert.equal(d.counts.repeatedPages, 9 + 21);
    assert.equal(d.counts.pageIntents, 2 + 9 + 21);
    assert.deepEqual(
      d.hostActions.map((a) => `${a.kind} ${a.host}`),
      ["drain host-1", "drain host-2", "restore host-1", "restore host-2"],
    );
    assert.equal(d.counts.hostsTakenOut, 2);
    assert.equal(d.counts.hostsOutAtEnd, 0);
    assert.ok(d.counts.idleResolves > 100 && d.counts.idleHostIntents > 100);
    assert.ok(result.realTimeFactor > 1);
  });

  it("replays a trace cut off by a crash up to its last flushed line, and says so", async () => {
    const dir = path.join(tmp, "crash");
    const clock = new VirtualClock(SCENARIO_START);
    const rec = new TraceRecorder({ dir, flushIntervalMs: 0 }, { clock });
    for (let i = 0; i < 100; i++) {
      clock.advanceBy(1);
      rec.record(makeEvent({ host: `host-${i % 4}`, service: "load", time: clock.now(), metric: 0.9, ttl: 30 }), clock.now());
    }
    await rec.flush();
    const [name] = readdirSync(dir);
    const crashed = path.join(tmp, "crashed");
    mkdirSync(crashed);
    copyFileSync(path.join(dir, name!), path.join(crashed, name!)); // the file as a crash would leave it: flushed, never ended
    for (let i = 0; i < 50; i++) rec.record(makeEvent({ host: "host-0", service: "load", time: clock.now() }), clock.now());
    await rec.close();

    const result = await replayTrace({ trace: crashed, rulesDir: FIXTURES.low, builtin: false });
    assert.equal(result.trace.events, 100);
    assert.equal(result.trace.problems.length, 1);
    assert.match(result.trace.problems[0]!.message, /no end line: the recording stopped without closing this file/);
    assert.equal(result.runs[0]!.decisions.counts.pages, 4);

    // Cut the compressed bytes anywhere: what is decodable is replayed, the cut line is reported.
    const bytes = readFileSync(path.join(dir, name!));
    const cut = path.join(tmp, "cut.jsonl.gz");
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const partial = await replayTrace({ trace: cut, rulesDir: FIXTURES.low, builtin: false });
    assert.ok(partial.trace.events > 0 && partial.trace.events < 150, `replayed ${partial.trace.events}`);
    assert.ok(partial.trace.problems.some((p) => /no end line/.test(p.message)));
  });

  it("reports a half-written last line and a corrupt line, and replays every other line", async () => {
    const text = zlib.gunzipSync(readFileSync(path.join(traceDir, readdirSync(traceDir)[0]!))).toString("utf8");
    const lines = text.split("\n").filter((l) => l !== "");
    const batches = lines.filter((l) => /^\[\d/.test(l)).length;
    const total = (await replayTrace({ trace: traceDir, rulesDir: FIXTURES.low, builtin: false })).trace.events;

    // Drop the end line, cut the last batch line in half: as if the process died mid-write.
    const body = lines.slice(0, -1);
    const lastBatch = body.at(-1)!;
    const lastCount = (JSON.parse(lastBatch) as unknown[]).length - 1;
    const truncated = path.join(tmp, "truncated.jsonl.gz");
    writeFileSync(truncated, zlib.gzipSync(body.slice(0, -1).join("\n") + "\n" + lastBatch.slice(0, lastBatch.length / 2)));
    const r1 = await replayTrace({ trace: truncated, rulesDir: FIXTURES.low, builtin: false });
    assert.equal(r1.trace.events, total - lastCount);
    assert.match(r1.trace.problems.map((p) => p.message).join("\n"), /the file ends in the middle of line \d+ .*the recording was cut off/);

    // A corrupt line in the middle of a plain (uncompressed) file: that line is skipped, the rest replayed.
    const middle = Math.floor(lines.length / 2);
    while (!/^\[\d/.test(lines[middle]!)) throw new Error("fixture: expected a batch line in the middle");
    const skipped = (JSON.parse(lines[middle]!) as unknown[]).length - 1;
    const corrupt = path.join(tmp, "corrupt.jsonl");
    writeFileSync(corrupt, [...lines.slice(0, middle), "[1735733000,[0,1,", ...lines.slice(middle + 1)].join("\n") + "\n");
    const r2 = await replayTrace({ trace: corrupt, rulesDir: FIXTURES.low, builtin: false });
    assert.equal(r2.trace.events, total - skipped);
    assert.equal(r2.trace.problems.length, 1);
    assert.equal(r2.trace.problems[0]!.line, middle + 1);
    assert.match(r2.trace.problems[0]!.message, /not JSON .*: line skipped/);
    assert.ok(batches > 10);
  });

  it("compares two rule sets on one read of the trace", async () => {
    const result = await replayTraceWith({ trace: traceDir }, [
      { rulesDir: FIXTURES.low, builtin: false },
      { rulesDir: FIXTURES.high, builtin: false },
    ]);
    const cmp = compareRuns(result.runs[0]!, result.runs[1]!);
    assert.deepEqual(
      cmp.pages.onlyA.map((p) => p.key),
      ["threshold/load high:host-2"],
    );
    assert.deepEqual(cmp.pages.onlyB, []);
    assert.deepEqual(
      cmp.pages.both.map((p) => [p.key, p.shift, p.resolveShift]),
      [["threshold/load high:host-1", 0, 0]],
    );
    assert.deepEqual(
      cmp.takeOuts.onlyA.map((e) => e.host),
      ["host-2"],
    );
    assert.equal(cmp.headline, "B pages 2 times fewer than A (1 vs 2) and takes out 1 fewer host (1 vs 2).");
  });

  it("moves the clock past the end when asked, so pending expiries fire", async () => {
    const dir = path.join(tmp, "no-tail");
    await liveRun(scenario({ rounds: 5 }), [FIXTURES.windowed], { dir, flushIntervalMs: 0 }, 0);
    const without = await replayTrace({ trace: dir, rulesDir: FIXTURES.windowed, builtin: false });
    const extended = await replayTrace({ trace: dir, rulesDir: FIXTURES.windowed, builtin: false, extendSeconds: 3600 });
    assert.equal(without.runs[0]!.engine.expired, 0);
    assert.equal(extended.runs[0]!.engine.expired, 10 * 3); // every key of the 10 hosts
    assert.equal(extended.runs[0]!.decisions.counts.pages, 10); // each host's load expired: "silent"
    assert.equal(extended.runs[0]!.endedAt, without.runs[0]!.endedAt + 3600);
  });

  it("refuses rules that do not load and a trace that is not there", async () => {
    await assert.rejects(replayTrace({ trace: traceDir, rulesDir: path.join(tmp, "no-such-rules"), builtin: false }), ReplayError);
    await assert.rejects(replayTrace({ trace: path.join(tmp, "no-such-trace"), builtin: false }), TraceError);
    const empty = path.join(tmp, "empty");
    mkdirSync(empty);
    await assert.rejects(replayTrace({ trace: empty, builtin: false }), /no trace files/);
  });
});
