/**
 * The cluster-aggregate and index streams of this folder bound to a context, as rule authors see them
 * (no `ctx` argument). Filled in as combinators are added.
 */
import type { StreamContext } from "../stream.ts";

/** Binds the index-backed streams to `ctx`. */
export function bindIndexStreams(_ctx: StreamContext) {
  return {};
}
