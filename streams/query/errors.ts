/**
 * The one error the query language throws: a syntax (or pattern) error that
 * knows where in the query it happened, and renders the query with a caret
 * under that spot, so an operator typing a query into the UI or a Riemann
 * client sees exactly what is wrong without counting characters.
 */

/** Longest stretch of the query shown either side of the caret. */
const WINDOW = 60;

/**
 * A query that cannot be parsed. `position` is the 0-based offset of the
 * offending character (the query's length when the query ended too soon),
 * `reason` the one-line explanation, and `message` both plus the query with a
 * caret under `position`.
 *
 * @example
 * try { parseQuery('host = "a" and service =') }
 * catch (e) { if (e instanceof QuerySyntaxError) console.log(e.position, e.message) }
 * // 24
 * // expected a value after "=" at position 24
 * //   host = "a" and service =
 * //                           ^
 */
export class QuerySyntaxError extends Error {
  override readonly name = "QuerySyntaxError";

  constructor(
    /** The one-line reason, without the position or the caret display. */
    readonly reason: string,
    /** 0-based offset into `query` (equal to `query.length` at end of input). */
    readonly position: number,
    /** The query as given. */
    readonly query: string,
  ) {
    super(`${reason} at position ${position}\n${caretDisplay(query, position)}`);
  }
}

/**
 * Two lines: the query (a window around `position` for long queries, with
 * control characters shown as spaces so the caret lines up) and a caret.
 */
function caretDisplay(query: string, position: number): string {
  let start = 0;
  let end = query.length;
  let prefix = "";
  let suffix = "";
  if (position > WINDOW) {
    start = position - WINDOW;
    prefix = "…";
  }
  if (end - position > WINDOW) {
    end = position + WINDOW;
    suffix = "…";
  }
  let shown = "";
  for (let i = start; i < end; i++) {
    const code = query.charCodeAt(i);
    shown += code < 0x20 || code === 0x7f ? " " : query[i];
  }
  return `  ${prefix}${shown}${suffix}\n  ${" ".repeat(prefix.length + position - start)}^`;
}
