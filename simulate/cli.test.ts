/**
 * `satellite simulate` as a user runs it: a child process against a real
 * API server on 127.0.0.1 (port 0, bearer token) with the events router and
 * the scheduler's router mounted, on the real clock for a few seconds. The
 * simulated hosts' readings reach the engine, their agents register with
 * the scheduler, jobs are submitted and tasks start; it stops by itself
 * after `--for` and exits 0. Bad settings exit 1 naming the setting.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { startApiServer } from "../api/server.ts";
import { main } from "../cli/main.ts";
import { schedulerRouter } from "../scheduler/router.ts";
import { Scheduler } from "../scheduler/scheduler.ts";
import { openDatabase } from "../store/database.ts";
import { RealClock } from "../streams/clock.ts";

const BIN = fileURLToPath(new URL("../bin/satellite.js", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TOKEN = "sim-s3cret";

function run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const kill = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(kill);
      resolve({ code, stderr });
    });
  });
}

describe("satellite simulate", () => {
  it("drives a running Satellite over HTTP: events, agent heartbeats, jobs and tasks; stops after --for", async () => {
    const clock = new RealClock();
    const db = openDatabase(":memory:");
    const scheduler = Scheduler.open({ db, clock });
    scheduler.start();
    const received: { host: string; service: string }[] = [];
    const engine = {
      submitAll(raws: readonly unknown[]) {
        for (const r of raws) received.push(r as { host: string; service: string });
        return { accepted: raws.length, rejected: [] };
      },
    };
    const api = await startApiServer({ engine, port: 0, token: TOKEN, mounts: [{ path: "/api/v1", handler: schedulerRouter({ scheduler }) }] });
    try {
      const url = `http://127.0.0.1:${api.port}`;
      const r = await run(["simulate", "--to", url, "--hosts", "5", "--for", "3", "--interval", "1", "--heartbeat", "1", "--jobs-per-minute", "300", "--seed", "9"], { ...process.env, SATELLITE_API_TOKEN: TOKEN });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /simulating 5 hosts, scenario healthy \(seed 9/);
      assert.match(r.stderr, /\+\d+s healthy baseline \| 5 hosts \(0 silent\)/);
      assert.match(r.stderr, /3 s elapsed: stopping/);
      const hosts = new Set(received.filter((e) => e.service === "heartbeat").map((e) => e.host));
      assert.deepEqual([...hosts].sort(), ["sim-001", "sim-002", "sim-003", "sim-004", "sim-005"]);
      const registered = scheduler.hosts();
      assert.deepEqual(
        registered.map((h) => [h.host, h.attributes.simulated, h.cpus]),
        [...hosts].sort().map((h) => [h, "true", 8]),
      );
      const jobs = scheduler.jobs({ limit: 1000 });
      assert.ok(jobs.length > 0, "jobs were submitted with the token");
      assert.ok(jobs.every((j) => /^sleep \d+$/.test(j.command)));
      assert.ok(
        received.some((e) => e.service === "task started"),
        "a task was launched on a simulated host and its event sent",
      );
    } finally {
      await api.close();
      scheduler.stop();
      db.close();
    }
  });

  it("exits 1 naming the bad setting", async () => {
    const writes: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk: string | Uint8Array): boolean => {
      writes.push(String(chunk));
      return true;
    };
    try {
      assert.equal(await main(["simulate", "--scenario", "meteor"]), 1);
      assert.equal(await main(["simulate", "--hosts", "0"]), 1);
      assert.equal(await main(["simulate", "--for", "x"]), 1);
    } finally {
      process.stderr.write = write;
    }
    assert.match(writes.join(""), /unknown scenario "meteor"; known: healthy, swap-storm/);
    assert.match(writes.join(""), /--hosts must be an integer from 1/);
    assert.match(writes.join(""), /--for must be a number, got "x"/);
  });
});
