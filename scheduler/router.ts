/**
 * The scheduler's HTTP resources, an express 5 Router the app mounts at
 * `/api/v1`: jobs (submit, list, show, kill), hosts, the queue, and the
 * agents' heartbeat. Writes (POST, DELETE) are behind api/auth.ts's bearer
 * token when one is configured, the agents' heartbeats included. Errors are
 * JSON `{error}` naming the field at fault.
 */
import express, { type Router } from "express";
import type { JobState } from "./model.ts";
import { isValidHostName, parseHeartbeat } from "./protocol.ts";
import type { Scheduler } from "./scheduler.ts";

/** Settings of `schedulerRouter`. */
export interface SchedulerRouterOptions {
  readonly scheduler: Scheduler;
  /** Largest request body, bytes. Default 5,000,000 (a heartbeat of a busy host carries output tails). */
  readonly bodyLimitBytes?: number;
}

const JOB_STATES: ReadonlySet<string> = new Set<JobState>(["waiting", "running", "completed"]);
const JSON_TYPES = ["application/json", "application/*+json"];

/**
 * The router; mount it at `/api/v1`.
 *
 * - `POST /jobs` body: a job spec (model.ts `parseJobSpec`). 201 `{job}`
 *   created; 200 `{job}` when that uuid already holds the same spec; 400
 *   `{error}` naming the field; 409 `{error, job}` when the uuid holds
 *   another spec.
 * - `GET /jobs?user=&state=&limit=` → `{jobs}` newest first (limit 1-1000, default 100).
 * - `GET /jobs/:uuid` → the job with its `tasks`; 404.
 * - `DELETE /jobs/:uuid` → 204 (killed, or already completed); 404.
 * - `GET /hosts` → `{hosts}` with state, capacity, use, schedulable, reasons.
 * - `GET /queue` → `{jobs, users}`: waiting jobs in DRF order, per-user dominant share.
 * - `POST /agents/:host/heartbeat` → `{launch, kill}` (protocol.ts); 400 on a bad body or host.
 *
 * @example
 * createApiServer({ engine, mounts: [{ path: "/api/v1", handler: schedulerRouter({ scheduler }) }] });
 */
export function schedulerRouter(options: SchedulerRouterOptions): Router {
  const scheduler = options.scheduler;
  const router = express.Router();
  const json = express.json({ limit: options.bodyLimitBytes ?? 5_000_000, type: JSON_TYPES, strict: false });

  router.post("/jobs", json, function submitJob(req, res) {
    if (req.body === undefined) {
      res.status(400).json({ error: "the body must be a JSON job spec (content-type: application/json)" });
      return;
    }
    const result = scheduler.submit(req.body);
    switch (result.status) {
      case "created":
        res.status(201).json({ job: result.job });
        return;
      case "existing":
        res.status(200).json({ job: result.job });
        return;
      case "conflict":
        res.status(409).json({ error: result.error, job: result.job });
        return;
      case "invalid":
        res.status(400).json({ error: result.error });
        return;
    }
  });

  router.get("/jobs", function listJobs(req, res) {
    // An empty parameter (`?user=&state=`) means no filter.
    const given = (v: unknown): unknown => (v === "" ? undefined : v);
    const user = given(req.query.user);
    const state = given(req.query.state);
    const limit = given(req.query.limit);
    if (user !== undefined && typeof user !== "string") {
      res.status(400).json({ error: "user must be given once" });
      return;
    }
    if (state !== undefined && (typeof state !== "string" || !JOB_STATES.has(state))) {
      res.status(400).json({ error: `state must be one of ${[...JOB_STATES].join(", ")}, got ${JSON.stringify(state)}` });
      return;
    }
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) {
      res.status(400).json({ error: `limit must be an integer from 1 to 1000, got ${JSON.stringify(limit)}` });
      return;
    }
    res.json({ jobs: scheduler.jobs({ user, state: state as JobState | undefined, limit: n }) });
  });

  router.get("/jobs/:uuid", function showJob(req, res) {
    const job = scheduler.job(req.params.uuid);
    if (job === undefined) {
      res.status(404).json({ error: `no job ${req.params.uuid}` });
      return;
    }
    res.json({ job });
  });

  router.delete("/jobs/:uuid", function killJob(req, res) {
    const outcome = scheduler.kill(req.params.uuid);
    if (outcome === "unknown") {
      res.status(404).json({ error: `no job ${req.params.uuid}` });
      return;
    }
    res.status(204).end();
  });

  router.get("/hosts", function listHosts(_req, res) {
    res.json({ hosts: scheduler.hosts() });
  });

  router.get("/queue", function showQueue(_req, res) {
    res.json(scheduler.queue());
  });

  router.post("/agents/:host/heartbeat", json, function agentHeartbeat(req, res) {
    const host = req.params.host;
    if (!isValidHostName(host)) {
      res.status(400).json({ error: `host must be a host name, got ${JSON.stringify(host)}` });
      return;
    }
    const parsed = parseHeartbeat(req.body);
    if (!parsed.ok) {
      res.status(400).json({ error: parsed.error });
      return;
    }
    res.json(scheduler.heartbeat(host, parsed.request));
  });

  return router;
}
