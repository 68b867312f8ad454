/**
 * `GET /metrics`: the registry in Prometheus' text exposition format.
 * Mounted by the app at `/metrics` on the API port.
 */
import { Router } from "express";
import type { Registry } from "prom-client";

/**
 * A router answering GET on its mount point with the registry's metrics.
 *
 * @example
 * createApiServer({ engine, mounts: [{ path: "/metrics", handler: metricsRouter(registry) }] });
 */
export function metricsRouter(registry: Registry): Router {
  const router = Router();
  router.get("/", (_req, res, next) => {
    registry.metrics().then(
      (text) => res.type(registry.contentType).send(text),
      (err: unknown) => next(err),
    );
  });
  return router;
}
