/**
 * Riemann's query language, the public face: parse a query, compile it to a
 * predicate over events, and tell the index when a query is a plain key
 * lookup. Used by the index's `search`, the Riemann protocol's query
 * messages and the HTTP API.
 */
export { QuerySyntaxError } from "./errors.ts";
export { parseQuery, type Literal, type Operand, type QueryNode } from "./parser.ts";
export { compileQuery, indexKeyOf, prepareQuery, QUERY_CACHE_SIZE, type EventPredicate, type IndexKey, type PreparedQuery } from "./compiler.ts";
export { LruCache } from "./cache.ts";
