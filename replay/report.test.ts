/** Tests of the replay reports: times and durations read well, the headline says what changed, every decision is on the timeline. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { replayTrace, replayTraceWith, type ReplayResult } from "./replay.ts";
import { formatComparison, formatDuration, formatRelative, formatReport, headline, reportJson } from "./report.ts";
import { FIXTURES, liveRun, scenario } from "./test-support.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "satellite-report-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("replay report", () => {
  it("formats durations and times since the start", () => {
    assert.equal(formatDuration(0), "0s");
    assert.equal(formatDuration(2.5), "2.5s");
    assert.equal(formatDuration(108), "1m48s");
    assert.equal(formatDuration(19_800), "5h30m");
    assert.equal(formatDuration(3 * 86400 + 4 * 3600), "3d04h");
    assert.equal(formatRelative(3723), "+1:02:03");
    assert.equal(formatRelative(0.5), "+0:00:00.5");
    assert.equal(formatRelative(90_061), "+1d 01:01:01");
    assert.equal(formatRelative(3607.96), "+1:00:08", "a fraction that rounds up carries into the seconds");
    assert.equal(formatRelative(59.97), "+0:01:00");
  });

  it("puts what changed into one sentence", () => {
    assert.equal(headline({ pages: 12, hostsTakenOut: 5 }, { pages: 4, hostsTakenOut: 7 }), "B pages 3 times fewer than A (4 vs 12) and takes out 2 more hosts (7 vs 5).");
    assert.equal(headline({ pages: 10, hostsTakenOut: 3 }, { pages: 8, hostsTakenOut: 2 }), "B pages 2 fewer times than A (8 vs 10) and takes out 1 fewer host (2 vs 3).");
    assert.equal(headline({ pages: 2, hostsTakenOut: 1 }, { pages: 9, hostsTakenOut: 1 }), "B pages 4.5 times more than A (9 vs 2) and takes out as many hosts (1).");
    assert.equal(headline({ pages: 3, hostsTakenOut: 0 }, { pages: 0, hostsTakenOut: 0 }), "B never pages where A pages 3 times and takes out no host, as A.");
    assert.equal(headline({ pages: 0, hostsTakenOut: 0 }, { pages: 1, hostsTakenOut: 0 }), "B pages 1 time where A never pages and takes out no host, as A.");
  });

  describe("on a replayed trace", () => {
    let single: ReplayResult;
    let pair: ReplayResult;
    before(async () => {
      const dir = path.join(tmp, "trace");
      await liveRun(scenario(), [FIXTURES.low], { dir, flushIntervalMs: 0 });
      single = await replayTrace({ trace: dir, rulesDir: FIXTURES.low, builtin: false });
      pair = await replayTraceWith({ trace: dir }, [
        { rulesDir: FIXTURES.low, builtin: false },
        { rulesDir: FIXTURES.high, builtin: false },
      ]);
    });

    it("lists every page, resolve and host action with its ISO time and time since the start", () => {
      const text = formatReport(single, "trace/");
      assert.match(text, /^Replay of trace\/: 1 file, 1,125 events/);
      assert.match(text, /2025-01-01T12:00:50\.500Z +\+0:00:50\.5 +PAGE +warning threshold\/load high:host-1: host-1 load 0\.9 over 0\.5 \(\+9 repeats\)/);
      assert.match(text, /2025-01-01T12:00:50\.500Z +\+0:00:50\.5 +DRAIN +host-1 \(threshold\): load over 0\.5/);
      assert.match(text, /2025-01-01T12:02:30\.500Z +\+0:02:30\.5 +RESOLVE +threshold\/load high:host-1 after 1m40s/);
      assert.match(text, /RESTORE +host-2 \(threshold\): load back to normal/);
      assert.equal(text.match(/^ {2}2025-\S+ +\S+ +(PAGE|RESOLVE|DRAIN|RESTORE) /gm)?.length, 8);
      assert.match(text, /pages: 2 opened, 2 resolved, 0 open at the end \(not counted: 30 repeats of open alerts/);
      assert.match(text, /host actions: 2 drains, 0 blacklists, 2 restores; 2 hosts taken out, 0 still out at the end/);
    });

    it("shows a comparison as only-in-A, only-in-B and in-both, under the headline", () => {
      const text = formatComparison(pair, "trace/");
      assert.match(text, /^B pages 2 times fewer than A \(1 vs 2\) and takes out 1 fewer host \(1 vs 2\)\.$/m);
      assert.match(text, /Pages only in A \(1\):\n.*threshold\/load high:host-2: host-2 load 0\.6 over 0\.5 \(resolved after 3m40s\)/);
      assert.match(text, /Pages only in B \(0\):/);
      assert.match(text, /Pages in both \(1\):\n.*threshold\/load high:host-1: B opens same time, resolves same time/);
      assert.match(text, /Hosts taken out only by A \(1\):\n.*drain host-2 \(threshold\)/);
      assert.match(text, /hosts taken out +2 +1/);
    });

    it("gives the same as JSON, with the comparison when two rule sets ran", () => {
      const json = JSON.parse(JSON.stringify(reportJson(pair))) as {
        trace: { events: number };
        runs: { label: string; decisions: { counts: { pages: number } } }[];
        comparison: { headline: string; pages: { onlyA: { key: string }[] } };
      };
      assert.equal(json.trace.events, 1125);
      assert.deepEqual(
        json.runs.map((r) => r.decisions.counts.pages),
        [2, 1],
      );
      assert.equal(json.comparison.pages.onlyA[0]!.key, "threshold/load high:host-2");
      assert.equal(reportJson(single).comparison, undefined);
    });
  });
});
