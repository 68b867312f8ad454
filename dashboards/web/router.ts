/**
 * The web page's server side, mounted at "/" on the API port: the static
 * page (dashboards/web/public), the fleet as JSON, a host's detail (live
 * events from the index and sparkline series from the metric history), and
 * one server-sent-events stream that carries fleet changes and "something
 * changed" notices for the other panels (alerts, queue, ...), which the page
 * then refetches from those parts' own endpoints.
 */
import { fileURLToPath } from "node:url";
import express, { Router, type Response } from "express";
import type { EventIndex } from "../../streams/eventindex/index-store.ts";
import type { Clock } from "../../streams/clock.ts";
import type { FleetModel, HostTile } from "./fleet.ts";
import type { MetricHistory } from "./history.ts";

/** Where the page's files are. */
export const PUBLIC_DIR = fileURLToPath(new URL("./public", import.meta.url));

/** What the web router reads. */
export interface WebOptions {
  readonly fleet: FleetModel;
  readonly index: EventIndex;
  readonly clock: Clock;
  readonly history?: MetricHistory | undefined;
  /**
   * Change notifications of other parts, by topic ("alerts", "queue",
   * "silences", ...): each subscribes a listener and returns its
   * unsubscribe function. The page refetches a topic's panel on notice.
   */
  readonly topics?: Readonly<Record<string, (listener: () => void) => () => void>>;
  /** Which panels the page shows, by the parts that run (e.g. { alerts: true, scheduler: false }). */
  readonly features?: Readonly<Record<string, boolean>>;
  /** Seconds between SSE keep-alive comments. Default 15. */
  readonly keepAliveSeconds?: number;
}

/** A tile as the wire carries it: `[host, health, reason, services, lastSeen, schedulable (1/0/null), scheduleReasons]`. */
export type WireTile = [string, string, string, number, number, number | null, readonly string[]];

/** The compact wire form of a tile (5,000 tiles stay a few hundred KB). */
export function wireTile(t: HostTile): WireTile {
  return [t.host, t.health, t.reason, t.services, t.lastSeen, t.schedulable === undefined ? null : t.schedulable ? 1 : 0, t.scheduleReasons];
}

function send(res: Response, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * The router: `GET /` (the page), `/ui/*` (its files), `GET /api/v1/fleet`,
 * `GET /api/v1/fleet/:host` (events + series), `GET /api/v1/live` (SSE:
 * `snapshot`, then `hosts` with changed tiles and `changed` with a topic).
 *
 * @example
 * createApiServer({ engine, mounts: [{ path: "/", handler: webRouter({ fleet, index: engine.index, clock }) }] });
 */
export function webRouter(options: WebOptions): Router {
  const router = Router();
  const keepAliveMs = (options.keepAliveSeconds ?? 15) * 1000;
  router.use("/ui", express.static(PUBLIC_DIR, { index: false, maxAge: 0 }));
  router.get("/", (_req, res) => res.sendFile("index.html", { root: PUBLIC_DIR }));
  router.get("/api/v1/fleet", (_req, res) => {
    const tiles = options.fleet.all();
    res.json({ time: options.clock.now(), features: options.features ?? {}, hosts: tiles.map(wireTile) });
  });
  router.get("/api/v1/fleet/:host", (req, res) => {
    const host = req.params.host;
    const tile = options.fleet.get(host);
    const events = options.index.servicesOf(host).sort((a, b) => (a.service < b.service ? -1 : 1));
    if (tile === undefined && events.length === 0) {
      res.status(404).json({ error: `no host named ${JSON.stringify(host)}` });
      return;
    }
    const since = Number(req.query.since ?? options.clock.now() - 3600);
    res.json({ host, tile: tile === undefined ? null : wireTile(tile), events, series: options.history?.seriesOf(host, Number.isFinite(since) ? since : 0) ?? [] });
  });
  router.get("/api/v1/live", (req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
    res.flushHeaders();
    send(res, "snapshot", { time: options.clock.now(), features: options.features ?? {}, hosts: options.fleet.all().map(wireTile) });
    const unsubscribe: (() => void)[] = [options.fleet.onChange((changed) => send(res, "hosts", changed.map(wireTile)))];
    for (const [topic, subscribe] of Object.entries(options.topics ?? {})) unsubscribe.push(subscribe(() => send(res, "changed", topic)));
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), keepAliveMs);
    keepAlive.unref();
    req.on("close", () => {
      clearInterval(keepAlive);
      for (const u of unsubscribe) u();
    });
  });
  return router;
}
