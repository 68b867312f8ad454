/**
 * `changed`, `changedPairs` and `changedState`: pass an event only when some
 * value of it (its state, by default) differs from the previous event's. The
 * basis of alert-on-transition rules: page when a service goes critical,
 * resolve when it comes back, not on every repeat.
 */
import type { Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { by, type ByStream } from "./by.ts";
import { checkFunction } from "./checks.ts";

/** Settings of `changed` and `changedPairs`. */
export interface ChangedSpec {
  /** The value compared between events. Default: the event's `state`. */
  readonly key?: (e: Event) => unknown;
  /** The value assumed for the event before the first one. Default `undefined`. */
  readonly init?: unknown;
}

/** Settings of `changedState`. */
export interface ChangedStateSpec {
  /** The state assumed for each host/service before its first event, e.g. "ok". Default `undefined`. */
  readonly init?: string;
  /** Idle eviction of per-host/service forks, as `by`'s `idleSeconds`. Default 3600. */
  readonly idleSeconds?: number;
}

const stateOf = (e: Event): unknown => e.state;

/**
 * Passes an event when `key(e)` differs (`!==`) from `key` of the previous
 * event, starting from `init`. The remembered value is updated on every
 * event, passed or not. One `changed` keeps one history: use it inside `by`,
 * or use `changedState`, to track each host and service separately.
 *
 * - Without `init`, the first event passes unless its value is `undefined`
 *   (an event with no state, for the default key).
 * - With `init: "ok"`, the first event passes only if its state is not "ok".
 *   Riemann's test: states `ok bad bad ok ok evil bad` with `init: "ok"` pass
 *   `bad ok evil bad`.
 * - An expired event has state "expired", which differs from any live state,
 *   so an expiry passes as a change (and the next live event passes again).
 * - A throw from `key` is reported through `ctx.onError` (where "changed");
 *   the event is dropped and the remembered value is kept.
 *
 * @example
 * // Page on every state transition of one series, assuming it started ok.
 * changed(ctx, { init: "ok" }, page);
 * // Pass when the metric crosses 2 in either direction.
 * changed(ctx, { key: (e) => (e.metric ?? 0) > 2 }, log);
 */
export function changed(ctx: StreamContext, spec: ChangedSpec, ...children: Stream<Event>[]): Stream<Event> {
  const key = spec.key === undefined ? stateOf : checkFunction("changed", "key", spec.key);
  const out = fanout(ctx, "changed", children);
  const onError = ctx.onError;
  let previous: unknown = spec.init;
  return function changedStream(e: Event): void {
    let value: unknown;
    try {
      value = key(e);
    } catch (err) {
      onError(err, "changed", e);
      return;
    }
    const differs = value !== previous;
    previous = value;
    if (differs) out(e);
  };
}

/**
 * Like `changed`, but passes the pair `[previousEvent, event]` on a change,
 * where `previousEvent` is the event seen just before this one (changed or
 * not), or `undefined` for the first event. Riemann's `:pairs? true`.
 *
 * @example
 * changedPairs(ctx, {}, ([before, after]) => log(`${before?.state ?? "unknown"} -> ${after.state}`));
 */
export function changedPairs(
  ctx: StreamContext,
  spec: ChangedSpec,
  ...children: Stream<readonly [previous: Event | undefined, current: Event]>[]
): Stream<Event> {
  const key = spec.key === undefined ? stateOf : checkFunction("changedPairs", "key", spec.key);
  const out = fanout(ctx, "changedPairs", children);
  const onError = ctx.onError;
  let previous: unknown = spec.init;
  let previousEvent: Event | undefined;
  return function changedPairsStream(e: Event): void {
    let value: unknown;
    try {
      value = key(e);
    } catch (err) {
      onError(err, "changedPairs", e);
      return;
    }
    const differs = value !== previous;
    const before = previousEvent;
    previous = value;
    previousEvent = e;
    if (differs) out([before, e]);
  };
}

/**
 * Passes state changes per host and service: `by(["host", "service"])` of
 * `changed` on `state`, with `init` applied to each host/service separately.
 * Expired events are state changes (see `changed`). The children are shared
 * by all hosts and services (they are instances, not re-built per key); put
 * per-key stateful streams in a `by` of your own instead. A host/service
 * idle for `idleSeconds` is forgotten, so its next event is compared with
 * `init` again.
 *
 * Differs from Riemann: the children are not re-created per fork (Riemann's
 * macro re-evaluates them), and idle forks are evicted.
 *
 * @example
 * // Page when any service leaves "ok", resolve when it returns.
 * changedState(ctx, { init: "ok" }, split(ctx, [[(e) => e.state === "ok", resolve]], trigger));
 */
export function changedState(ctx: StreamContext, spec: ChangedStateSpec, ...children: Stream<Event>[]): ByStream {
  const out = fanout(ctx, "changedState", children);
  const init = spec.init;
  return by(ctx, ["host", "service"], () => changed(ctx, { init }, out), spec.idleSeconds === undefined ? {} : { idleSeconds: spec.idleSeconds });
}
