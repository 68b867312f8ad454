/**
 * `taggedAll`, `taggedAny` and `tagged`: filters on an event's tags, for
 * rules that route by tag ("page", "maintenance", "team:storage").
 */
import type { Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { tagList } from "./checks.ts";

/**
 * Passes events that carry every one of `tags` (one tag or a list). An empty
 * list passes every event. Events with no tags pass only for an empty list.
 * Expired events pass when they carry the tags (`expire` keeps tags).
 *
 * @example
 * taggedAll(ctx, ["page", "storage"], page);
 */
export function taggedAll(ctx: StreamContext, tags: readonly string[] | string, ...children: Stream<Event>[]): Stream<Event> {
  const wanted = tagList("taggedAll", "tags", tags);
  const n = wanted.length;
  const out = fanout(ctx, "taggedAll", children);
  if (n === 1) {
    const only = wanted[0]!;
    return function taggedAllStream(e: Event): void {
      if (e.tags !== undefined && e.tags.includes(only)) out(e);
    };
  }
  return function taggedAllStream(e: Event): void {
    const have = e.tags;
    for (let i = 0; i < n; i++) {
      if (have === undefined || !have.includes(wanted[i]!)) return;
    }
    out(e);
  };
}

/**
 * Passes events that carry at least one of `tags` (one tag or a list). An
 * empty list passes nothing. Expired events pass when they carry one of the
 * tags.
 *
 * @example
 * taggedAny(ctx, ["maintenance", "decommissioned"], discardQuietly);
 */
export function taggedAny(ctx: StreamContext, tags: readonly string[] | string, ...children: Stream<Event>[]): Stream<Event> {
  const wanted = tagList("taggedAny", "tags", tags);
  const n = wanted.length;
  const out = fanout(ctx, "taggedAny", children);
  return function taggedAnyStream(e: Event): void {
    const have = e.tags;
    if (have === undefined) return;
    for (let i = 0; i < n; i++) {
      if (have.includes(wanted[i]!)) {
        out(e);
        return;
      }
    }
  };
}

/**
 * Alias of `taggedAll`, as in Riemann.
 *
 * @example
 * tagged(ctx, "page", page);
 */
export function tagged(ctx: StreamContext, tags: readonly string[] | string, ...children: Stream<Event>[]): Stream<Event> {
  return taggedAll(ctx, tags, ...children);
}
