/**
 * `expired` and `notExpired`: split the stream by whether an event is
 * expired, i.e. in state "expired" or past its TTL at the engine's clock.
 * Expiry is how a silent host or a dead check shows up in a rule.
 */
import { EXPIRED, isExpired, type Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";

/**
 * Passes events that are expired at `ctx.clock.now()`: state "expired", or
 * `now - time > ttl` (ttl defaulting to 60 s). Riemann's `expired?`.
 *
 * @example
 * // A host whose checks stop reporting is taken out.
 * expired(ctx, (e) => drain(e.host, "checks stopped reporting"));
 */
export function expired(ctx: StreamContext, ...children: Stream<Event>[]): Stream<Event> {
  const clock = ctx.clock;
  const out = fanout(ctx, "expired", children);
  return function expiredStream(e: Event): void {
    if (e.state === EXPIRED || isExpired(e, clock.now())) out(e);
  };
}

/**
 * Passes events that are not expired at `ctx.clock.now()` (the complement of
 * `expired`): live events whose TTL has not run out.
 *
 * @example
 * notExpired(ctx, index);
 */
export function notExpired(ctx: StreamContext, ...children: Stream<Event>[]): Stream<Event> {
  const clock = ctx.clock;
  const out = fanout(ctx, "notExpired", children);
  return function notExpiredStream(e: Event): void {
    if (e.state !== EXPIRED && !isExpired(e, clock.now())) out(e);
  };
}
