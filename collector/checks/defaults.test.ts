/**
 * Tests of Satellite's default checks: the set and its service names, each
 * in-process check against a fixture /proc (thresholds both ways, swap
 * absent), the command checks against the real `df` and `test`, and the
 * settings' validation.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import type { Check } from "./check.ts";
import { countUninterruptible, defaultChecks, dfPercent, resolveDefaultChecksOptions } from "./defaults.ts";

const root = mkdtempSync(path.join(os.tmpdir(), "satellite-defaults-"));

/** A fixture /proc: meminfo (kB), loadavg, and one process per state letter given. */
function fakeProc(name: string, meminfo: Record<string, number>, load15: number, states: string): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "meminfo"), Object.entries(meminfo).map(([k, v]) => `${k}:${" ".repeat(8)}${v} kB\n`).join(""));
  writeFileSync(path.join(dir, "loadavg"), `0.50 0.40 ${load15} 1/100 1234\n`);
  [...states].forEach((state, i) => {
    mkdirSync(path.join(dir, String(100 + i)));
    writeFileSync(path.join(dir, String(100 + i), "stat"), `${100 + i} (odd) name) ${state} 1 1 1 0 -1\n`);
  });
  mkdirSync(path.join(dir, "self"), { recursive: true });
  return dir;
}

async function run(check: Check): Promise<{ state?: string | undefined; metric?: number | undefined; description?: string | undefined }> {
  const results = await check.run({ host: "web1", signal: new AbortController().signal });
  assert.equal(results.length, 1);
  return results[0]!;
}

function byName(checks: Check[], name: string): Check {
  const c = checks.find((x) => x.name === name);
  assert.ok(c, `a check named ${name}`);
  return c;
}

