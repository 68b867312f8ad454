/**
 * The executor agent's settings as configuration carries them: every
 * default in `EXECUTOR_DEFAULTS`, and `resolveExecutorOptions`, which
 * validates raw configuration once and throws an Error naming the field.
 * The result spreads into `startExecutorAgent`'s options.
 */

/** Configurable settings of the executor agent. */
export interface ExecutorSettings {
  /** Seconds between heartbeats to the scheduler. Default 5. */
  readonly heartbeatSeconds: number;
  /** Seconds between SIGTERM and SIGKILL when a task is killed. Default 10. */
  readonly killGraceSeconds: number;
  /** Bytes kept of the end of each task's stdout and of its stderr. Default 65,536. */
  readonly tailBytes: number;
  /** Working directory of tasks that name none. Default the OS temp directory. */
  readonly workDir?: string | undefined;
  /** Capacity offered to tasks. Default the host's cpus and memory. */
  readonly capacity?: { readonly cpus: number; readonly mem: number } | undefined;
  /** Host attributes reported to the scheduler (rack, zone, ...). Default none. */
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * Defaults of the executor, in one place.
 *
 * @example
 * EXECUTOR_DEFAULTS.killGraceSeconds; // 10
 */
export const EXECUTOR_DEFAULTS = Object.freeze({ topic: "tasks" as const, heartbeatSeconds: 5, killGraceSeconds: 10, tailBytes: 65_536 });

const KNOWN = ["heartbeatSeconds", "killGraceSeconds", "tailBytes", "workDir", "capacity", "attributes"];

function show(v: unknown): string {
  return typeof v === "string" ? `"${v}"` : (JSON.stringify(v) ?? String(v));
}

function positive(raw: unknown, path: string): number {
  if (typeof raw !== "number" || !Number.isFinite(raw) || raw <= 0) throw new Error(`${path} must be a positive number, got ${show(raw)}`);
  return raw;
}

/**
 * Validates raw executor settings and fills in the defaults; throws an
 * Error naming the field (`collector.executor.tailBytes must be a positive
 * integer, got 0`).
 *
 * @example
 * const settings = resolveExecutorOptions({ killGraceSeconds: 30 });
 * startExecutorAgent({ host, scheduler, clock, publish, ...settings });
 */
export function resolveExecutorOptions(raw: unknown, path = "collector.executor"): ExecutorSettings {
  if (raw === undefined) raw = {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${path} must be an object, got ${show(raw)}`);
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) if (!KNOWN.includes(key)) throw new Error(`${path}.${key} is not a setting (known: ${KNOWN.join(", ")})`);
  const killGraceSeconds = r.killGraceSeconds ?? EXECUTOR_DEFAULTS.killGraceSeconds;
  if (typeof killGraceSeconds !== "number" || !Number.isFinite(killGraceSeconds) || killGraceSeconds < 0) throw new Error(`${path}.killGraceSeconds must be a non-negative number, got ${show(killGraceSeconds)}`);
  const tailBytes = r.tailBytes ?? EXECUTOR_DEFAULTS.tailBytes;
  if (typeof tailBytes !== "number" || !Number.isInteger(tailBytes) || tailBytes <= 0) throw new Error(`${path}.tailBytes must be a positive integer, got ${show(tailBytes)}`);
  if (r.workDir !== undefined && (typeof r.workDir !== "string" || !r.workDir.startsWith("/"))) throw new Error(`${path}.workDir must be an absolute path, got ${show(r.workDir)}`);
  let capacity: { cpus: number; mem: number } | undefined;
  if (r.capacity !== undefined) {
    const c = r.capacity as Record<string, unknown> | null;
    if (typeof c !== "object" || c === null) throw new Error(`${path}.capacity must be an object {cpus, mem}, got ${show(r.capacity)}`);
    capacity = { cpus: positive(c.cpus, `${path}.capacity.cpus`), mem: positive(c.mem, `${path}.capacity.mem`) };
  }
  const attributes: Record<string, string> = {};
  if (r.attributes !== undefined) {
    if (typeof r.attributes !== "object" || r.attributes === null || Array.isArray(r.attributes)) throw new Error(`${path}.attributes must be an object of strings, got ${show(r.attributes)}`);
    for (const [k, v] of Object.entries(r.attributes as Record<string, unknown>)) {
      if (typeof v !== "string") throw new Error(`${path}.attributes.${k} must be a string, got ${show(v)}`);
      attributes[k] = v;
    }
  }
  return Object.freeze({
    heartbeatSeconds: r.heartbeatSeconds === undefined ? EXECUTOR_DEFAULTS.heartbeatSeconds : positive(r.heartbeatSeconds, `${path}.heartbeatSeconds`),
    killGraceSeconds,
    tailBytes,
    workDir: r.workDir,
    capacity,
    attributes: Object.freeze(attributes),
  });
}
