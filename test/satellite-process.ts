/**
 * A `satellite <command>` child process for the integration tests that run
 * several of them against one Kafka (scale-out, control): it keeps
 * everything the process printed, waits on that output with a deadline,
 * and stops or kills it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { until } from "./until.ts";

const BIN = fileURLToPath(new URL("../bin/satellite.js", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * One `satellite` child process, run from the repository's root.
 *
 * @example
 * const engine = new SatelliteProcess("engine-a", ["engine", "--kafka", brokers]);
 * await engine.until("ready line", (o) => /ready/.test(o), 60_000);
 * engine.kill("SIGTERM");
 */
export class SatelliteProcess {
  readonly child: ChildProcessWithoutNullStreams;
  output = "";

  constructor(
    readonly name: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = {},
  ) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    this.child.stdout.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** Resolves once `test(output)` is true; rejects after `ms`, or when the process exits first, with the output so far. */
  async until(what: string, test: (output: string) => boolean, ms: number): Promise<void> {
    await until(
      what,
      () => {
        if (test(this.output)) return true;
        if (this.child.exitCode !== null) throw new Error(`${this.name} exited (${this.child.exitCode}) while waiting for ${what}:\n${this.output}`);
        return false;
      },
      ms,
      () => `from ${this.name}; output:\n${this.output}`,
    );
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** Sends SIGTERM and resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = once(this.child, "exit") as Promise<[number | null]>;
    this.kill("SIGTERM");
    const [code] = await exited;
    return code;
  }
}
