/**
 * The HTTP API, the public face: the app factory, the listener, and the
 * pieces (routers, auth, errors) later parts compose. See docs/http-api.md.
 */
export { createApiServer, startApiServer, apiToken, API_DEFAULTS, type ApiOptions, type ApiMount, type ApiServer, type ApiServerOptions } from "./server.ts";
export { eventsRouter, type EventsEngine, type EventsRouterOptions, type RejectedEvent } from "./events.ts";
export { requireTokenForWrites } from "./auth.ts";
export { jsonErrors, notFound } from "./errors.ts";
