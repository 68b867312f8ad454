/**
 * JSON errors for the HTTP API: one error handler that turns body-parser's
 * failures and anything thrown by a route into `{error}` with the right
 * status (413 over the size limit, 400 malformed JSON, 415 unsupported
 * encoding, 500 otherwise), and a JSON 404 for unknown paths.
 */
import type { ErrorRequestHandler, RequestHandler } from "express";

/** An error with an HTTP status, as body-parser and http-errors make them. */
interface HttpError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  limit?: unknown;
  message?: unknown;
}

/**
 * The last middleware of the app: renders any error as `{error}`.
 *
 * @example
 * app.use(jsonErrors());
 */
export function jsonErrors(): ErrorRequestHandler {
  return function jsonErrorHandler(err: unknown, _req, res, next) {
    if (res.headersSent) {
      next(err);
      return;
    }
    const e = (typeof err === "object" && err !== null ? err : {}) as HttpError;
    const raw = typeof e.status === "number" ? e.status : typeof e.statusCode === "number" ? e.statusCode : 500;
    const status = raw >= 400 && raw < 600 ? raw : 500;
    let message: string;
    switch (e.type) {
      case "entity.too.large":
        message = `request body is over the limit of ${String(e.limit)} bytes`;
        break;
      case "entity.parse.failed":
        message = `malformed JSON: ${String(e.message)}`;
        break;
      default:
        message = status === 500 ? "internal error" : typeof e.message === "string" ? e.message : "request failed";
    }
    res.status(status).json({ error: message });
  };
}

/**
 * Answers 404 `{error}` for any request no route handled.
 *
 * @example
 * app.use(notFound());
 */
export function notFound(): RequestHandler {
  return function notFoundHandler(req, res) {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  };
}
