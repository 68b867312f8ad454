/**
 * Bearer-token authentication for the HTTP API's mutating requests
 * (DESIGN.md section 10: "Mutating HTTP endpoints require a bearer token;
 * read endpoints may be open on loopback"). GET, HEAD and OPTIONS pass
 * through; anything else needs `Authorization: Bearer <token>` when a token
 * is configured. Tokens are compared in constant time.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

/**
 * Middleware that answers a mutating request without a bearer token with
 * 401 `{error}` (and `WWW-Authenticate: Bearer`), and one with a wrong token
 * with 403 `{error}`. With `token`
 * undefined or empty, every request passes (authentication off).
 *
 * @example
 * app.use(requireTokenForWrites(process.env.SATELLITE_API_TOKEN));
 */
export function requireTokenForWrites(token: string | undefined): RequestHandler {
  if (token === undefined || token.length === 0) {
    return function noAuth(_req, _res, next) {
      next();
    };
  }
  const expected = digest(token);
  return function bearerAuth(req, res, next) {
    if (READ_METHODS.has(req.method)) {
      next();
      return;
    }
    const header = req.headers.authorization ?? "";
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (match !== null && timingSafeEqual(digest(match[1]!), expected)) {
      next();
      return;
    }
    if (match === null) {
      res.status(401).set("WWW-Authenticate", 'Bearer realm="satellite"').json({ error: "a bearer token is required (Authorization: Bearer <token>)" });
      return;
    }
    res.status(403).json({ error: "invalid bearer token" });
  };
}
