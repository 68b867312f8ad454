/**
 * `satellite-collector`, the agent on its own, as a host runs it: the
 * plain-JavaScript bundle `npm ci` builds (rebuilt here so the test checks
 * the current source), printing this machine's readings with --dry-run
 * --once; and the same through tsx when the bundle is missing is covered by
 * the bin's fallback (collector/cli.test.ts drives `satellite collector`).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

describe("satellite-collector (bundled)", () => {
  it("builds to plain JavaScript and prints real readings as JSON lines", () => {
    const build = spawnSync(process.execPath, ["scripts/build-collector.js"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(build.status, 0, build.stderr);
    const run = spawnSync(process.execPath, ["dist/satellite-collector.mjs", "--dry-run", "--once", "--no-default-checks"], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
    assert.equal(run.status, 0, run.stderr);
    const events = run.stdout.trim().split("\n").map((l) => JSON.parse(l) as { service: string; metric?: number });
    const services = new Set(events.map((e) => e.service));
    for (const s of ["heartbeat", "system.cpu.cores", "system.memory.total", "system.load.1"]) assert.ok(services.has(s), `${s} in ${[...services].join(", ")}`);
    assert.ok((events.find((e) => e.service === "system.memory.total")?.metric ?? 0) > 0);
  });
});
