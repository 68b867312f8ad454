/**
 * The HTTP API: an express app factory that later parts extend with one
 * router per resource, and a `startApiServer` that binds it (127.0.0.1:5001
 * by default). Mutating requests need the bearer token when one is
 * configured (`token` or `SATELLITE_API_TOKEN`); the server refuses to bind
 * a non-loopback address without one. Errors are JSON everywhere.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import express, { type Express, type RequestHandler } from "express";
import { requireTokenForWrites } from "./auth.ts";
import { jsonErrors, notFound } from "./errors.ts";
import { eventsRouter, type EventsEngine } from "./events.ts";

/** Settings of `createApiServer`; everything but `engine` has a default. */
export interface ApiOptions {
  /** Where ingested events go. */
  readonly engine: EventsEngine;
  /** Bearer token required on mutating requests. Default: `SATELLITE_API_TOKEN` from the environment; unset or empty turns authentication off. */
  readonly token?: string;
  /** Largest request body, bytes. Default 5 MB (5,000,000). */
  readonly bodyLimitBytes?: number;
  /**
   * The other parts' routers, mounted in order after the events router:
   * `{ path: "/api/v1", handler: jobsRouter(...) }`, `{ path: "/whitelist", ... }`,
   * `{ path: "/metrics", ... }`, `{ path: "/", handler: webUi }`. Each part
   * owns its router; this file only mounts them.
   */
  readonly mounts?: readonly ApiMount[];
}

/** A router and the path it is mounted at. */
export interface ApiMount {
  readonly path: string;
  readonly handler: RequestHandler;
}

/** Defaults of the API, in one place. */
export const API_DEFAULTS = Object.freeze({ host: "127.0.0.1", port: 5001, bodyLimitBytes: 5_000_000 });

/**
 * The token `createApiServer` uses: the option if given, else
 * `SATELLITE_API_TOKEN`; undefined when neither is set or it is empty.
 *
 * @example
 * apiToken({}); // process.env.SATELLITE_API_TOKEN, if set and not empty
 */
export function apiToken(options: Pick<ApiOptions, "token">): string | undefined {
  const token = options.token ?? process.env.SATELLITE_API_TOKEN;
  return token === undefined || token.length === 0 ? undefined : token;
}

/**
 * Builds the API app: authentication for writes, then the routers under
 * `/api/v1` (today `POST /api/v1/events`), then JSON 404 and error
 * handling. Throws a RangeError naming the field for a bad setting.
 *
 * @example
 * const app = createApiServer({ engine });
 * http.createServer(app).listen(5001, "127.0.0.1");
 */
export function createApiServer(options: ApiOptions): Express {
  const bodyLimitBytes = options.bodyLimitBytes ?? API_DEFAULTS.bodyLimitBytes;
  if (!Number.isInteger(bodyLimitBytes) || bodyLimitBytes <= 0) throw new RangeError(`api.bodyLimitBytes must be a positive integer, got ${String(options.bodyLimitBytes)}`);
  const app = express();
  app.disable("x-powered-by");
  app.use(requireTokenForWrites(apiToken(options)));
  app.use("/api/v1", eventsRouter({ engine: options.engine, bodyLimitBytes }));
  for (const mount of options.mounts ?? []) app.use(mount.path, mount.handler);
  app.use(notFound());
  app.use(jsonErrors());
  return app;
}

/** Settings of `startApiServer`: the app's, plus where to listen. */
export interface ApiServerOptions extends ApiOptions {
  /** Address to bind. Default "127.0.0.1". */
  readonly host?: string;
  /** Port. Default 5001; 0 picks a free one. */
  readonly port?: number;
}

/** A listening API server. */
export interface ApiServer {
  readonly server: http.Server;
  readonly port: number;
  readonly host: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/**
 * Builds the app and listens. Refuses (throws) to bind a non-loopback
 * address when no token is configured, since writes would be open to the
 * network.
 *
 * @example
 * const api = await startApiServer({ engine, port: 0 });
 * await fetch(`http://127.0.0.1:${api.port}/api/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body: "[]" });
 * await api.close();
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? API_DEFAULTS.host;
  const port = options.port ?? API_DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`api.port must be an integer from 0 to 65535, got ${String(options.port)}`);
  if (!isLoopback(host) && apiToken(options) === undefined) {
    throw new Error(`api: refusing to listen on ${host} without a bearer token for writes; set SATELLITE_API_TOKEN (or api.token), or bind 127.0.0.1`);
  }
  const server = http.createServer(createApiServer(options));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    server,
    host,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
