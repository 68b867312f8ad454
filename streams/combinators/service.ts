/**
 * `service`: Riemann's `(where (service "x") ...)` as its own combinator.
 * Besides filtering, it declares its route, so a rule whose top-level stream
 * is a `service(...)` is never even called for other services.
 */
import type { Event } from "../event.ts";
import { withRoute, type ServiceMatcher } from "../routing.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";

/** Which services pass: one name, a list of names, or a regular expression tested against the service. */
export type ServiceMatch = string | readonly string[] | RegExp;

function matcherOf(match: ServiceMatch): ServiceMatcher {
  if (typeof match === "string") return (s) => s === match;
  if (match instanceof RegExp) {
    const re = new RegExp(match.source, match.flags.replace(/[gy]/g, "")); // no lastIndex state
    return (s) => re.test(s);
  }
  if (Array.isArray(match) && match.every((m) => typeof m === "string")) {
    const names = new Set(match);
    return (s) => names.has(s);
  }
  throw new TypeError(`service: expected a service name, a list of names or a RegExp, got ${JSON.stringify(match)}`);
}

/**
 * Passes events whose service matches `match` to the children, drops the
 * rest. Expired events pass like any other (their service is kept). Used as
 * a rule's top-level stream, it also tells the rule dispatcher which services
 * to send the rule at all (see `streams/routing.ts`), which is what makes
 * large rule sets cheap: prefer it over `where((e) => e.service === ...)`.
 *
 * @example
 * service(ctx, "system.load.15", by(ctx, "host", () => stable(ctx, 300, isHigh, page)));
 * service(ctx, /^system\.filesystem\.used\.pct /, checkDisk);
 */
export function service(ctx: StreamContext, match: ServiceMatch, ...children: Stream<Event>[]): Stream<Event> {
  const matches = matcherOf(match);
  const out = fanout(ctx, "service", children);
  return withRoute(function serviceStream(e: Event): void {
    if (matches(e.service)) out(e);
  }, matches);
}
