/**
 * Settings of host health (the whitelist, its actions and guards) and of the
 * optional Mesos whitelist file export: every default in one frozen object
 * each, and `resolveHostHealthOptions` / `resolveMesosExportOptions`, which
 * validate raw configuration once and throw an Error naming the field.
 */

/** Settings of `HostHealth`. */
export interface HostHealthOptions {
  /** A drained host's running tasks get this long (seconds) before the scheduler kills and requeues them. Default 600 (10 min). */
  readonly drainDeadlineSeconds: number;
  /** Flap damping: a host that automation took out comes back only after this long (seconds) with no objection. 0 returns at once. Default 300 (5 min). */
  readonly returnDampingSeconds: number;
  /** Most of the registered hosts automation may have out at once, as a fraction (hosts already out by automation count). Default 0.1 (10 %). */
  readonly maxOutFraction: number;
  /** Most hosts automation may take out within `removalWindowSeconds` (sliding). Default 5. */
  readonly maxRemovalsPerWindow: number;
  /** The sliding window of `maxRemovalsPerWindow`, seconds. Default 600 (10 min). */
  readonly removalWindowSeconds: number;
  /** With fewer registered hosts than this, automation takes no host out (an empty or partial inventory never means "every host"). Default 3. */
  readonly minInventory: number;
  /** While actions are held, they are retried this often (seconds) besides whenever room frees. Default 60. */
  readonly heldRetrySeconds: number;
  /** TTL of a manual event posted without one, seconds. Default 604800 (7 days). */
  readonly manualDefaultTtlSeconds: number;
  /** Audit entries older than this many days are deleted. Default 365. */
  readonly auditRetentionDays: number;
}

/**
 * Defaults of `HostHealthOptions`, in one place.
 *
 * @example
 * HOST_HEALTH_DEFAULTS.maxOutFraction; // 0.1
 */
export const HOST_HEALTH_DEFAULTS: HostHealthOptions = Object.freeze({
  drainDeadlineSeconds: 600,
  returnDampingSeconds: 300,
  maxOutFraction: 0.1,
  maxRemovalsPerWindow: 5,
  removalWindowSeconds: 600,
  minInventory: 3,
  heldRetrySeconds: 60,
  manualDefaultTtlSeconds: 7 * 86_400,
  auditRetentionDays: 365,
});

/** Settings of `MesosWhitelistExport`. */
export interface MesosExportOptions {
  /** The whitelist file Mesos masters read (`--whitelist`), e.g. "/etc/mesos/whitelist". Required. */
  readonly path: string;
  /** The file is brought up to date at most this often, seconds (Satellite synced every 10 s). Default 10. */
  readonly syncSeconds: number;
  /** With fewer registered hosts than this the file is left as it is. Default 3. */
  readonly minInventory: number;
  /**
   * When the inventory is smaller than `(1 - maxInventoryDrop)` times the
   * number of hosts in the current file, the inventory is taken to be
   * partial and the file is left as it is. Default 0.5.
   */
  readonly maxInventoryDrop: number;
}

/**
 * Defaults of `MesosExportOptions` (all but the required `path`).
 *
 * @example
 * MESOS_EXPORT_DEFAULTS.syncSeconds; // 10
 */
export const MESOS_EXPORT_DEFAULTS: Omit<MesosExportOptions, "path"> = Object.freeze({
  syncSeconds: 10,
  minInventory: 3,
  maxInventoryDrop: 0.5,
});

function show(v: unknown): string {
  return typeof v === "string" ? `"${v}"` : (JSON.stringify(v) ?? String(v));
}

function isRecord(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === "object" && raw !== null && !Array.isArray(raw);
}

function positive(raw: unknown, path: string): number {
  if (typeof raw !== "number" || !Number.isFinite(raw) || raw <= 0) throw new Error(`${path} must be a positive number, got ${show(raw)}`);
  return raw;
}

