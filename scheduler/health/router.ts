/**
 * Satellite's whitelist REST endpoints over host health, as an express
 * Router mounted at "/": list hosts by flag, read or reset one host, and add
 * or delete operators' manual events; plus the host's audit history under
 * `/api/v1/hosts/{host}/history`. Status codes follow Satellite's README
 * (200, 201, 400 "Unsupported flag/filter.", 404), with real 404s where
 * Satellite's code fell through. Writes need the API's bearer token, which
 * the app's auth middleware checks before any route.
 */
import express, { type Request, type Response, type Router } from "express";
import { jsonErrors } from "../../api/errors.ts";
import { parseDuration } from "./duration.ts";
import type { HostHealth } from "./host-health.ts";
import { hostNameProblem } from "./model.ts";

/** What the router needs of host health (`HostHealth` satisfies it). */
export type WhitelistBackend = Pick<HostHealth, "whitelist" | "hostData" | "knows" | "setManual" | "deleteManual" | "deleteHost" | "history">;

/** Settings of `whitelistRouter`. */
export interface WhitelistRouterOptions {
  /** Largest request body, bytes. Default 65,536. */
  readonly bodyLimitBytes?: number;
}

/** Header naming the operator in the audit log ("who"); without it the audit says "operator:token" (or "operator:anonymous" when no token was sent). */
export const OPERATOR_HEADER = "x-satellite-operator";

const MAX_EVENT_ID = 1024;
const MAX_DESCRIPTION = 8192;
const MAX_HISTORY = 1000;
const FILTERS = new Set(["on", "off", "all"]);

function param(req: Request, name: string): string {
  const v = (req.params as Record<string, unknown>)[name];
  return typeof v === "string" ? v : "";
}

function badHost(res: Response, host: string): boolean {
  const problem = hostNameProblem(host);
  if (problem === undefined) return false;
  res.status(400).json({ error: `${problem}, got ${JSON.stringify(host)}` });
  return true;
}

