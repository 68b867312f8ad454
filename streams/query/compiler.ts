/**
 * The compiler of Riemann's query language: turns a parsed query into a
 * predicate over events built from closures (no `eval`), recognises the
 * queries an index can answer with a key lookup, and keeps an LRU cache of
 * prepared queries so repeated queries cost one map lookup.
 */
import { fieldOf, type Event } from "../event.ts";
import { LruCache } from "./cache.ts";
import { parseQuery, type Operand, type QueryNode } from "./parser.ts";

/** A compiled query: true when the event matches. Pure; safe to call from any stream. */
export type EventPredicate = (e: Event) => boolean;

/** The (host, service) an exact-key query names; `service` undefined means "every service of host". */
export interface IndexKey {
  readonly host: string;
  readonly service: string | undefined;
}

/** A parsed and compiled query, as cached by `prepareQuery`. */
export interface PreparedQuery {
  /** The query text. */
  readonly source: string;
  readonly ast: QueryNode;
  readonly predicate: EventPredicate;
  /** Set when the query is exactly `host = "X" and service = "Y"` (either order) or `host = "X"`. */
  readonly key: IndexKey | undefined;
}

/** How many prepared queries `prepareQuery` keeps (Riemann keeps 64). */
export const QUERY_CACHE_SIZE = 64;

const cache = new LruCache<string, PreparedQuery>(QUERY_CACHE_SIZE);

/**
 * Parses, compiles and caches `query` (LRU, `QUERY_CACHE_SIZE` entries).
 * Throws `QuerySyntaxError` for an invalid query (invalid queries are not cached).
 *
 * @example
 * const q = prepareQuery('host = "web1" and service = "cpu"');
 * q.key; // { host: "web1", service: "cpu" }: an index answers it with one lookup
 * q.predicate(event);
 */
export function prepareQuery(query: string): PreparedQuery {
  const hit = cache.get(query);
  if (hit !== undefined) return hit;
  const ast = parseQuery(query);
  const prepared: PreparedQuery = { source: query, ast, predicate: compileNode(ast), key: indexKeyOf(ast) };
  cache.set(query, prepared);
  return prepared;
}

/**
 * Compiles a query (text, through the cache, or an already parsed AST) into
 * a predicate over events.
 *
 * Semantics, per form:
 * - `a = b` / `a != b`: strict equality; `nil`/`null` equals an absent field
 *   (`state = nil` matches events without a state).
 * - `a < n`, `>`, `<=`, `>=`: false unless `a` is a number (attributes are
 *   strings, so `disk_free > 5` on an attribute is always false, as in Riemann).
 * - `a =~ "web%"`: SQL LIKE over the whole string, `%` = any run of characters; false for non-strings.
 * - `a ~= "re"`: JavaScript regular expression, searched anywhere in the string; false for non-strings.
 * - `tagged "x"`: the event's tags include "x".
 * - a bare value or field: truthy when not nil and not false (`true` matches all).
 * - fields: `host service state description metric metric_f time ttl tags`,
 *   anything else reads a custom attribute (`fieldOf`).
 *
 * Differs from Riemann: `~=` uses JavaScript regex syntax rather than Java's;
 * `=` compares numbers by value (Riemann's `(= 1 1.0)` is false).
 *
 * @example
 * const critical = compileQuery('state = "critical" and not tagged "maintenance"');
 * events.filter(critical);
 */
export function compileQuery(query: string | QueryNode): EventPredicate {
  return typeof query === "string" ? prepareQuery(query).predicate : compileNode(query);
}

/**
 * The index key a query names, when it is exactly `host = "X"` or
 * `host = "X" and service = "Y"` (in either order, either side of `=`);
 * undefined for anything else.
 *
 * @example
 * indexKeyOf(parseQuery('service = "cpu" and host = "a"')); // { host: "a", service: "cpu" }
 * indexKeyOf(parseQuery('host = "a" or service = "cpu"'));  // undefined
 */
export function indexKeyOf(node: QueryNode): IndexKey | undefined {
  if (node.kind === "equal") {
    const host = stringEquality(node, "host");
    return host === undefined ? undefined : { host, service: undefined };
  }
  if (node.kind !== "and" || node.operands.length !== 2) return undefined;
  const [a, b] = node.operands as [QueryNode, QueryNode];
  if (a.kind !== "equal" || b.kind !== "equal") return undefined;
  const host = stringEquality(a, "host") ?? stringEquality(b, "host");
  const service = stringEquality(a, "service") ?? stringEquality(b, "service");
  return host === undefined || service === undefined ? undefined : { host, service };
}

/** The string `field` is required to equal by `node` (`field = "x"` or `"x" = field`), if that is what it says. */
function stringEquality(node: QueryNode & { kind: "equal" }, field: string): string | undefined {
  if (node.op !== "=") return undefined;
  const { left, right } = node;
  if (left.kind === "field" && left.name === field && right.kind === "literal" && typeof right.value === "string") return right.value;
  if (right.kind === "field" && right.name === field && left.kind === "literal" && typeof left.value === "string") return left.value;
  return undefined;
}

type Getter = (e: Event) => unknown;

