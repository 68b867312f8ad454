/**
 * Service routing: a top-level stream may declare which services it can do
 * anything with, and the dispatcher then skips it for every other service.
 * It is purely an optimisation — a routed stream still filters its own input
 * — but it lets a rule set of dozens of files cost one map lookup per event
 * plus the rules that care, instead of a call into every file.
 */
import type { Event } from "./event.ts";
import type { Stream } from "./stream.ts";

/** True for the services a stream wants to see. Must be pure: results are cached per service. */
export type ServiceMatcher = (service: string) => boolean;

const routes = new WeakMap<object, ServiceMatcher>();

/**
 * Marks `stream` as interested only in services for which `matcher` is true,
 * and returns it. The stream must ignore other services itself too: routing
 * is a hint the dispatcher may or may not use.
 *
 * @example
 * return withRoute(function cpuOnly(e) { if (e.service === "cpu") out(e); }, (s) => s === "cpu");
 */
export function withRoute<T extends Stream<Event>>(stream: T, matcher: ServiceMatcher): T {
  routes.set(stream, matcher);
  return stream;
}

/** The matcher declared with `withRoute`, or undefined when the stream wants every event. */
export function routeOf(stream: Stream<Event>): ServiceMatcher | undefined {
  return routes.get(stream);
}

/** Most distinct services whose target lists are cached; past it, lists are computed per event. */
export const ROUTE_CACHE_LIMIT = 100_000;

/**
 * Picks, per service, the targets whose stream wants it: targets without a
 * route always, routed ones when their matcher says yes. The answer is
 * computed once per distinct service and cached (bounded), so routing costs
 * one Map lookup per event.
 *
 * @example
 * const router = new ServiceRouter(rules.map((r) => ({ stream: r.stream, owner: r })));
 * for (const t of router.targets(event.service)) t.stream(event);
 */
export class ServiceRouter<T extends { readonly stream: Stream<Event> }> {
  private readonly cache = new Map<string, readonly T[]>();
  private readonly matchers: (ServiceMatcher | undefined)[];

  constructor(private readonly all: readonly T[]) {
    this.matchers = all.map((t) => routeOf(t.stream));
  }

  /** The targets for `service`, in the order given to the constructor. */
  targets(service: string): readonly T[] {
    const cached = this.cache.get(service);
    if (cached !== undefined) return cached;
    const picked: T[] = [];
    for (let i = 0; i < this.all.length; i++) {
      const matcher = this.matchers[i];
      if (matcher === undefined || matcher(service)) picked.push(this.all[i]!);
    }
    if (this.cache.size < ROUTE_CACHE_LIMIT) this.cache.set(service, picked);
    return picked;
  }
}