describe("defaultChecks", () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it("is Satellite's set, every 60 s with a 10 s timeout", () => {
    const checks = defaultChecks({ diskPaths: ["/", "/tmp"], mustExist: ["/etc/hostname"] });
    assert.deepEqual(
      checks.map((c) => c.name),
      [
        "free memory in MB",
        "free swap in MB",
        "percentage used of /",
        "percentage used of /tmp",
        "df returns in timely fashion",
        "number of processes in uninterruptible sleep",
        "load average over past 15 minutes",
        "/etc/hostname exists",
      ],
    );
    assert.ok(checks.every((c) => c.schedule.kind === "interval" && c.schedule.seconds === 60 && c.timeoutSeconds === 10 && c.ttlPeriods === 3));
  });

  it("free memory: MemAvailable in MB, critical at or below the threshold", async () => {
    const healthy = byName(defaultChecks({ procRoot: fakeProc("mem-ok", { MemTotal: 8_000_000, MemFree: 100_000, MemAvailable: 2_048_000 }, 1, "") }), "free memory in MB");
    assert.deepEqual(await run(healthy), { state: "ok", metric: 2000, description: "2000 MB available, threshold 50 MB" });
    const starving = byName(defaultChecks({ procRoot: fakeProc("mem-low", { MemTotal: 8_000_000, MemFree: 10_000, MemAvailable: 40_960 }, 1, "") }), "free memory in MB");
    assert.equal((await run(starving)).state, "critical");
    const old = byName(defaultChecks({ procRoot: fakeProc("mem-old", { MemTotal: 8_000_000, MemFree: 1024, Buffers: 1024, Cached: 1024 }, 1, "") }), "free memory in MB");
    assert.equal((await run(old)).metric, 3, "without MemAvailable: free + buffers + cached");
  });

  it("free swap: ok without swap, else critical at or below the threshold", async () => {
    const none = byName(defaultChecks({ procRoot: fakeProc("swap-none", { SwapTotal: 0, SwapFree: 0 }, 1, "") }), "free swap in MB");
    assert.deepEqual(await run(none), { state: "ok", metric: 0, description: "no swap configured" });
    const full = byName(defaultChecks({ procRoot: fakeProc("swap-full", { SwapTotal: 4_096_000, SwapFree: 10_240 }, 1, "") }), "free swap in MB");
    assert.deepEqual(await run(full), { state: "critical", metric: 10, description: "10 MB of swap free, threshold 50 MB" });
    const plenty = byName(defaultChecks({ freeSwapMb: 5, procRoot: fakeProc("swap-some", { SwapTotal: 4_096_000, SwapFree: 10_240 }, 1, "") }), "free swap in MB");
    assert.equal((await run(plenty)).state, "ok");
  });

  it("processes in D state: counted from /proc/<pid>/stat (names with spaces and parentheses too)", async () => {
    const dir = fakeProc("dstate", {}, 1, "SDRDDZ");
    assert.equal(await countUninterruptible(dir), 3);
    assert.deepEqual(await run(byName(defaultChecks({ procRoot: dir }), "number of processes in uninterruptible sleep")), { state: "ok", metric: 3, description: "3 processes in state D, threshold 10" });
    assert.equal((await run(byName(defaultChecks({ procRoot: dir, maxUninterruptible: 3 }), "number of processes in uninterruptible sleep"))).state, "critical");
  });

  it("15-minute load: critical at or above the threshold", async () => {
    const calm = byName(defaultChecks({ procRoot: fakeProc("load-calm", {}, 2.5, "") }), "load average over past 15 minutes");
    assert.deepEqual(await run(calm), { state: "ok", metric: 2.5, description: "15-minute load 2.5, threshold 30" });
    const busy = byName(defaultChecks({ procRoot: fakeProc("load-busy", {}, 31, "") }), "load average over past 15 minutes");
    assert.equal((await run(busy)).state, "critical");
  });

  it("percentage used: df -P's capacity, critical at or above the threshold, critical when df fails", async () => {
    const r = await run(byName(defaultChecks({ diskPaths: ["/"] }), "percentage used of /"));
    assert.equal(r.state, "ok");
    assert.ok(typeof r.metric === "number" && r.metric >= 0 && r.metric <= 100);
    const strict = await run(byName(defaultChecks({ diskPaths: ["/"], diskUsedPercent: 0.5 }), "percentage used of /"));
    assert.equal(strict.state, r.metric === 0 ? "ok" : "critical");
    const missing = await run(byName(defaultChecks({ diskPaths: ["/no/such/path/xyz"] }), "percentage used of /no/such/path/xyz"));
    assert.equal(missing.state, "critical");
    assert.match(missing.description!, /df -P \/no\/such\/path\/xyz failed/);
  });

  it("dfPercent reads the capacity column, mount points with spaces included", () => {
    assert.equal(dfPercent("Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 264212084 23509176 82881736 23% /\n"), 23);
    assert.equal(dfPercent("Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sdb1 100 97 3 97% /mnt/my disk\n"), 97);
    assert.equal(dfPercent("df: /x: No such file or directory\n"), undefined);
  });

  it("df returns: ok when df -P exits 0 in time", async () => {
    assert.equal((await run(byName(defaultChecks(), "df returns in timely fashion"))).state, "ok");
  });

  it("file exists: ok when it does, critical when it does not", async () => {
    const checks = defaultChecks({ mustExist: [root, path.join(root, "absent")] });
    assert.deepEqual(await run(byName(checks, `${root} exists`)), { state: "ok", metric: 0 });
    assert.deepEqual(await run(byName(checks, `${path.join(root, "absent")} exists`)), { state: "critical", metric: 1, description: `${path.join(root, "absent")} does not exist` });
  });
});

describe("resolveDefaultChecksOptions", () => {
  it("fills every default", () => {
    const o = resolveDefaultChecksOptions();
    assert.deepEqual({ ...o, diskPaths: [...o.diskPaths], mustExist: [...o.mustExist] }, {
      intervalSeconds: 60,
      timeoutSeconds: 10,
      freeMemoryMb: 50,
      freeSwapMb: 50,
      diskPaths: ["/"],
      diskUsedPercent: 90,
      maxUninterruptible: 10,
      maxLoad15: 30,
      mustExist: [],
      procRoot: "/proc",
    });
  });

  it("names the field of a bad setting", () => {
    assert.throws(() => resolveDefaultChecksOptions({ maxLoad15: -1 }), { message: "defaultChecks.maxLoad15 must be a positive number, got -1" });
    assert.throws(() => resolveDefaultChecksOptions({ diskPaths: "/" }), { message: 'defaultChecks.diskPaths must be an array of non-empty paths, got "/"' });
    assert.throws(() => resolveDefaultChecksOptions({ swap: true }), { message: /^defaultChecks\.swap is not a default-check setting/ });
  });
});
