/**
 * The contract between the collector and the built-in rules: the service
 * names, tags and attributes the rules in this directory look for, and what
 * the collector puts in each event. The collector emits exactly these; a
 * rules file imports them instead of spelling names out. Names follow
 * Metricbeat's `system` module where it has the value (so a forwarded event
 * lands on the field stock Kibana views read), and Satellite's plain words
 * where it has none (heartbeat, task events). Fractions are 0..1, like
 * Metricbeat's `*.pct` fields. Rule tests cannot import this file (they may
 * import only "satellite"); they spell the names out, which pins them.
 */
import type { Event } from "satellite";

/**
 * "I am alive": one event per host every `HEARTBEAT_INTERVAL_SECONDS`, state
 * "ok", ttl `HEARTBEAT_TTL_SECONDS`, metric = seconds since the collector
 * started. Its expiry (no heartbeat for a ttl) is how the rules learn that a
 * host went silent. It also paces the built-in windows: a host's heartbeats
 * move its task window forward when no task events arrive.
 *
 * @example
 * { host: "web1", service: HEARTBEAT, state: "ok", metric: 3600, ttl: HEARTBEAT_TTL_SECONDS }
 */
export const HEARTBEAT = "heartbeat";

/**
 * How often the collector sends `HEARTBEAT`, in seconds.
 *
 * @example
 * setInterval(sendHeartbeat, HEARTBEAT_INTERVAL_SECONDS * 1000);
 */
export const HEARTBEAT_INTERVAL_SECONDS = 10;

/**
 * The ttl of a `HEARTBEAT` event, in seconds: three missed beats make a host silent.
 *
 * @example
 * { host: "web1", service: HEARTBEAT, state: "ok", ttl: HEARTBEAT_TTL_SECONDS }
 */
export const HEARTBEAT_TTL_SECONDS = 30;

/**
 * Tag on every result of a command check (Satellite's "comets"). The event's
 * service is the check's configured name (any name, e.g. "disk writable"),
 * its state "ok" (exit 0), "warning" (exit 1) or "critical" (any other exit,
 * a timeout, a crash: the collector then says why in `description`), its
 * metric the exit code and its ttl three check periods by default (the collector's `ttlPeriods`; Satellite's
 * recipes used five). A check result is never tagged anything that would make it look
 * like a different check.
 *
 * @example
 * { host: "web1", service: "disk writable", state: "critical", metric: 2, tags: [CHECK_TAG], ttl: 300, description: "timed out after 10 s" }
 */
export const CHECK_TAG = "check";

/**
 * Swap in use, as a fraction of the swap space (0..1; 0 on a host without
 * swap), sent with the memory probe. Metricbeat's `system.memory.swap.used.pct`.
 * Used by no built-in rule (swap in use is not swapping: idle pages can sit
 * in swap for days); kept here because the collector emits it and rules
 * often want it.
 *
 * @example
 * { host: "web1", service: SWAP_USED_PCT, metric: 0.42, ttl: 30 }
 */
export const SWAP_USED_PCT = "system.memory.swap.used.pct";

/**
 * Pages swapped in plus pages swapped out per second over the last probe
 * interval (the change of `pswpin + pswpout` in /proc/vmstat divided by the
 * seconds between two reads). Attributes `in` and `out` carry the two
 * rates separately (as strings, attributes are strings). The counters
 * themselves are Metricbeat's `system.memory.swap.in.pages` and
 * `system.memory.swap.out.pages`; Metricbeat has no rate, hence the suffix.
 * Sent every probe interval with a ttl of three intervals; a host without
 * swap sends 0.
 *
 * @example
 * { host: "web1", service: SWAP_PAGES_PER_SECOND, metric: 420, attributes: { in: "300", out: "120" }, ttl: 30 }
 */
export const SWAP_PAGES_PER_SECOND = "system.memory.swap.pages_per_sec";

/**
 * Prefix of the filesystem-use services: one service per mounted filesystem,
 * `"system.filesystem.used.pct <mount point>"` (Metricbeat's
 * `system.filesystem.used.pct`; the mount point is in the name because a
 * host's index holds one event per service). The metric is the used
 * fraction of the space available to unprivileged users (0..1, as `df`
 * computes "Use%"); attribute `mount_point` repeats the mount point
 * (Metricbeat's `system.filesystem.mount_point`). Pseudo and read-only
 * filesystems are not reported.
 *
 * @example
 * { host: "web1", service: filesystemUsedService("/var"), metric: 0.93, attributes: { mount_point: "/var" }, ttl: 180 }
 */
export const FILESYSTEM_USED_PCT = "system.filesystem.used.pct";

/** Matches every per-mount filesystem service (`FILESYSTEM_USED_PCT` + " " + mount point). */
export const FILESYSTEM_SERVICES = /^system\.filesystem\.used\.pct /;

/**
 * The attribute that carries a filesystem's mount point.
 *
 * @example
 * e.attributes?.[MOUNT_POINT_ATTRIBUTE]; // "/var"
 */
export const MOUNT_POINT_ATTRIBUTE = "mount_point";

/**
 * The service name of the filesystem-use event for `mountPoint`.
 *
 * @example
 * filesystemUsedService("/var"); // "system.filesystem.used.pct /var"
 */
export function filesystemUsedService(mountPoint: string): string {
  return `${FILESYSTEM_USED_PCT} ${mountPoint}`;
}

/**
 * The mount point of a filesystem-use event (from its service name), or
 * undefined when `e` is not one.
 *
 * @example
 * mountPointOf({ host: "web1", service: "system.filesystem.used.pct /var", time: 0 }); // "/var"
 */
export function mountPointOf(e: Event): string | undefined {
  return e.service.startsWith(FILESYSTEM_USED_PCT + " ") ? e.service.slice(FILESYSTEM_USED_PCT.length + 1) : undefined;
}

/**
 * A task placed on this host was launched. One event per task, at launch:
 * host = the host running it, attribute `task_id`, state "ok", ttl 600.
 * Every launched task sends exactly one `TASK_STARTED` and, when it ends,
 * one of `TASK_FINISHED` (exit 0) or `TASK_FAILED`. (Satellite's
 * `total-tasks-*` recipes sent cumulative counters; one event per task needs
 * no counter-reset handling and counts exactly in a time window.)
 *
 * @example
 * { host: "web1", service: TASK_STARTED, state: "ok", attributes: { task_id: "3f2a" }, ttl: 600 }
 */
export const TASK_STARTED = "task started";

/**
 * A task on this host ended with exit code 0. Same shape as `TASK_STARTED`, metric = run time in seconds.
 *
 * @example
 * { host: "web1", service: TASK_FINISHED, state: "ok", metric: 42, attributes: { task_id: "3f2a" }, ttl: 600 }
 */
export const TASK_FINISHED = "task finished";

/**
 * A task on this host ended badly: a non-zero exit, killed, lost, or it could
 * not be launched. Same shape as `TASK_STARTED`, state "critical", the reason
 * in `description`, metric = the exit code when there is one.
 *
 * @example
 * { host: "web1", service: TASK_FAILED, state: "critical", metric: 127, description: "exit 127: command not found", attributes: { task_id: "3f2a" }, ttl: 600 }
 */
export const TASK_FAILED = "task failed";

/**
 * The attribute that carries a task's id on task events.
 *
 * @example
 * e.attributes?.[TASK_ID_ATTRIBUTE]; // "3f2a"
 */
export const TASK_ID_ATTRIBUTE = "task_id";
