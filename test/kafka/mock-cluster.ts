/**
 * librdkafka's mock Kafka cluster for tests and benchmarks: compiles the
 * launcher (mock-cluster.c) with gcc against Debian's librdkafka-dev into a
 * cache directory, starts it as a child process on 127.0.0.1, and sends it
 * fault-injection commands (broker down/up, latency, request errors). Tests
 * skip only when gcc or librdkafka's headers are missing (`mockClusterMissing`);
 * any other failure to build or start is an error.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const SOURCE = fileURLToPath(new URL("./mock-cluster.c", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What to install when the mock cluster cannot be built (Debian package names). */
export const INSTALL_HINT = "apt-get install -y --no-install-recommends librdkafka-dev gcc libc6-dev (.ci/run does this)";

/**
 * Why the mock cluster cannot be built on this machine (gcc or
 * librdkafka-dev absent), or undefined when it can. Synchronous, so a test
 * file can pass it to `describe(..., { skip })`.
 *
 * @example
 * describe("kafka", { skip: mockClusterMissing() }, () => { ... });
 */
export function mockClusterMissing(): string | undefined {
  const gcc = spawnSync("gcc", ["--version"], { encoding: "utf8" });
  if (gcc.error !== undefined || gcc.status !== 0) return `Kafka integration tests skipped: gcc not found; install it: ${INSTALL_HINT}`;
  const probe = spawnSync("gcc", ["-E", "-x", "c", "-"], { input: "#include <librdkafka/rdkafka.h>\n#include <librdkafka/rdkafka_mock.h>\n", encoding: "utf8" });
  if (probe.status !== 0) return `Kafka integration tests skipped: librdkafka's headers (rdkafka_mock.h) not found; install them: ${INSTALL_HINT}`;
  return undefined;
}

function cacheDir(): string {
  for (const dir of [path.join(ROOT, "node_modules", ".cache", "satellite"), path.join(os.tmpdir(), "satellite-cache")]) {
    try {
      mkdirSync(dir, { recursive: true });
      return dir;
    } catch {
      // not writable: try the next
    }
  }
  throw new Error("mock cluster: no writable cache directory (tried node_modules/.cache/satellite and the OS temp dir)");
}

/**
 * Compiles the launcher once per source version (older builds are removed)
 * and returns the binary's path. Throws with gcc's output if compiling fails.
 *
 * @example
 * const binary = buildLauncher(); // ".../node_modules/.cache/satellite/mock-cluster-1a2b3c4d5e6f"
 */
export function buildLauncher(): string {
  const source = readFileSync(SOURCE);
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 12);
  const binary = path.join(cacheDir(), `mock-cluster-${hash}`);
  if (existsSync(binary)) return binary;
  const temp = `${binary}.${process.pid}.tmp`;
  const r = spawnSync("gcc", ["-O2", "-Wall", "-o", temp, SOURCE, "-lrdkafka"], { encoding: "utf8" });
  if (r.error !== undefined || r.status !== 0) throw new Error(`mock cluster: gcc failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}`);
  renameSync(temp, binary); // atomic: concurrent test files never run a half-written binary
  for (const old of readdirSync(path.dirname(binary))) {
    if (/^mock-cluster-[0-9a-f]{12}$/.test(old) && path.join(path.dirname(binary), old) !== binary) rmSync(path.join(path.dirname(binary), old), { force: true });
  }
  return binary;
}

/** A topic the launcher creates at start. */
export interface MockTopic {
  readonly name: string;
  /** Default 6. */
  readonly partitions?: number;
  /** Default 3 (or the broker count if lower). */
  readonly replication?: number;
}

/** Settings of `startMockCluster`. */
export interface MockClusterOptions {
  /** Brokers, with ids 1..n. Default 3. */
  readonly brokers?: number;
  readonly topics?: readonly MockTopic[];
  /** How long to wait for the cluster to start and for each command's answer, in ms. Default 10,000. */
  readonly timeoutMs?: number;
}

/**
 * A running mock cluster. Every command resolves with the launcher's "ok"
 * line or rejects with its "error" line (or on timeout).
 *
 * @example
 * const cluster = await startMockCluster({ topics: [{ name: "satellite.events" }] });
 * const kafka = new Kafka({ brokers: [...cluster.bootstrap] });
 * await cluster.down(2);
 * await cluster.up(2);
 * await cluster.stop();
 */
export class MockCluster {
  /** Bootstrap servers, "127.0.0.1:PORT" each. */
  readonly bootstrap: readonly string[];
  private readonly pending: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  private stderr = "";
  private exited = false;
  private readonly exit: Promise<void>;

