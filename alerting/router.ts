/**
 * The alerting HTTP API, an express 5 Router the lead mounts under
 * `/api/v1`: alerts with their history, silences and maintenance windows.
 * Reads are open; writes (POST, DELETE) go through the app's bearer-token
 * guard. Bad input is a 400 `{error, field}` naming the field; an unknown id
 * is a 404 `{error}`. docs/alerting.md documents every JSON shape.
 */
import express, { type ErrorRequestHandler, type Request, type Router } from "express";
import type { Alerting, AlertState } from "./alerting.ts";
import { AlertingInputError, describeValue } from "./errors.ts";
import { parseSince } from "./input.ts";

/** Settings of `alertsRouter`. */
export interface AlertsRouterOptions {
  /** Largest request body, bytes. Default 1 MB. */
  readonly bodyLimitBytes?: number;
}

const JSON_TYPES = ["application/json", "application/*+json"];

function one(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new AlertingInputError(name, "must be given once, as a plain value");
  return v;
}

function list<T extends string>(req: Request, name: string, allowed: readonly T[]): T[] | undefined {
  const raw = one(req, name);
  if (raw === undefined || raw === "") return undefined;
  const out: T[] = [];
  for (const part of raw.split(",")) {
    const v = part.trim();
    if (!(allowed as readonly string[]).includes(v)) throw new AlertingInputError(name, `must be one or more of ${allowed.join(", ")} (comma-separated), got ${describeValue(v)}`);
    out.push(v as T);
  }
  return out;
}

function limit(req: Request): number | undefined {
  const raw = one(req, "limit");
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new AlertingInputError("limit", `must be a positive integer, got ${describeValue(raw)}`);
  return n;
}

function since(req: Request, alerting: Alerting): number | undefined {
  const raw = one(req, "since");
  return raw === undefined ? undefined : parseSince(raw, alerting.now(), "since");
}

function includeHistory(req: Request): boolean {
  const raw = one(req, "include");
  if (raw === undefined || raw === "") return false;
  if (raw !== "history") throw new AlertingInputError("include", `must be "history", got ${describeValue(raw)}`);
  return true;
}

