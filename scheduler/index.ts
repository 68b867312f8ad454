/**
 * The scheduler's public face: the core (`Scheduler`), its HTTP router, the
 * agent protocol and in-process client, DRF ranking and placement, the model
 * and settings, and the seam to host health (host-health.ts). Host health
 * itself lives in scheduler/health/.
 */
export { Scheduler, type SchedulerDeps, type SubmitResult, type JobDetail, type HostView, type QueueView, type QueueEntry, type UserShareView, type PassResult, type JobQuery } from "./scheduler.ts";
export { schedulerRouter, type SchedulerRouterOptions } from "./router.ts";
export { inProcessSchedulerClient, handleHeartbeat, type HeartbeatHandler } from "./agents.ts";
export { parseHeartbeat, isValidHostName, PROTOCOL_LIMITS, type SchedulerClient, type HeartbeatRequest, type HeartbeatResponse, type FinishedReport, type LaunchOrder } from "./protocol.ts";
export { rankByDrf, dominantShare, byPriorityThenAge, type DrfJob, type RankedJob, type Usage } from "./drf.ts";
export { placeJobs, type HostRoom, type Placement, type PlaceableJob, type PlaceOptions } from "./placement.ts";
export * from "./model.ts";
export { SCHEDULER_DEFAULTS, resolveSchedulerOptions, type SchedulerOptions, type Share } from "./options.ts";
export { ALWAYS_HEALTHY, type HostHealthView, type HostStatus, type HostInventory } from "./host-health.ts";
export { SchedulerStore, type JobFilter } from "./store.ts";
