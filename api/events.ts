/**
 * The events resource: `POST /api/v1/events` ingests a JSON array of events
 * (or `{"events": [...]}`) through `Engine.submitAll`, so HTTP input meets
 * the same validation and limits as every other entry point. Valid events
 * are processed even when others in the same request are not, and the
 * response says which were rejected and why.
 */
import express, { type Router } from "express";
import type { BatchResult } from "../streams/engine.ts";

/** What the events router needs of the engine (`Engine` satisfies it). */
export interface EventsEngine {
  submitAll(raws: readonly unknown[]): BatchResult;
}

/** Settings of `eventsRouter`. */
export interface EventsRouterOptions {
  readonly engine: EventsEngine;
  /** Largest request body, bytes. */
  readonly bodyLimitBytes: number;
}

/** One rejected event in a 400 response. */
export interface RejectedEvent {
  readonly index: number;
  readonly code: string;
  readonly reason: string;
}

const JSON_TYPES = ["application/json", "application/*+json"];

/**
 * An ISO-8601 `time` string becomes unix seconds (Riemann's HTTP clients
 * send ISO times); anything else is left for validation to judge.
 */
function normalizeTime(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const time = (raw as { time?: unknown }).time;
  if (typeof time !== "string") return raw;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? raw : { ...(raw as Record<string, unknown>), time: ms / 1000 };
}

/**
 * The router of `/events`, to mount under `/api/v1`.
 *
 * - 200 `{accepted, rejected: []}` when every event was valid.
 * - 400 `{accepted, rejected: [{index, code, reason}]}` when some were not;
 *   the valid ones were processed all the same.
 * - 400 `{error}` for malformed JSON or a body that is neither an array
 *   nor `{"events": [...]}`; 413 over `bodyLimitBytes`; 415 when the
 *   content type is not JSON.
 * - `time` may be unix seconds or an ISO-8601 string.
 *
 * @example
 * app.use("/api/v1", eventsRouter({ engine, bodyLimitBytes: 5_000_000 }));
 * // curl -X POST localhost:5001/api/v1/events -H 'content-type: application/json' -d '[{"host":"a","service":"cpu","metric":0.5}]'
 */
export function eventsRouter(options: EventsRouterOptions): Router {
  const router = express.Router();
  const engine = options.engine;
  router.post(
    "/events",
    function requireJson(req, res, next) {
      // req.is is null for a request without a body; that one gets a 400 below.
      if (req.is(JSON_TYPES) === false) {
        res.status(415).json({ error: `content type must be application/json, got ${req.headers["content-type"] ?? "none"}` });
        return;
      }
      next();
    },
    express.json({ limit: options.bodyLimitBytes, type: JSON_TYPES, strict: false }),
    function postEvents(req, res) {
      const body: unknown = req.body;
      let raws: unknown[];
      if (Array.isArray(body)) raws = body;
      else if (typeof body === "object" && body !== null && Array.isArray((body as { events?: unknown }).events)) raws = (body as { events: unknown[] }).events;
      else {
        res.status(400).json({ error: 'the body must be a JSON array of events or {"events": [...]}' });
        return;
      }
      const result = engine.submitAll(raws.map(normalizeTime));
      const rejected: RejectedEvent[] = result.rejected.map((r) => ({ index: r.index, code: r.rejection.code, reason: r.rejection.reason }));
      res.status(rejected.length === 0 ? 200 : 400).json({ accepted: result.accepted, rejected });
    },
  );
  return router;
}
