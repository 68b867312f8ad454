/**
 * Tests of the data-directory lock: a second Satellite on one directory is
 * refused with the holder named (in-process and through `startSatellite`), a
 * lock left by a dead process or unreadable is taken over, one from another
 * host is refused with the way out, and release removes only its own lock.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { startSatellite } from "../cli/satellite.ts";
import { resolveConfig } from "../config/resolve.ts";
import { VirtualClock } from "../streams/clock.ts";
import { DataDirInUseError, LOCK_FILE, lockDataDir } from "./dir-lock.ts";

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(os.tmpdir(), "satellite-lock-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("lockDataDir", () => {
  it("refuses a second holder, naming the first, and lets it in once released", () => {
    const dir = freshDir();
    const lock = lockDataDir(dir, "satellite start");
    const holder = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as { pid: number; host: string; command: string };
    assert.deepEqual([holder.pid, holder.host, holder.command], [process.pid, os.hostname(), "satellite start"]);
    assert.throws(
      () => lockDataDir(dir, "satellite control"),
      (e: unknown) => e instanceof DataDirInUseError && e.message.includes(`in use by satellite start (pid ${process.pid} on ${os.hostname()}`) && /stop it or give another --data-dir$/.test(e.message),
    );
    lock.release();
    lock.release(); // idempotent
    assert.equal(existsSync(join(dir, LOCK_FILE)), false);
    lockDataDir(dir, "satellite control").release();
  });

  it("takes over a lock whose process is gone, or that cannot be read", () => {
    const dir = freshDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: os.hostname(), since: "2026-01-01T00:00:00.000Z", command: "satellite start" }));
    const lock = lockDataDir(dir, "satellite start");
    assert.equal((JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as { pid: number }).pid, process.pid);
    lock.release();
    writeFileSync(join(dir, LOCK_FILE), "{half a JSO");
    lockDataDir(dir, "satellite start").release();
  });

  it("refuses a lock held from another host (a shared filesystem), saying how to clear it", () => {
    const dir = freshDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: "elsewhere", since: "2026-01-01T00:00:00.000Z", command: "satellite control" }));
    assert.throws(() => lockDataDir(dir, "satellite start"), new RegExp(`in use by satellite control \\(pid 1 on elsewhere.*; if that process is gone, remove ${join(dir, LOCK_FILE).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
  });

  it("release leaves alone a lock that is no longer its own", () => {
    const dir = freshDir();
    const lock = lockDataDir(dir, "satellite start");
    const other = JSON.stringify({ pid: 1, host: "elsewhere", since: "x", command: "satellite start" });
    writeFileSync(join(dir, LOCK_FILE), other);
    lock.release();
    assert.equal(readFileSync(join(dir, LOCK_FILE), "utf8"), other);
  });

  it("keeps a second Satellite off a data directory in use, and frees it when the first closes", async () => {
    const dir = freshDir();
    const config = resolveConfig({ dataDir: dir, server: { httpPort: 0, riemannPort: 0 }, rules: { dir: join(dir, "none"), builtin: false } }, {});
    const options = { log: () => {}, collector: false, scheduler: false, env: {}, clock: new VirtualClock(1_700_000_000) } as const;
    const first = await startSatellite(config, options);
    try {
      await assert.rejects(startSatellite(config, options), /data directory .* is in use by satellite start \(pid \d+/);
    } finally {
      await first.close();
    }
    assert.equal(existsSync(join(dir, LOCK_FILE)), false, "released on close");
    const again = await startSatellite(config, options);
    await again.close();
  });
});
