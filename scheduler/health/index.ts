/**
 * Host health's public face: the whitelist model with its actions and
 * guards (`HostHealth`, the scheduler's `HostHealthView` and the sink of
 * rules' host intents), Satellite's whitelist REST endpoints
 * (`whitelistRouter`), the Mesos whitelist file export, and the settings.
 */
export { HostHealth, GUARD_KEY, GUARD_RULE, type GuardState, type HealthLog, type HealthLogLevel, type HeldAction, type HostHealthDeps, type ManualInput, type WhitelistFilter } from "./host-health.ts";
export { whitelistRouter, OPERATOR_HEADER, type WhitelistBackend, type WhitelistRouterOptions } from "./router.ts";
export { MesosWhitelistExport, writeFileAtomic, type MesosExportDeps, type SyncResult } from "./mesos-export.ts";
export { HOST_HEALTH_DEFAULTS, MESOS_EXPORT_DEFAULTS, resolveHostHealthOptions, resolveMesosExportOptions, type HostHealthOptions, type MesosExportOptions } from "./options.ts";
export { parseDuration } from "./duration.ts";
export { checkRemoval, guardPageSummary, outCap, type GuardInput, type GuardLimits, type GuardName, type GuardVerdict } from "./guard.ts";
export type { AuditEntry } from "./store.ts";
export { hostNameProblem } from "./model.ts";
export type { Flag, ManagedEventView, ManualEventView, ObjectionKind, ObjectionStatus, WhitelistData } from "./model.ts";