function id(req: Request): number {
  const raw = req.params.id;
  const n = Number(raw);
  if (typeof raw !== "string" || !/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new AlertingInputError("id", `must be a positive integer, got ${describeValue(raw)}`);
  return n;
}

const WINDOW_STATES = ["pending", "active", "expired"] as const;

/**
 * The router. Routes (relative to where it is mounted, `/api/v1`):
 *
 * - `GET /alerts?state=&rule=&host=&since=&limit=&include=history` → `{alerts: [...]}`
 * - `GET /alerts/history?since=&kind=&rule=&host=&limit=` → `{history: [...]}`
 * - `GET /alerts/:id[?include=history]` → `{alert}`; `GET /alerts/:id/history` → `{history}`
 * - `POST /alerts/:id/resolve` `{by, comment?}` → `{alert}`
 * - `GET /silences?state=`, `POST /silences` (201 `{silence}`), `GET /silences/:id`, `DELETE /silences/:id`
 * - `GET /maintenance?state=&host=`, `POST /maintenance` (201), `GET /maintenance/:id`, `DELETE /maintenance/:id`
 *
 * @example
 * createApiServer({ engine, mounts: [{ path: "/api/v1", handler: alertsRouter(alerting) }] });
 * // curl 'localhost:5001/api/v1/alerts?state=firing&since=1h'
 */
export function alertsRouter(alerting: Alerting, options: AlertsRouterOptions = {}): Router {
  const router = express.Router();
  const body = [
    function requireJson(req, res, next) {
      if (req.is(JSON_TYPES) === false) {
        res.status(415).json({ error: `content type must be application/json, got ${req.headers["content-type"] ?? "none"}` });
        return;
      }
      next();
    },
    express.json({ limit: options.bodyLimitBytes ?? 1_000_000, type: JSON_TYPES, strict: false }),
  ] satisfies express.RequestHandler[];

  router.get("/alerts", function listAlerts(req, res) {
    const states = list<AlertState | "active" | "all">(req, "state", ["pending", "firing", "resolved", "active", "all"]);
    const history = includeHistory(req);
    const alerts = alerting.listAlerts({
      states: states === undefined || states.includes("all") ? undefined : (states as (AlertState | "active")[]),
      rule: one(req, "rule"),
      host: one(req, "host"),
      since: since(req, alerting),
      limit: limit(req),
      includeHistory: history,
    });
    res.json({ alerts });
  });

  router.get("/alerts/history", function listHistory(req, res) {
    const kinds = one(req, "kind");
    res.json({
      history: alerting.history({
        since: since(req, alerting),
        kinds: kinds === undefined || kinds === "" ? undefined : kinds.split(",").map((k) => k.trim()),
        rule: one(req, "rule"),
        host: one(req, "host"),
        limit: limit(req),
      }),
    });
  });

  router.get("/alerts/:id", function getAlert(req, res) {
    const alert = alerting.getAlert(id(req), { includeHistory: includeHistory(req) });
    if (alert === undefined) res.status(404).json({ error: `no alert ${req.params.id}` });
    else res.json({ alert });
  });

  router.get("/alerts/:id/history", function getAlertHistory(req, res) {
    const history = alerting.alertHistory(id(req), limit(req));
    if (history === undefined) res.status(404).json({ error: `no alert ${req.params.id}` });
    else res.json({ history });
  });

  router.post("/alerts/:id/resolve", ...body, function resolveAlert(req, res) {
    const b: unknown = req.body;
    if (typeof b !== "object" || b === null || Array.isArray(b)) throw new AlertingInputError("body", `must be a JSON object {by, comment?}, got ${describeValue(b)}`);
    const { by, comment } = b as { by?: unknown; comment?: unknown };
    if (typeof by !== "string" || by.trim() === "") throw new AlertingInputError("by", `must be a non-empty string (who resolves it), got ${describeValue(by)}`);
    if (comment !== undefined && typeof comment !== "string") throw new AlertingInputError("comment", `must be a string, got ${describeValue(comment)}`);
    const alertId = id(req);
    const alert = alerting.resolveAlert(alertId, { by, ...(comment === undefined ? {} : { comment }) });
    if (alert !== undefined) {
      res.json({ alert });
      return;
    }
    const existing = alerting.getAlert(alertId);
    if (existing === undefined) res.status(404).json({ error: `no alert ${alertId}` });
    else res.status(409).json({ error: `alert ${alertId} is already resolved` });
  });

  router.get("/silences", function listSilences(req, res) {
    res.json({ silences: alerting.listSilences({ states: list(req, "state", WINDOW_STATES), limit: limit(req) }) });
  });

  router.post("/silences", ...body, function createSilence(req, res) {
    res.status(201).json({ silence: alerting.createSilence(req.body) });
  });

  router.get("/silences/:id", function getSilence(req, res) {
    const silence = alerting.getSilence(id(req));
    if (silence === undefined) res.status(404).json({ error: `no silence ${req.params.id}` });
    else res.json({ silence });
  });

  router.delete("/silences/:id", function expireSilence(req, res) {
    const silence = alerting.expireSilence(id(req));
    if (silence === undefined) res.status(404).json({ error: `no silence ${req.params.id}` });
    else res.json({ silence });
  });

  router.get("/maintenance", function listMaintenance(req, res) {
    res.json({ maintenance: alerting.listMaintenance({ states: list(req, "state", WINDOW_STATES), host: one(req, "host"), limit: limit(req) }) });
  });

  router.post("/maintenance", ...body, function startMaintenance(req, res) {
    res.status(201).json({ maintenance: alerting.startMaintenance(req.body) });
  });

  router.get("/maintenance/:id", function getMaintenance(req, res) {
    const maintenance = alerting.getMaintenance(id(req));
    if (maintenance === undefined) res.status(404).json({ error: `no maintenance window ${req.params.id}` });
    else res.json({ maintenance });
  });

  router.delete("/maintenance/:id", function endMaintenance(req, res) {
    const maintenance = alerting.endMaintenance(id(req));
    if (maintenance === undefined) res.status(404).json({ error: `no maintenance window ${req.params.id}` });
    else res.json({ maintenance });
  });

  router.use(function alertingInputErrors(err, _req, res, next) {
    if (err instanceof AlertingInputError) res.status(400).json({ error: err.message, field: err.field });
    else next(err);
  } satisfies ErrorRequestHandler);

  return router;
}
