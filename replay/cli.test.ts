/** Tests of `satellite replay` as a user runs it: a real child process on a trace recorded in a temp directory. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { FIXTURES, liveRun, scenario } from "./test-support.ts";

const BIN = fileURLToPath(new URL("../bin/satellite.js", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), "satellite-replay-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function satellite(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("satellite replay", () => {
  const trace = path.join(tmp, "traces");
  before(async () => {
    await liveRun(scenario(), [FIXTURES.low], { dir: trace, flushIntervalMs: 0 });
  });

  it("prints the report of a replay: the timeline and the summary", () => {
    const r = satellite("replay", trace, "--rules", FIXTURES.low, "--no-builtin", "--speed");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Replay of .*traces: 1 file, 1,125 events/);
    assert.match(r.stdout, /PAGE +warning threshold\/load high:host-1/);
    assert.match(r.stdout, /RESTORE +host-2 \(threshold\)/);
    assert.match(r.stdout, /pages: 2 opened, 2 resolved/);
    assert.match(r.stderr, /^replay: 1,125 events in [\d.]+ s: [\d,]+ events\/s, [\d,]+× real time/m);
    assert.doesNotMatch(r.stderr, /\r/); // no progress bar when stderr is not a terminal
  });

  it("--compare prints the headline and the differences; --json prints JSON", () => {
    const r = satellite("replay", trace, "--rules", FIXTURES.low, "--compare", FIXTURES.high, "--no-builtin");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^B pages 2 times fewer than A \(1 vs 2\) and takes out 1 fewer host \(1 vs 2\)\.$/m);
    assert.match(r.stdout, /Pages only in A \(1\):/);
    const j = satellite("replay", trace, "--rules", FIXTURES.low, "--compare", FIXTURES.high, "--no-builtin", "--json");
    assert.equal(j.code, 0, j.stderr);
    const parsed = JSON.parse(j.stdout) as { comparison: { headline: string } };
    assert.match(parsed.comparison.headline, /^B pages 2 times fewer/);
  });

  it("exits 1 with a reason when the trace or the rules are missing", () => {
    const r = satellite("replay", path.join(tmp, "nothing"), "--no-builtin");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no trace at .*nothing/);
    const bad = satellite("replay", trace, "--rules", path.join(tmp, "no-rules"), "--no-builtin");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /do not load/);
  });
});
