/**
 * Tests of running check commands, with real child processes: exit codes
 * and output, a command that does not exist, a command killed by a signal,
 * the output bound, and an abort that kills the whole process group (the
 * shell and the `sleep` it started).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, watch } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { runCommand } from "./command.ts";

/** Pids of live (not zombie) `sleep` processes whose arguments contain `marker`. */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (cmdline.startsWith("sleep\0") && cmdline.includes(marker) && stat.charAt(stat.lastIndexOf(")") + 2) !== "Z") found.push(Number(pid));
    } catch {
      // gone
    }
  }
  return found;
}

/** Resolves once `file` exists in `dir` (fs.watch, no polling). */
function created(dir: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(dir, () => {
      if (readdirSync(dir).includes(file)) {
        watcher.close();
        clearTimeout(timer);
        resolve();
      }
    });
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`${file} was not created within 10 s`));
    }, 10_000);
    if (readdirSync(dir).includes(file)) {
      watcher.close();
      clearTimeout(timer);
      resolve();
    }
  });
}

describe("runCommand", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "satellite-command-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reports the exit code, stdout and stderr", async () => {
    const r = await runCommand({ command: "sh", args: ["-c", "echo out; echo err >&2; exit 3"] });
    assert.equal(r.exitCode, 3);
    assert.equal(r.signal, null);
    assert.equal(r.stdout, "out\n");
    assert.equal(r.stderr, "err\n");
    assert.equal(r.error, undefined);
    assert.equal(r.aborted, false);
  });

  it("passes env and cwd", async () => {
    const r = await runCommand({ command: "sh", args: ["-c", 'echo "$SATELLITE_X $(pwd)"'], env: { SATELLITE_X: "hello" }, cwd: dir });
    assert.equal(r.stdout.trim(), `hello ${dir}`);
  });

  it("reports a command that does not exist as an error, without an exit code", async () => {
    const r = await runCommand({ command: "satellite-no-such-command-xyz" });
    assert.equal(r.exitCode, null);
    assert.match(r.error ?? "", /ENOENT/);
  });

  it("reports a command killed by a signal", async () => {
    const r = await runCommand({ command: "sh", args: ["-c", "kill -SEGV $$"] });
    assert.equal(r.exitCode, null);
    assert.equal(r.signal, "SIGSEGV");
    assert.equal(r.aborted, false);
  });

  it("keeps at most maxOutputBytes of stdout and says it cut it", async () => {
    const r = await runCommand({ command: "sh", args: ["-c", "head -c 100000 /dev/zero | tr '\\0' x"], maxOutputBytes: 1000 });
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout.length, 1000);
    assert.equal(r.stdoutTruncated, true);
  });

  it("on abort kills the whole process group, children included", async () => {
    const marker = `30.${process.pid}${Date.now() % 1000}`; // a sleep of about 30 s, unique to this run
    const ac = new AbortController();
    const started = created(dir, "started");
    const running = runCommand({ command: "sh", args: ["-c", `sleep ${marker} & touch ${path.join(dir, "started")}; wait`], signal: ac.signal });
    let r;
    try {
      await started;
      assert.equal(processesWith(marker).length, 1, "the shell's child sleep is running");
    } finally {
      ac.abort();
      r = await running;
    }
    assert.equal(r.aborted, true);
    assert.equal(r.signal, "SIGKILL");
    assert.deepEqual(processesWith(marker), [], "the sleep died with the shell");
  });

  it("does not start when already aborted", async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await runCommand({ command: "sleep", args: ["5"], signal: ac.signal });
    assert.equal(r.aborted, true);
    assert.equal(r.exitCode, null);
  });
});
