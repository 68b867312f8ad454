/**
 * `satellite collector` as a user runs it: real child processes of
 * bin/satellite.js. A dry run prints valid events from the real /proc
 * (heartbeat, probes, default checks, a check file), flags are validated,
 * `--once` ships to a real API server and to a real Riemann server, keeps
 * what it could not send in the buffer directory for the next run, and
 * SIGTERM stops a running collector cleanly.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { startApiServer } from "../api/server.ts";
import { startRiemannServer } from "../riemann/server.ts";
import { recordingEngine, withTimeout } from "../riemann/test-support.ts";
import { validateEvent, type Event } from "../streams/event.ts";

const BIN = fileURLToPath(new URL("../bin/satellite.js", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

function satelliteSync(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the command without blocking this process (whose servers it talks to). */
function satellite(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return withTimeout(new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr }))), 60_000, `satellite ${args.join(" ")}`);
}

function parseLines(stdout: string): Event[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Event);
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("satellite collector", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "satellite-collector-cli-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("--dry-run --once prints this host's events from the real /proc as JSON lines, every one valid", () => {
    const r = satelliteSync("collector", "--dry-run", "--once");
    assert.equal(r.code, 0, r.stderr);
    const events = parseLines(r.stdout);
    const now = Date.now() / 1000;
    for (const e of events) {
      const v = validateEvent(e, now);
      assert.ok(v.ok, `${JSON.stringify(e)}: ${v.ok ? "" : v.rejection.reason}`);
      assert.equal(e.host, os.hostname());
    }
    const services = new Set(events.map((e) => e.service));
    const heartbeat = events.find((e) => e.service === "heartbeat");
    assert.deepEqual([heartbeat?.state, heartbeat?.ttl], ["ok", 30]);
    for (const s of ["system.cpu.cores", "system.load.15", "system.memory.total", "system.memory.swap.total"]) assert.ok(services.has(s), `probe event ${s}`);
    for (const s of ["free memory in MB", "free swap in MB", "percentage used of /", "df returns in timely fashion", "number of processes in uninterruptible sleep", "load average over past 15 minutes"]) {
      const check = events.find((e) => e.service === s);
      assert.ok(check?.tags?.includes("check") === true, `check ${s}`);
      assert.equal(check?.ttl, 180);
    }
  });

  it("--dry-run takes --host, --no-default-checks and a --checks file", () => {
    const checks = path.join(dir, "checks.json");
    writeFileSync(checks, JSON.stringify([{ name: "always warns", command: "sh", args: ["-c", "echo careful; exit 1"], intervalSeconds: 30 }]));
    const r = satelliteSync("collector", "--dry-run", "--once", "--host", "test-host", "--no-default-checks", "--checks", checks);
    assert.equal(r.code, 0, r.stderr);
    const events = parseLines(r.stdout);
    assert.ok(events.every((e) => e.host === "test-host"));
    const checkEvents = events.filter((e) => e.tags?.includes("check") === true);
    assert.deepEqual(
      checkEvents.map((e) => [e.service, e.state, e.metric, e.description, e.ttl]),
      [["always warns", "warning", 1, "careful", 90]],
    );
  });

  it("fails with a message naming the problem: no destination, a bad interval, a bad check file", () => {
    const none = satelliteSync("collector", "--once");
    assert.equal(none.code, 1);
    assert.match(none.stderr, /nowhere to send: give --kafka BROKERS, --riemann HOST:PORT or --http URL/);
    const interval = satelliteSync("collector", "--dry-run", "--once", "--interval", "0");
    assert.equal(interval.code, 1);
    assert.match(interval.stderr, /collector\.intervalSeconds must be a positive number, got 0/);
    const badCheck = path.join(dir, "bad-checks.json");
    writeFileSync(badCheck, JSON.stringify([{ name: "x", command: "true", timeoutSeconds: -1 }]));
    const check = satelliteSync("collector", "--dry-run", "--once", "--checks", badCheck);
    assert.equal(check.code, 1);
    assert.match(check.stderr, /collector\.checks\[0\]\.timeoutSeconds must be a positive number of seconds, got -1/);
    const riemann = satelliteSync("collector", "--once", "--riemann", "nohostport");
    assert.equal(riemann.code, 1);
    assert.match(riemann.stderr, /collector\.riemann\[0\] must be host:port, got "nohostport"/);
  });

  it("--once --http ships to a real API server with the bearer token", async () => {
    const rec = recordingEngine();
    const api = await startApiServer({ engine: rec.engine, port: 0, token: "t0ken" });
    try {
      const r = await satellite("collector", "--once", "--host", "http-host", "--http", `http://127.0.0.1:${api.port}`, "--token", "t0ken", "--buffer-dir", path.join(dir, "http-buffer"));
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(rec.engine.index.lookup("http-host", "heartbeat")?.ttl, 30);
      assert.equal(rec.engine.index.lookup("http-host", "free memory in MB")?.tags?.includes("check"), true);
      assert.ok(rec.engine.index.servicesOf("http-host").length > 20);
    } finally {
      await api.close();
    }
  });

  it("--once keeps what it cannot send in the buffer directory (exit 1); the next run sends it first", async () => {
    const buffer = path.join(dir, "riemann-buffer");
    const port = await closedPort();
    const down = await satellite("collector", "--once", "--host", "buffered-host", "--no-default-checks", "--riemann", `127.0.0.1:${port}`, "--buffer-dir", buffer);
    assert.equal(down.code, 1, down.stdout + down.stderr);
    assert.match(down.stdout, /events could not be sent now; they wait in/);
    assert.deepEqual(readdirSync(buffer), [`riemann_127.0.0.1_${port}`]);
    assert.ok(readdirSync(path.join(buffer, `riemann_127.0.0.1_${port}`)).some((f) => f.startsWith("segment-")));

    const rec = recordingEngine();
    const riemann = await startRiemannServer({ engine: rec.engine, port, udp: false });
    try {
      const up = await satellite("collector", "--once", "--host", "buffered-host", "--no-default-checks", "--riemann", `127.0.0.1:${port}`, "--buffer-dir", buffer);
      assert.equal(up.code, 0, up.stdout + up.stderr);
      const beats = rec.seen.filter((e) => e.host === "buffered-host" && e.service === "heartbeat");
      assert.equal(beats.length, 2, "the first run's heartbeat (from the buffer) and the second's");
      assert.ok(beats[0]!.time < beats[1]!.time, "oldest first");
      assert.deepEqual(readdirSync(path.join(buffer, `riemann_127.0.0.1_${port}`)), [], "the buffer is empty again");
    } finally {
      await riemann.close();
    }
  });

  it("runs until SIGTERM, then stops cleanly (exit 0)", async () => {
    const child = spawn(process.execPath, [BIN, "collector", "--dry-run", "--interval", "1", "--no-default-checks"], { cwd: ROOT });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
    const lines = createInterface({ input: child.stdout });
    const firstBeat = new Promise<void>((resolve) =>
      lines.on("line", (line) => {
        if ((JSON.parse(line) as Event).service === "heartbeat") resolve();
      }),
    );
    await withTimeout(firstBeat, 30_000, "the first heartbeat");
    child.kill("SIGTERM");
    assert.equal(await withTimeout(closed, 30_000, "the collector to exit"), 0, stderr);
    assert.match(stderr, /SIGTERM: stopping/);
  });
});