  /** @internal Use `startMockCluster`. */
  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    bootstrap: string,
    lines: AsyncIterator<string>,
    private readonly timeoutMs: number,
  ) {
    this.bootstrap = bootstrap.split(",");
    this.exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.once("exit", () => {
      this.exited = true;
      for (const p of this.pending.splice(0)) p.reject(new Error(`mock cluster exited: ${this.stderr.slice(-500)}`));
    });
    child.stderr.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    void (async () => {
      for (;;) {
        const next = await lines.next();
        if (next.done === true) return;
        const waiter = this.pending.shift();
        if (waiter === undefined) continue;
        if (next.value.startsWith("ok")) waiter.resolve(next.value);
        else waiter.reject(new Error(`mock cluster: ${next.value}`));
      }
    })();
  }

  /** Sends one command line (see mock-cluster.c) and waits for its answer. */
  command(line: string): Promise<string> {
    if (this.exited) return Promise.reject(new Error("mock cluster is not running"));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mock cluster: no answer to "${line}" within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.pending.push({
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.stdin.write(`${line}\n`);
    });
  }

  /** Broker `id` (1-based; -1 for all) drops its connections and refuses new ones. Leadership does not move. */
  down(id: number): Promise<string> {
    return this.command(`down ${id}`);
  }

  /** Broker `id` accepts connections again. */
  up(id: number): Promise<string> {
    return this.command(`up ${id}`);
  }

  /** Creates a topic (kafkajs' admin.createTopics is not supported by the mock). */
  createTopic(name: string, partitions = 6, replication = 3): Promise<string> {
    return this.command(`topic ${name} ${partitions} ${replication}`);
  }

  /** Delays broker `id`'s responses by `ms`. */
  rtt(id: number, ms: number): Promise<string> {
    return this.command(`rtt ${id} ${ms}`);
  }

  /** The next `errors.length` requests with this Kafka ApiKey fail with these error codes. */
  pushRequestErrors(apiKey: number, errors: readonly number[]): Promise<string> {
    return this.command(`errors ${apiKey} ${errors.join(" ")}`);
  }

  /**
   * Broker `id` answers its next requests with this Kafka ApiKey with the
   * given (error code, delay in ms) pairs; error 0 with a delay means handled
   * normally but answered late (so a client that times out retries a request
   * that was in fact carried out).
   */
  slowRequests(id: number, apiKey: number, replies: readonly (readonly [number, number])[]): Promise<string> {
    return this.command(`slow ${id} ${apiKey} ${replies.map(([err, ms]) => `${err} ${ms}`).join(" ")}`);
  }

  /** Makes broker `id` the coordinator of consumer group `group`. */
  setCoordinator(group: string, id: number): Promise<string> {
    return this.command(`coordinator ${group} ${id}`);
  }

  /** Stops the cluster; kills it if it does not exit within the timeout. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.stdin.end("quit\n");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exit, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.timeoutMs)))]);
    clearTimeout(timer);
    if (!this.exited) {
      this.child.kill("SIGKILL");
      await this.exit;
    }
  }
}

/**
 * Builds the launcher if needed and starts a cluster; resolves once it
 * printed its bootstrap servers (its topics exist by then).
 *
 * @example
 * const cluster = await startMockCluster({ brokers: 3, topics: [{ name: "satellite.events", partitions: 6 }] });
 */
export async function startMockCluster(options: MockClusterOptions = {}): Promise<MockCluster> {
  const binary = buildLauncher();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const args = ["-b", String(options.brokers ?? 3)];
  for (const t of options.topics ?? []) args.push("-t", `${t.name}:${t.partitions ?? 6}${t.replication === undefined ? "" : `:${t.replication}`}`);
  const child = spawn(binary, args, { stdio: ["pipe", "pipe", "pipe"] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const first = await new Promise<IteratorResult<string>>((resolve, reject) => {
    const fail = (err: Error): void => {
      cleanup();
      child.kill("SIGKILL");
      reject(err);
    };
    const onError = (err: Error): void => fail(err);
    const onExit = (code: number | null): void => fail(new Error(`mock cluster exited with ${code} before starting: ${stderr}`));
    const timer = setTimeout(() => fail(new Error(`mock cluster did not start within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off("error", onError);
      child.off("exit", onExit);
    };
    child.once("error", onError);
    child.once("exit", onExit);
    lines.next().then(
      (r) => {
        cleanup();
        resolve(r);
      },
      (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
    );
  });
  if (first.done === true || !/^[\d.]+:\d+(,[\d.]+:\d+)*$/.test(first.value)) {
    child.kill("SIGKILL");
    throw new Error(`mock cluster printed ${JSON.stringify(first.value)} instead of its bootstrap servers: ${stderr}`);
  }
  return new MockCluster(child, first.value, lines, timeoutMs);
}
