/**
 * Durability under kill -9: a scheduler in a child process works on a
 * database file and is killed with SIGKILL while it submits jobs; a new
 * scheduler on the same file finds every job the child acknowledged, the
 * tasks and host it had, and a consistent database.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { VirtualClock } from "../streams/clock.ts";
import { testScheduler } from "./test-support.ts";

const CHILD = fileURLToPath(new URL("./testdata/scheduler-child.ts", import.meta.url));

describe("kill -9", () => {
  const dir = mkdtempSync(join(tmpdir(), "satellite-kill9-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("loses nothing the scheduler acknowledged", async () => {
    const path = join(dir, "satellite.db");
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, path], { stdio: ["ignore", "pipe", "inherit"] });
    const acknowledged: string[] = [];
    let ready = false;
    let buffered = "";
    await new Promise<void>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code, signal) => reject(new Error(`child exited early: ${code} ${signal}`)));
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) {
          if (line === "ready") ready = true;
          else if (line.length > 0) acknowledged.push(line);
        }
        if (ready && acknowledged.length >= 50) resolve();
      });
    });
    child.removeAllListeners("exit");
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
    child.kill("SIGKILL");
    assert.equal(await exited, "SIGKILL");

    const { scheduler, db } = testScheduler({}, path, new VirtualClock(2000), "p");
    assert.equal((db.pragma("integrity_check") as { integrity_check: string }[])[0]!.integrity_check, "ok");
    for (const uuid of acknowledged) assert.ok(scheduler.job(uuid), `acknowledged job ${uuid} survived`);
    assert.deepEqual(scheduler.registeredHosts(), ["h1"]);
    const j1 = scheduler.job("j1")!;
    assert.equal(j1.state, "running");
    assert.equal(j1.tasks[0]!.state, "running");
    const j2 = scheduler.job("j2")!;
    assert.equal(j2.state, "waiting");
    assert.equal(j2.failures, 1);
    assert.equal(j2.tasks[0]!.stderrTail, "boom");
    assert.equal(scheduler.job("j3")!.state, "waiting");
    db.close();
  });
});
