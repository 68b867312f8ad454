/**
 * `tag` and `untag`: add or remove tags on events on their way through, for
 * marking events that a later stage (or another rule) routes by tag.
 */
import type { Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { tagList } from "./checks.ts";

/**
 * Adds `tags` (one tag or a list) to every event, keeping tags distinct: the
 * event's own tags come first, then each added tag it did not already have.
 * An event that already has all of them passes unchanged (the same object).
 * Expired events are tagged like any other.
 *
 * Differs from Riemann: Riemann puts the added tags first; tags are a set,
 * so only their order differs.
 *
 * @example
 * tag(ctx, ["paged", "storage"], index);
 */
export function tag(ctx: StreamContext, tags: readonly string[] | string, ...children: Stream<Event>[]): Stream<Event> {
  const adding = [...new Set(tagList("tag", "tags", tags))];
  const n = adding.length;
  const out = fanout(ctx, "tag", children);
  return function tagStream(e: Event): void {
    const have = e.tags;
    if (have === undefined || have.length === 0) {
      out({ ...e, tags: adding });
      return;
    }
    let missing = 0;
    for (let i = 0; i < n; i++) if (!have.includes(adding[i]!)) missing++;
    if (missing === 0) {
      out(e);
      return;
    }
    const next = have.slice();
    for (let i = 0; i < n; i++) if (!have.includes(adding[i]!)) next.push(adding[i]!);
    out({ ...e, tags: next });
  };
}

/**
 * Removes `tags` (one tag or a list) from every event. An event that has
 * none of them passes unchanged (the same object); an event left with no
 * tags gets `tags: undefined`. Expired events are untagged like any other.
 *
 * @example
 * untag(ctx, "transient", index);
 */
export function untag(ctx: StreamContext, tags: readonly string[] | string, ...children: Stream<Event>[]): Stream<Event> {
  const removing = tagList("untag", "tags", tags);
  const n = removing.length;
  const out = fanout(ctx, "untag", children);
  return function untagStream(e: Event): void {
    const have = e.tags;
    let hit = false;
    if (have !== undefined) for (let i = 0; i < n && !hit; i++) hit = have.includes(removing[i]!);
    if (!hit) {
      out(e);
      return;
    }
    const kept = have!.filter((t) => !removing.includes(t));
    out({ ...e, tags: kept.length === 0 ? undefined : kept });
  };
}
