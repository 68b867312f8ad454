/**
 * One task as an operating-system process: `sh -c command` in its own
 * process group (so a kill reaches everything it started), with bounded
 * capture of stdout and stderr, and a kill that sends SIGTERM to the group,
 * then SIGKILL when the grace period (on the injected clock) runs out. When
 * the main process exits, whatever it left behind in its group is killed,
 * as a container would be torn down.
 */
import { spawn } from "node:child_process";
import type { Clock, Timer } from "../../streams/clock.ts";
import { TailBuffer } from "./tail.ts";

/** How to run one task. */
export interface TaskProcessOptions {
  readonly command: string;
  /** The complete environment of the process. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly clock: Clock;
  /** Seconds between SIGTERM and SIGKILL. */
  readonly killGraceSeconds: number;
  /** Bytes kept of each of stdout and stderr (the end). */
  readonly tailBytes: number;
  /** Called with every chunk of output as it arrives (optional; for live views and tests). */
  readonly onOutput?: (stream: "stdout" | "stderr", chunk: Buffer) => void;
}

/** How a task process ended. */
export interface TaskExit {
  /** Exit code when it exited; null when a signal ended it or it never started. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started. */
  readonly spawnError?: Error | undefined;
  /** True when `kill` was called before it ended. */
  readonly killed: boolean;
  readonly stdoutTail: string;
  readonly stderrTail: string;
}

/** A started task process. */
export interface TaskProcess {
  readonly pid: number | undefined;
  /** Resolves once the process ended and its output was read. Never rejects. */
  readonly exited: Promise<TaskExit>;
  /** SIGTERM to the process group now, SIGKILL after the grace period. Idempotent. */
  kill(): void;
}

/** After the main process exits, how long (clock seconds) to wait for its output pipes to close before giving up on them. */
const PIPE_DRAIN_SECONDS = 5;

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/**
 * Starts `sh -c command`. Spawn failures (no such directory, no memory)
 * resolve `exited` with `spawnError`; they never throw.
 *
 * @example
 * const p = startTaskProcess({ command: "echo hi", env: { PATH: "/usr/bin:/bin" }, cwd: "/tmp", clock, killGraceSeconds: 10, tailBytes: 65536 });
 * (await p.exited).stdoutTail; // "hi\n"
 */
export function startTaskProcess(options: TaskProcessOptions): TaskProcess {
  const stdout = new TailBuffer(options.tailBytes);
  const stderr = new TailBuffer(options.tailBytes);
  const child = spawn("/bin/sh", ["-c", options.command], { cwd: options.cwd, env: { ...options.env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let killed = false;
  let killTimer: Timer | undefined;
  let drainTimer: Timer | undefined;
  const exited = new Promise<TaskExit>((resolve) => {
    let done = false;
    let code: number | null = null;
    let sig: NodeJS.Signals | null = null;
    const finish = (spawnError?: Error): void => {
      if (done) return;
      done = true;
      killTimer?.cancel();
      drainTimer?.cancel();
      resolve({ exitCode: spawnError ? null : code, signal: sig, spawnError, killed, stdoutTail: stdout.text(), stderrTail: stderr.text() });
    };
    child.stdout.on("data", (chunk: Buffer) => {
      stdout.write(chunk);
      options.onOutput?.("stdout", chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr.write(chunk);
      options.onOutput?.("stderr", chunk);
    });
    child.once("error", (err) => {
      if (child.pid === undefined) finish(err);
    });
    child.once("exit", (c, s) => {
      code = c;
      sig = s;
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
      // Output still buffered in the pipes arrives before "close"; a descendant that escaped the group could hold them open.
      drainTimer = options.clock.setTimer(options.clock.now() + PIPE_DRAIN_SECONDS, () => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      });
    });
    child.once("close", () => finish());
  });
  return {
    pid: child.pid,
    exited,
    kill(): void {
      if (killed || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      killed = true;
      const pid = child.pid;
      signalGroup(pid, "SIGTERM");
      killTimer = options.clock.setTimer(options.clock.now() + options.killGraceSeconds, () => signalGroup(pid, "SIGKILL"));
    },
  };
}
