/**
 * The scheduler's settings: every default in `SCHEDULER_DEFAULTS`, and
 * `resolveSchedulerOptions`, which validates raw configuration (from
 * `satellite.config.ts` or a test) once and throws an Error naming the
 * field for anything unknown or invalid.
 */

/** A user's share of the cluster: the divisor of DRF's dominant-share computation (Cook's per-user share). */
export interface Share {
  readonly cpus: number;
  /** MB. */
  readonly mem: number;
}

/** Settings of the scheduler core. */
export interface SchedulerOptions {
  /** An agent silent this long (seconds) makes its host lost; its tasks fail with "agent lost". Default 30. */
  readonly heartbeatTimeoutSeconds: number;
  /** A scheduling pass runs this often (seconds), and also right after each submit. Default 1. */
  readonly passIntervalSeconds: number;
  /** A task placed on a host but not reported running by its agent within this many seconds fails with "launch failure". Default 60. */
  readonly launchTimeoutSeconds: number;
  /** Host-caused ("mea culpa") failures a job may have before further ones count against its retries (Cook's mea-culpa-failure-limit). Default 10. */
  readonly meaCulpaLimit: number;
  /** Share of a user not listed in `shares`. Default 1 cpu, 1024 MB: a dominant share of 1 means "one cpu or one GB in use". */
  readonly defaultShare: Share;
  /** Per-user shares: a user with twice the share gets twice the resources before others are preferred. Default none. */
  readonly shares: Readonly<Record<string, Share>>;
  /** Most waiting jobs one pass tries to place (Cook's fenzo-max-jobs-considered). Default 1000. */
  readonly maxJobsConsidered: number;
}

/**
 * Defaults of `SchedulerOptions`, in one place.
 *
 * @example
 * SCHEDULER_DEFAULTS.heartbeatTimeoutSeconds; // 30
 */
export const SCHEDULER_DEFAULTS: SchedulerOptions = Object.freeze({
  heartbeatTimeoutSeconds: 30,
  passIntervalSeconds: 1,
  launchTimeoutSeconds: 60,
  meaCulpaLimit: 10,
  defaultShare: Object.freeze({ cpus: 1, mem: 1024 }),
  shares: Object.freeze({}),
  maxJobsConsidered: 1000,
});

function show(v: unknown): string {
  return typeof v === "string" ? `"${v}"` : JSON.stringify(v) ?? String(v);
}

function positive(raw: unknown, path: string): number {
  if (typeof raw !== "number" || !Number.isFinite(raw) || raw <= 0) throw new Error(`${path} must be a positive number, got ${show(raw)}`);
  return raw;
}

function nonNegativeInteger(raw: unknown, path: string): number {
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 0) throw new Error(`${path} must be a non-negative integer, got ${show(raw)}`);
  return raw;
}

function positiveInteger(raw: unknown, path: string): number {
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw <= 0) throw new Error(`${path} must be a positive integer, got ${show(raw)}`);
  return raw;
}

function isRecord(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === "object" && raw !== null && !Array.isArray(raw);
}

function share(raw: unknown, path: string): Share {
  if (!isRecord(raw)) throw new Error(`${path} must be an object {cpus, mem}, got ${show(raw)}`);
  for (const key of Object.keys(raw)) if (key !== "cpus" && key !== "mem") throw new Error(`${path}.${key} is not a setting (expected cpus, mem)`);
  return Object.freeze({ cpus: positive(raw.cpus, `${path}.cpus`), mem: positive(raw.mem, `${path}.mem`) });
}

/**
 * Validates `raw` (undefined or a partial `SchedulerOptions`) and fills in
 * the defaults. Throws an Error whose message names the field, e.g.
 * `scheduler.heartbeatTimeoutSeconds must be a positive number, got "x"`.
 *
 * @example
 * const options = resolveSchedulerOptions({ shares: { alice: { cpus: 4, mem: 4096 } } });
 * options.passIntervalSeconds; // 1
 */
export function resolveSchedulerOptions(raw: unknown, path = "scheduler"): SchedulerOptions {
  if (raw === undefined) return SCHEDULER_DEFAULTS;
  if (!isRecord(raw)) throw new Error(`${path} must be an object, got ${show(raw)}`);
  const known = new Set(Object.keys(SCHEDULER_DEFAULTS));
  for (const key of Object.keys(raw)) if (!known.has(key)) throw new Error(`${path}.${key} is not a setting (known: ${[...known].join(", ")})`);
  const d = SCHEDULER_DEFAULTS;
  const shares: Record<string, Share> = {};
  if (raw.shares !== undefined) {
    if (!isRecord(raw.shares)) throw new Error(`${path}.shares must be an object {user: {cpus, mem}}, got ${show(raw.shares)}`);
    for (const [user, s] of Object.entries(raw.shares)) shares[user] = share(s, `${path}.shares.${user}`);
  }
  return Object.freeze({
    heartbeatTimeoutSeconds: raw.heartbeatTimeoutSeconds === undefined ? d.heartbeatTimeoutSeconds : positive(raw.heartbeatTimeoutSeconds, `${path}.heartbeatTimeoutSeconds`),
    passIntervalSeconds: raw.passIntervalSeconds === undefined ? d.passIntervalSeconds : positive(raw.passIntervalSeconds, `${path}.passIntervalSeconds`),
    launchTimeoutSeconds: raw.launchTimeoutSeconds === undefined ? d.launchTimeoutSeconds : positive(raw.launchTimeoutSeconds, `${path}.launchTimeoutSeconds`),
    meaCulpaLimit: raw.meaCulpaLimit === undefined ? d.meaCulpaLimit : nonNegativeInteger(raw.meaCulpaLimit, `${path}.meaCulpaLimit`),
    defaultShare: raw.defaultShare === undefined ? d.defaultShare : share(raw.defaultShare, `${path}.defaultShare`),
    shares: Object.freeze(shares),
    maxJobsConsidered: raw.maxJobsConsidered === undefined ? d.maxJobsConsidered : positiveInteger(raw.maxJobsConsidered, `${path}.maxJobsConsidered`),
  });
}
