/**
 * `project`: keeps the latest event for each of a few predicates and emits
 * all of them together whenever one changes, for comparing a handful of
 * specific series (enqueues vs dequeues, tasks failed vs started).
 */
import { expire, isExpired, type Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { checkFunction } from "./checks.ts";

/**
 * What `project` emits: one slot per predicate, in the predicates' order,
 * holding the latest event that matched it, or `undefined` if none has yet
 * (or the slot was cleared after an expiry). The folds accept it.
 */
export type Slots = readonly (Event | undefined)[];

/**
 * Keeps one slot per predicate. Each incoming event is tested against every
 * predicate; it replaces the event in every slot whose predicate it matches.
 * If it matched at least one, the slots are emitted as a new array (a
 * snapshot: later events do not change an array already emitted). An event
 * that matches nothing emits nothing.
 *
 * Expiry: on each emission, every slot whose event is expired at
 * `ctx.clock.now()` (state "expired", or its TTL has run out) is emitted once
 * as `expire(event, now)` and then cleared to `undefined`. An expired
 * incoming event is therefore emitted once in its slot, then the slot is
 * empty.
 *
 * A predicate that throws is reported through `ctx.onError` (where
 * "project") and counts as not matching.
 *
 * Riemann's `project*` (predicates are functions).
 *
 * @example
 * project(ctx, [(e) => e.service === "enqueues", (e) => e.service === "dequeues"],
 *   smap(ctx, folds.quotient, withFields(ctx, { service: "enqueues per dequeue" }, index)));
 */
export function project(ctx: StreamContext, preds: readonly ((e: Event) => boolean)[], ...children: Stream<Slots>[]): Stream<Event> {
  const tests = preds.map((p, i) => checkFunction("project", `preds[${i}]`, p));
  const n = tests.length;
  const slots: (Event | undefined)[] = new Array<Event | undefined>(n).fill(undefined);
  const out = fanout(ctx, "project", children);
  const clock = ctx.clock;
  const onError = ctx.onError;
  return function projectStream(e: Event): void {
    let matched = false;
    for (let i = 0; i < n; i++) {
      let hit = false;
      try {
        hit = tests[i]!(e);
      } catch (err) {
        onError(err, "project", e);
      }
      if (hit) {
        slots[i] = e;
        matched = true;
      }
    }
    if (!matched) return;
    const now = clock.now();
    const emitted = slots.slice();
    for (let i = 0; i < n; i++) {
      const s = slots[i];
      if (s !== undefined && isExpired(s, now)) {
        emitted[i] = expire(s, now);
        slots[i] = undefined;
      }
    }
    out(emitted);
  };
}
