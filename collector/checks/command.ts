/**
 * Runs one check command as a child process in its own process group and
 * collects what it said: exit code or signal, stdout (bounded), the tail of
 * stderr, or the reason it could not start. Aborting the signal (the
 * check's timeout, or the agent stopping) kills the whole group with
 * SIGKILL, so a shell's children die with it. Never rejects: every failure
 * is in the result, for output.ts to turn into a critical event.
 */
import { spawn } from "node:child_process";

/** What to run. */
export interface CommandSpec {
  readonly command: string;
  readonly args?: readonly string[];
  /** Added to the agent's environment. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly cwd?: string | undefined;
  /** Aborting kills the command's process group. */
  readonly signal?: AbortSignal;
  /** Stdout bytes kept (the first ones); default 1 MiB. */
  readonly maxOutputBytes?: number;
  /** Stderr bytes kept (the last ones); default 64 KiB. */
  readonly maxErrorBytes?: number;
}

/** How a command ended. */
export interface CommandResult {
  /** Exit code, or null when a signal ended it or it never started. */
  readonly exitCode: number | null;
  /** The signal that ended it, if one did. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** True when stdout was longer than `maxOutputBytes` and was cut. */
  readonly stdoutTruncated: boolean;
  /** The last `maxErrorBytes` of stderr. */
  readonly stderr: string;
  /** Why it could not be started (e.g. "spawn nosuch ENOENT"), if it could not. */
  readonly error?: string;
  /** True when the signal aborted it (it was killed). */
  readonly aborted: boolean;
}

/**
 * Runs `spec` and resolves when the command has exited and its output is
 * closed (or it failed to start). Never rejects.
 *
 * A command that leaves a background process holding its stdout open
 * counts as running until that closes too (or the abort kills the group).
 *
 * @example
 * const ac = new AbortController();
 * const r = await runCommand({ command: "df", args: ["-P", "/"], signal: ac.signal });
 * r.exitCode; // 0
 */
export function runCommand(spec: CommandSpec): Promise<CommandResult> {
  const maxOut = spec.maxOutputBytes ?? 1_048_576;
  const maxErr = spec.maxErrorBytes ?? 65_536;
  return new Promise<CommandResult>((resolve) => {
    if (spec.signal?.aborted === true) {
      resolve({ exitCode: null, signal: null, stdout: "", stdoutTruncated: false, stderr: "", error: "aborted before it started", aborted: true });
      return;
    }
    const out: Buffer[] = [];
    let outBytes = 0;
    let truncated = false;
    let err: Buffer = Buffer.alloc(0);
    let aborted = false;
    let settled = false;
    const child = spawn(spec.command, [...(spec.args ?? [])], {
      cwd: spec.cwd,
      env: spec.env === undefined ? process.env : { ...process.env, ...spec.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group, so a timeout kills everything it started
    });
    const killGroup = (): void => {
      aborted = true;
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL"); // no group (already gone): the child alone, if it is still there
      }
    };
    const onAbort = (): void => killGroup();
    spec.signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (result: Omit<CommandResult, "stdout" | "stdoutTruncated" | "stderr" | "aborted">): void => {
      if (settled) return;
      settled = true;
      spec.signal?.removeEventListener("abort", onAbort);
      resolve({ ...result, stdout: Buffer.concat(out).toString("utf8"), stdoutTruncated: truncated, stderr: err.toString("utf8"), aborted });
    };
    child.stdout.on("data", (chunk: Buffer) => {
      if (outBytes >= maxOut) {
        truncated = true;
        return;
      }
      const room = maxOut - outBytes;
      if (chunk.length > room) {
        truncated = true;
        chunk = chunk.subarray(0, room);
      }
      out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err = Buffer.concat([err, chunk]);
      if (err.length > maxErr) err = err.subarray(err.length - maxErr);
    });
    child.once("error", (e) => finish({ exitCode: null, signal: null, error: e.message }));
    child.once("close", (code, signal) => finish({ exitCode: code, signal }));
  });
}