/** A reader for a field: direct property reads for the event's own fields, `fieldOf` for the rest. */
function getterFor(name: string): Getter {
  switch (name) {
    case "host": return (e) => e.host;
    case "service": return (e) => e.service;
    case "state": return (e) => e.state;
    case "description": return (e) => e.description;
    case "metric": return (e) => e.metric;
    case "time": return (e) => e.time;
    case "ttl": return (e) => e.ttl;
    default: return (e) => fieldOf(e, name);
  }
}

function always(): boolean {
  return true;
}

function never(): boolean {
  return false;
}

function isTruthy(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false;
}

function looseEquals(a: unknown, b: unknown): boolean {
  return a === b || (a == null && b == null);
}

/** Compiles an AST into a predicate. */
function compileNode(node: QueryNode): EventPredicate {
  switch (node.kind) {
    case "or": return compileOr(node.operands.map(compileNode));
    case "and": return compileAnd(node.operands.map(compileNode));
    case "not": {
      const inner = compileNode(node.operand);
      return (e) => !inner(e);
    }
    case "tagged": {
      const tag = node.tag;
      return (e) => {
        const tags = e.tags;
        if (tags === undefined) return false;
        for (let i = 0; i < tags.length; i++) if (tags[i] === tag) return true;
        return false;
      };
    }
    case "truthy": {
      const operand = node.operand;
      if (operand.kind === "literal") return isTruthy(operand.value) ? always : never;
      const get = getterFor(operand.name);
      return (e) => isTruthy(get(e));
    }
    case "equal": {
      const eq = compileEquals(node.left, node.right);
      if (node.op === "=") return eq;
      return (e) => !eq(e);
    }
    case "order": return compileOrder(node.op, node.left, node.right);
    case "like": return compileStringTest(node.left, likeTest(node.pattern));
    case "regex": {
      const re = new RegExp(node.pattern);
      return compileStringTest(node.left, (s) => re.test(s));
    }
  }
}

function compileOr(parts: EventPredicate[]): EventPredicate {
  if (parts.length === 2) {
    const [a, b] = parts as [EventPredicate, EventPredicate];
    return (e) => a(e) || b(e);
  }
  return (e) => {
    for (let i = 0; i < parts.length; i++) if (parts[i]!(e)) return true;
    return false;
  };
}

function compileAnd(parts: EventPredicate[]): EventPredicate {
  if (parts.length === 2) {
    const [a, b] = parts as [EventPredicate, EventPredicate];
    return (e) => a(e) && b(e);
  }
  return (e) => {
    for (let i = 0; i < parts.length; i++) if (!parts[i]!(e)) return false;
    return true;
  };
}

function compileEquals(left: Operand, right: Operand): EventPredicate {
  if (left.kind === "literal" && right.kind === "literal") return looseEquals(left.value, right.value) ? always : never;
  if (left.kind === "field" && right.kind === "field") {
    const a = getterFor(left.name);
    const b = getterFor(right.name);
    return (e) => looseEquals(a(e), b(e));
  }
  const fieldOperand = left.kind === "field" ? left : right;
  const literalOperand = left.kind === "literal" ? left : right;
  if (fieldOperand.kind !== "field" || literalOperand.kind !== "literal") return never; // unreachable: one of each
  const field = fieldOperand.name;
  const value = literalOperand.value;
  if (value === null) {
    const get = getterFor(field);
    return (e) => get(e) == null;
  }
  // The two hottest forms read the property directly.
  if (field === "host") return (e) => e.host === value;
  if (field === "service") return (e) => e.service === value;
  const get = getterFor(field);
  return (e) => get(e) === value;
}

function compileOrder(op: "<" | ">" | "<=" | ">=", left: Operand, n: number): EventPredicate {
  if (left.kind === "literal") {
    const v = left.value;
    if (typeof v !== "number") return never;
    const holds = op === "<" ? v < n : op === ">" ? v > n : op === "<=" ? v <= n : v >= n;
    return holds ? always : never;
  }
  const get = getterFor(left.name);
  switch (op) {
    case "<": return (e) => { const v = get(e); return typeof v === "number" && v < n; };
    case ">": return (e) => { const v = get(e); return typeof v === "number" && v > n; };
    case "<=": return (e) => { const v = get(e); return typeof v === "number" && v <= n; };
    case ">=": return (e) => { const v = get(e); return typeof v === "number" && v >= n; };
  }
}

function compileStringTest(left: Operand, test: (s: string) => boolean): EventPredicate {
  if (left.kind === "literal") return typeof left.value === "string" && test(left.value) ? always : never;
  const get = getterFor(left.name);
  return (e) => {
    const v = get(e);
    return typeof v === "string" && test(v);
  };
}

/** SQL LIKE with `%` as the only wildcard, anchored; the common shapes avoid regular expressions. */
function likeTest(pattern: string): (s: string) => boolean {
  const parts = pattern.split("%");
  if (parts.length === 1) return (s) => s === pattern;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (parts.length === 2) return (s) => s.length >= first.length + last.length && s.startsWith(first) && s.endsWith(last);
  if (parts.length === 3 && first === "" && last === "") {
    const middle = parts[1]!;
    return (s) => s.includes(middle);
  }
  const re = new RegExp(`^${parts.map(escapeRegExp).join(".*")}$`, "s");
  return (s) => re.test(s);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