function eventIdProblem(id: string): string | undefined {
  if (id.length === 0 || id.length > MAX_EVENT_ID) return `event id must be 1 to ${MAX_EVENT_ID} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(id)) return "event id must not contain control characters";
  return undefined;
}

/** "operator:<name>" from the operator header, else by how the request authenticated. */
function operatorOf(req: Request): string {
  const raw = req.headers[OPERATOR_HEADER];
  const name = typeof raw === "string" ? raw.trim() : "";
  // eslint-disable-next-line no-control-regex
  if (name.length > 0 && name.length <= 100 && !/[\u0000-\u001f\u007f]/.test(name)) return `operator:${name}`;
  return req.headers.authorization === undefined ? "operator:anonymous" : "operator:token";
}

function positiveIntegerQuery(req: Request, name: string): number | undefined | Error {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  const n = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) return new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * The whitelist router, to mount at "/":
 *
 * - `GET /whitelist/on|off|all` → 200 `{host: whitelist-data}` for the hosts
 *   whose flag is on / off / any (registered hosts and hosts with state);
 *   any other filter → 400 `{error: "Unsupported flag/filter."}`.
 * - `GET /whitelist/host/{host}` → 200 whitelist-data; 404 for a host
 *   neither registered nor known; 400 for a malformed host name.
 * - `DELETE /whitelist/host/{host}` → 200 `{host, deleted}` (every manual
 *   event, rule objection and damping of the host is forgotten; `deleted`
 *   false when there was none); 404 unknown host.
 * - `POST /whitelist/host/{host}/event/{id}` with JSON
 *   `{state: "ok"|"critical", ttl?: "7day"|seconds, description?}` → 201
 *   whitelist-data; 400 for malformed JSON, a bad state, ttl or name.
 * - `DELETE /whitelist/host/{host}/event/{id}` → 204; 404 when the host has
 *   no such event.
 * - `GET /api/v1/hosts/{host}/history?limit=100&before=<id>` → 200
 *   `{host, entries}` newest first; 404 for a host with neither state nor
 *   history. Host "*" lists the notes about the whole fleet.
 *
 * whitelist-data is Satellite's `{managed-events, manual-events,
 * managed-flag, manual-flag}` plus `flag`, `registered`, `schedulable`,
 * `draining`, `returning-at` and `notes` (see model.ts).
 *
 * @example
 * app.use("/", whitelistRouter(health));
 * // curl -X POST localhost:5001/whitelist/host/web1/event/disk -H "Authorization: Bearer $SATELLITE_API_TOKEN" \
 * //   -H 'content-type: application/json' -d '{"state":"critical","ttl":"2hour","description":"disk swap"}'
 */
export function whitelistRouter(health: WhitelistBackend, options: WhitelistRouterOptions = {}): Router {
  const router = express.Router();
  // Any body is read as JSON (curl -d sends form encoding by default); a body that is not JSON gets a 400.
  const json = express.json({ limit: options.bodyLimitBytes ?? 65_536, type: () => true, strict: false });

  router.get("/whitelist/:filter", function listWhitelist(req, res) {
    const filter = param(req, "filter");
    if (!FILTERS.has(filter)) {
      res.status(400).json({ error: "Unsupported flag/filter." });
      return;
    }
    res.status(200).json(health.whitelist(filter as "on" | "off" | "all"));
  });

  router.get("/whitelist/host/:host", function getWhitelistHost(req, res) {
    const host = param(req, "host");
    if (badHost(res, host)) return;
    const data = health.hostData(host);
    if (data === undefined) {
      res.status(404).json({ error: `host ${JSON.stringify(host)} is neither registered nor known to the whitelist` });
      return;
    }
    res.status(200).json(data);
  });

  router.delete("/whitelist/host/:host", function deleteWhitelistHost(req, res) {
    const host = param(req, "host");
    if (badHost(res, host)) return;
    if (!health.knows(host)) {
      res.status(404).json({ error: `host ${JSON.stringify(host)} is neither registered nor known to the whitelist` });
      return;
    }
    res.status(200).json({ host, deleted: health.deleteHost(host, operatorOf(req)) });
  });

  router.post("/whitelist/host/:host/event/:event", json, function postManualEvent(req, res) {
    const host = param(req, "host");
    const id = param(req, "event");
    if (badHost(res, host)) return;
    const idProblem = eventIdProblem(id);
    if (idProblem !== undefined) {
      res.status(400).json({ error: `${idProblem}, got ${JSON.stringify(id)}` });
      return;
    }
    const body: unknown = req.body;
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      res.status(400).json({ error: 'the body must be a JSON object {"state": "ok"|"critical", "ttl": "7day", "description": "..."}' });
      return;
    }
    const { state, ttl, description } = body as Record<string, unknown>;
    if (state !== "ok" && state !== "critical") {
      res.status(400).json({ error: `state must be "ok" or "critical", got ${JSON.stringify(state) ?? "nothing"}` });
      return;
    }
    let ttlSeconds: number | undefined;
    if (ttl !== undefined && ttl !== null) {
      try {
        ttlSeconds = parseDuration(ttl);
      } catch (err) {
        res.status(400).json({ error: `ttl: ${(err as Error).message}` });
        return;
      }
    }
    if (description !== undefined && description !== null && (typeof description !== "string" || description.length > MAX_DESCRIPTION)) {
      res.status(400).json({ error: `description must be a string of at most ${MAX_DESCRIPTION} characters` });
      return;
    }
    const data = health.setManual(host, id, { state, ttlSeconds, description: typeof description === "string" ? description : undefined }, operatorOf(req));
    res.status(201).json(data);
  });

  router.delete("/whitelist/host/:host/event/:event", function deleteManualEvent(req, res) {
    const host = param(req, "host");
    const id = param(req, "event");
    if (badHost(res, host)) return;
    if (!health.deleteManual(host, id, operatorOf(req))) {
      res.status(404).json({ error: `host ${JSON.stringify(host)} has no manual event ${JSON.stringify(id)}` });
      return;
    }
    res.status(204).end();
  });

  router.get("/api/v1/hosts/:host/history", function getHostHistory(req, res) {
    const host = param(req, "host");
    // "*" holds the notes about the whole fleet (guard engaged/disengaged, Mesos export kept).
    if (host !== "*" && badHost(res, host)) return;
    const limit = positiveIntegerQuery(req, "limit");
    const before = positiveIntegerQuery(req, "before");
    if (limit instanceof Error || before instanceof Error) {
      res.status(400).json({ error: (limit instanceof Error ? limit : (before as Error)).message });
      return;
    }
    const entries = health.history(host, { limit: Math.min(limit ?? 100, MAX_HISTORY), before });
    if (entries.length === 0 && host !== "*" && !health.knows(host) && before === undefined) {
      res.status(404).json({ error: `host ${JSON.stringify(host)} has no history` });
      return;
    }
    res.status(200).json({ host, entries });
  });

  router.use(jsonErrors());
  return router;
}