function nonNegative(raw: unknown, path: string): number {
  if (typeof raw !== "number" || !Number.isFinite(raw) || raw < 0) throw new Error(`${path} must be a non-negative number, got ${show(raw)}`);
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

function fraction(raw: unknown, path: string): number {
  if (typeof raw !== "number" || !Number.isFinite(raw) || raw < 0 || raw > 1) throw new Error(`${path} must be a fraction from 0 to 1, got ${show(raw)}`);
  return raw;
}

function checkKeys(raw: Record<string, unknown>, known: readonly string[], path: string): void {
  for (const key of Object.keys(raw)) if (!known.includes(key)) throw new Error(`${path}.${key} is not a setting (known: ${known.join(", ")})`);
}

/**
 * Validates `raw` (undefined or a partial `HostHealthOptions`) and fills in
 * the defaults. Throws an Error whose message names the field, e.g.
 * `scheduler.health.maxOutFraction must be a fraction from 0 to 1, got 2`.
 *
 * @example
 * resolveHostHealthOptions({ maxOutFraction: 0.2 }).minInventory; // 3
 * resolveHostHealthOptions({ minInventry: 3 }); // throws "scheduler.health.minInventry is not a setting (known: ...)"
 */
export function resolveHostHealthOptions(raw: unknown, path = "scheduler.health"): HostHealthOptions {
  if (raw === undefined) return HOST_HEALTH_DEFAULTS;
  if (!isRecord(raw)) throw new Error(`${path} must be an object, got ${show(raw)}`);
  const d = HOST_HEALTH_DEFAULTS;
  checkKeys(raw, Object.keys(d), path);
  const pick = <T>(key: keyof HostHealthOptions, check: (v: unknown, p: string) => T, fallback: T): T => (raw[key] === undefined ? fallback : check(raw[key], `${path}.${key}`));
  return Object.freeze({
    drainDeadlineSeconds: pick("drainDeadlineSeconds", nonNegative, d.drainDeadlineSeconds),
    returnDampingSeconds: pick("returnDampingSeconds", nonNegative, d.returnDampingSeconds),
    maxOutFraction: pick("maxOutFraction", fraction, d.maxOutFraction),
    maxRemovalsPerWindow: pick("maxRemovalsPerWindow", nonNegativeInteger, d.maxRemovalsPerWindow),
    removalWindowSeconds: pick("removalWindowSeconds", positive, d.removalWindowSeconds),
    minInventory: pick("minInventory", positiveInteger, d.minInventory),
    heldRetrySeconds: pick("heldRetrySeconds", positive, d.heldRetrySeconds),
    manualDefaultTtlSeconds: pick("manualDefaultTtlSeconds", positive, d.manualDefaultTtlSeconds),
    auditRetentionDays: pick("auditRetentionDays", positive, d.auditRetentionDays),
  });
}

/**
 * Validates `raw` (a partial `MesosExportOptions` with `path` set) and fills
 * in the defaults; throws an Error naming the field.
 *
 * @example
 * resolveMesosExportOptions({ path: "/etc/mesos/whitelist" }).syncSeconds; // 10
 * resolveMesosExportOptions({}); // throws "scheduler.mesosWhitelist.path must be a file path, got undefined"
 */
export function resolveMesosExportOptions(raw: unknown, path = "scheduler.mesosWhitelist"): MesosExportOptions {
  if (!isRecord(raw)) throw new Error(`${path} must be an object {path, ...}, got ${show(raw)}`);
  const d = MESOS_EXPORT_DEFAULTS;
  checkKeys(raw, ["path", ...Object.keys(d)], path);
  if (typeof raw.path !== "string" || raw.path.length === 0) throw new Error(`${path}.path must be a file path, got ${show(raw.path)}`);
  const pick = <T>(key: keyof MesosExportOptions, check: (v: unknown, p: string) => T, fallback: T): T => (raw[key] === undefined ? fallback : check(raw[key], `${path}.${key}`));
  return Object.freeze({
    path: raw.path,
    syncSeconds: pick("syncSeconds", positive, d.syncSeconds),
    minInventory: pick("minInventory", positiveInteger, d.minInventory),
    maxInventoryDrop: pick("maxInventoryDrop", fraction, d.maxInventoryDrop),
  });
}
