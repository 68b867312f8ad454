/**
 * Wiring of the scheduler for a process: host health (the whitelist model,
 * guards, drain and blacklist) and the scheduler core on the embedded
 * store, each reading the other (health reads the scheduler's inventory of
 * registered hosts, the scheduler reads health), their HTTP routers (jobs,
 * hosts, queue, agent heartbeats under /api/v1; Satellite's /whitelist
 * endpoints at the root), and their self-metrics.
 */
import type { ApiMount } from "../../api/server.ts";
import type { SelfMetric } from "../../dashboards/metrics/index.ts";
import type { IntentSink } from "../../rules/intents.ts";
import { HostHealth, MesosWhitelistExport, resolveHostHealthOptions, resolveMesosExportOptions, whitelistRouter, type AuditEntry } from "../../scheduler/health/index.ts";
import { Scheduler, schedulerRouter, type HostInventory } from "../../scheduler/index.ts";
import type { Db } from "../../store/database.ts";
import type { Clock } from "../../streams/clock.ts";

/** What `startScheduler` needs. */
export interface SchedulerPartOptions {
  readonly db: Db;
  readonly clock: Clock;
  /** The `scheduler` section of the config. */
  readonly scheduler: unknown;
  /** The `health` section of the config. */
  readonly health: unknown;
  /** The `mesosWhitelist` section of the config: empty = no export. */
  readonly mesosWhitelist?: Readonly<Record<string, unknown>> | undefined;
  /** Where the guard's "remediation guard engaged" page goes (alerting). */
  readonly pages: IntentSink;
  readonly log: (line: string) => void;
  /** Called with each host health audit entry once committed (e.g. the Elasticsearch part's `onHealthAudit`). */
  readonly onAudit?: ((entry: AuditEntry) => void) | undefined;
}

/** The scheduler as a running part. */
export interface SchedulerPart {
  readonly scheduler: Scheduler;
  readonly health: HostHealth;
  /** Where the rules' drain, blacklist and restore intents go. */
  readonly sink: IntentSink;
  readonly mounts: readonly ApiMount[];
  readonly metrics: readonly SelfMetric[];
  /** Subscribes to host-state changes; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
  close(): void;
}

/**
 * Builds host health and the scheduler, and starts the scheduler's passes.
 *
 * @example
 * const part = startScheduler({ db, clock, scheduler: {}, health: {}, pages: alerting.sink, log: console.log });
 */
export function startScheduler(options: SchedulerPartOptions): SchedulerPart {
  // Health reads the scheduler's inventory (never while being built); the scheduler is built after health.
  const late: { scheduler?: Scheduler } = {};
  const inventory: HostInventory = {
    registeredHosts: () => late.scheduler?.registeredHosts() ?? [],
    isRegistered: (host) => late.scheduler?.isRegistered(host) ?? false,
  };
  const health = new HostHealth({
    db: options.db,
    clock: options.clock,
    inventory,
    sink: options.pages,
    // Validated here so an error names the config file's field ("health.x"), not the part's default path.
    options: resolveHostHealthOptions(options.health, "health"),
    log: (level, message, fields) => options.log(`host health ${level}: ${message}${fields === undefined ? "" : ` ${JSON.stringify(fields)}`}`),
    onAudit: options.onAudit,
  });
  const s = Scheduler.open({ db: options.db, clock: options.clock, health, options: options.scheduler, onError: (err) => options.log(`scheduler error: ${String(err)}`) });
  late.scheduler = s;
  s.start();
  const mesos =
    options.mesosWhitelist === undefined || Object.keys(options.mesosWhitelist).length === 0
      ? undefined
      : new MesosWhitelistExport({
          health,
          inventory,
          clock: options.clock,
          options: resolveMesosExportOptions(options.mesosWhitelist, "mesosWhitelist"),
          onSkip: (reason) => health.recordNote("mesos-export-kept", reason),
        });
  mesos?.start();
  const metrics: SelfMetric[] = [
    { name: "satellite_scheduler_pending_jobs", help: "Jobs waiting for a host.", type: "gauge", read: () => s.queue().jobs.length },
    { name: "satellite_scheduler_hosts", help: "Hosts the scheduler knows, by whether new tasks may go there.", type: "gauge", labelNames: ["schedulable"], read: () => hostCounts(s) },
    { name: "satellite_scheduler_running_tasks", help: "Live tasks (launched or running).", type: "gauge", read: () => s.hosts().reduce((n, h) => n + h.tasks, 0) },
  ];
  return {
    scheduler: s,
    health,
    sink: (intent) => {
      if (intent.kind === "drain" || intent.kind === "blacklist" || intent.kind === "restore") health.handle(intent);
    },
    mounts: [
      { path: "/api/v1", handler: schedulerRouter({ scheduler: s }) },
      { path: "/", handler: whitelistRouter(health) },
    ],
    metrics,
    onChange: (listener) => health.onChange(() => listener()),
    close: () => {
      mesos?.close();
      s.stop();
      health.close();
    },
  };
}

function hostCounts(s: Scheduler): [Record<string, string>, number][] {
  let yes = 0;
  let no = 0;
  for (const h of s.hosts()) if (h.schedulable) yes++;
  else no++;
  return [
    [{ schedulable: "true" }, yes],
    [{ schedulable: "false" }, no],
  ];
}
