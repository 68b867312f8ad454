/**
 * Process counts by state, from a scan of /proc/<pid>/stat (processes, not
 * threads, as `ps -e`), plus the kernel's running and I/O-blocked thread
 * counts from /proc/stat. Names follow Metricbeat's `process_summary`
 * metricset; Metricbeat has no count of processes in uninterruptible sleep
 * (D), which is what Satellite's `num-uninterruptable-processes` recipe
 * watched (a pile of D processes is a host stuck on a disk or NFS server),
 * so it is reported as `system.process.summary.blocked` (systeminformation's
 * name for it). `systeminformation.processes()` was not used: it runs `ps`
 * and then one `cat` per pid (~100 ms a call, measured).
 */
import { metricEvent, type ProbeContext, type Probe, type ProcProbeOptions } from "./probe.ts";
import { listDir, parseKeyValues, readHead, readText } from "./procfs.ts";
import type { Event } from "../../streams/event.ts";

/**
 * Bytes read of each /proc/<pid>/stat: enough for the pid, the command (up
 * to 64 bytes for a kernel worker's "kworker/0:1-events" name) and the
 * state letter; the numbers after it are not needed.
 */
const STAT_HEAD_BYTES = 256;

/** Counts of processes per state. */
export interface ProcessSummary {
  total: number;
  running: number;
  sleeping: number;
  blocked: number;
  idle: number;
  stopped: number;
  zombie: number;
  dead: number;
  unknown: number;
}

/**
 * The state letter of a /proc/<pid>/stat line: the character after the
 * command, which is in parentheses and may itself hold spaces and
 * parentheses (hence the last ")").
 *
 * @example
 * processState("42 (my (odd) name) D 1 42 42 0 -1"); // "D"
 */
export function processState(stat: string): string {
  const close = stat.lastIndexOf(")");
  return close < 0 ? "" : stat.charAt(close + 2);
}

/**
 * Adds one process in state `state` (a /proc state letter) to `summary`.
 *
 * @example
 * countState(summary, "D"); // summary.blocked + 1
 */
export function countState(summary: ProcessSummary, state: string): void {
  summary.total++;
  switch (state) {
    case "R": summary.running++; break;
    case "S": summary.sleeping++; break;
    case "D": summary.blocked++; break;
    case "I": summary.idle++; break;
    case "T": case "t": summary.stopped++; break;
    case "Z": summary.zombie++; break;
    case "X": case "x": summary.dead++; break;
    default: summary.unknown++;
  }
}

/** True when `name` is all digits (a /proc entry for a process). */
function isPid(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return name.length > 0;
}

/**
 * The process probe: `system.process.summary.{total,running,sleeping,idle,
 * stopped,zombie,dead,unknown}` (Metricbeat's), `system.process.summary.blocked`
 * (processes in D state), and `system.process.summary.threads.running` /
 * `.threads.blocked` (/proc/stat's procs_running and procs_blocked: threads
 * runnable, and threads waiting for I/O). A process that exits during the
 * scan is not counted.
 *
 * @example
 * await processesProbe({ procRoot: "/proc", ttl: 30 }).sample(ctx); // ..., { service: "system.process.summary.blocked", metric: 0 }
 */
export function processesProbe(options: ProcProbeOptions): Probe {
  const { procRoot, ttl } = options;
  return {
    name: "processes",
    async sample(ctx: ProbeContext): Promise<Event[]> {
      const [entries, statText] = await Promise.all([listDir(procRoot), readText(`${procRoot}/stat`)]);
      if (entries === undefined) return [];
      const summary: ProcessSummary = { total: 0, running: 0, sleeping: 0, blocked: 0, idle: 0, stopped: 0, zombie: 0, dead: 0, unknown: 0 };
      const reads: Promise<string | undefined>[] = [];
      for (const name of entries) if (isPid(name)) reads.push(readHead(`${procRoot}/${name}/stat`, STAT_HEAD_BYTES));
      for (const stat of await Promise.all(reads)) if (stat !== undefined) countState(summary, processState(stat));
      const s = (field: string, value: number): Event => metricEvent(ctx, `system.process.summary.${field}`, value, ttl);
      const events = [
        s("total", summary.total), s("running", summary.running), s("sleeping", summary.sleeping), s("blocked", summary.blocked),
        s("idle", summary.idle), s("stopped", summary.stopped), s("zombie", summary.zombie), s("dead", summary.dead), s("unknown", summary.unknown),
      ];
      const stat = statText === undefined ? undefined : parseKeyValues(statText);
      const running = stat?.get("procs_running");
      const blocked = stat?.get("procs_blocked");
      if (running !== undefined) events.push(s("threads.running", running));
      if (blocked !== undefined) events.push(s("threads.blocked", blocked));
      return events;
    },
  };
}
