/**
 * Tests of `satellite jobs` as a user runs it: the real command in a child
 * process against a real API server (127.0.0.1, port 0, bearer token) with
 * a scheduler behind it.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { startApiServer, type ApiServer } from "../../api/server.ts";
import { schedulerRouter } from "../../scheduler/router.ts";
import { testScheduler, type TestScheduler } from "../../scheduler/test-support.ts";
import { commandLine, shellQuote } from "./jobs.ts";

const BIN = fileURLToPath(new URL("../../bin/satellite.js", import.meta.url));
const TOKEN = "cli-token";

function satellite(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : -1, stdout, stderr });
    });
  });
}

describe("satellite jobs", () => {
  let api: ApiServer;
  let t: TestScheduler;
  let url: string;
  const env = (): Record<string, string> => ({ SATELLITE_API_TOKEN: TOKEN });

  before(async () => {
    t = testScheduler();
    api = await startApiServer({ engine: { submitAll: () => ({ accepted: 0, rejected: [] }) }, port: 0, token: TOKEN, mounts: [{ path: "/api/v1", handler: schedulerRouter({ scheduler: t.scheduler }) }] });
    url = `http://127.0.0.1:${api.port}`;
  });
  after(async () => {
    await api.close();
    t.db.close();
  });

  it("submit, resubmit, ls, show and kill", async () => {
    const sub = await satellite(env(), "jobs", "submit", "--api", url, "--user", "alice", "--cpus", "1", "--mem", "512", "--priority", "70", "--uuid", "cli-1", "--env", "A=1", "--", "echo", "a b");
    assert.equal(sub.code, 0, sub.stderr);
    assert.equal(sub.stdout, "submitted cli-1\n");
    const job = t.scheduler.job("cli-1")!;
    assert.deepEqual([job.user, job.command, job.cpus, job.mem, job.priority, job.env], ["alice", "echo 'a b'", 1, 512, 70, { A: "1" }]);
    const again = await satellite(env(), "jobs", "submit", "--api", url, "--user", "alice", "--cpus", "1", "--mem", "512", "--priority", "70", "--uuid", "cli-1", "--env", "A=1", "--", "echo", "a b");
    assert.equal(again.stdout, "already submitted cli-1\n");
    const conflict = await satellite(env(), "jobs", "submit", "--api", url, "--user", "alice", "--cpus", "2", "--mem", "512", "--uuid", "cli-1", "--", "true");
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /409: job cli-1 exists with a different spec/);

    const list = await satellite(env(), "jobs", "ls", "--api", url, "--user", "alice");
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^UUID\s+USER\s+STATE/);
    assert.match(list.stdout, /cli-1\s+alice\s+waiting\s+70\s+1\s+512/);
    const shown = await satellite(env(), "jobs", "show", "--api", url, "cli-1");
    assert.equal((JSON.parse(shown.stdout) as { uuid: string }).uuid, "cli-1");

    const kill = await satellite(env(), "jobs", "kill", "--api", url, "cli-1");
    assert.equal(kill.code, 0, kill.stderr);
    assert.equal(kill.stdout, "killed cli-1\n");
    assert.equal(t.scheduler.job("cli-1")!.state, "completed");
    const missing = await satellite(env(), "jobs", "kill", "--api", url, "nope");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /404: no job nope/);
  });

  it("explains a refused token, a bad spec, and an unreachable API", async () => {
    const noToken = await satellite({ SATELLITE_API_TOKEN: "" }, "jobs", "kill", "--api", url, "x");
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /401: a bearer token is required/);
    const bad = await satellite(env(), "jobs", "submit", "--api", url, "--user", "alice", "--cpus", "0", "--mem", "1", "--", "true");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /400: cpus must be a positive number/);
    const notNumber = await satellite(env(), "jobs", "submit", "--api", url, "--cpus", "one", "--mem", "1", "--", "true");
    assert.match(notNumber.stderr, /--cpus must be a number, got "one"/);
    const down = await satellite(env(), "jobs", "ls", "--api", "http://127.0.0.1:1");
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach the API at http:\/\/127\.0\.0\.1:1/);
  });

  it("builds the command line: one word as shell, several quoted", () => {
    assert.equal(commandLine(["echo hi | wc -c"]), "echo hi | wc -c");
    assert.equal(commandLine(["printf", "%s\\n", "it's"]), "printf '%s\\n' 'it'\\''s'");
    assert.equal(shellQuote("plain-word_1.txt"), "plain-word_1.txt");
  });
});
