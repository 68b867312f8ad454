/**
 * The cluster-aggregate and index streams of this folder bound to a context,
 * as rule authors see them (no `ctx` argument).
 */
import type { Event } from "../event.ts";
import type { Stream, StreamContext } from "../stream.ts";
import { clusterCount, clusterFraction, type ClusterSpec } from "./cluster.ts";

/**
 * Binds the index-backed streams to `ctx`.
 *
 * @example
 * const s = bindIndexStreams(ctx);
 * const rule = s.clusterFraction({ service: "swap", predicate: (e) => (e.metric ?? 0) > 0 }, alertWhenAbove20Percent);
 */
export function bindIndexStreams(ctx: StreamContext) {
  return {
    /** See `clusterFraction` in streams/eventindex/cluster.ts. */
    clusterFraction: (spec: ClusterSpec, ...children: Stream<Event>[]): Stream<Event> => clusterFraction(ctx, spec, ...children),
    /** See `clusterCount` in streams/eventindex/cluster.ts. */
    clusterCount: (spec: ClusterSpec, ...children: Stream<Event>[]): Stream<Event> => clusterCount(ctx, spec, ...children),
  };
}
