/**
 * The streams API a rule author receives: every combinator bound to the
 * rule's context (its clock and error sink), so rule code never passes a
 * context around and never touches wall time.
 */
import { bindCombinators } from "./combinators/api.ts";
import { bindIndexStreams } from "./eventindex/api.ts";
import type { StreamContext } from "./stream.ts";
import { bindWindows } from "./windows/api.ts";

/**
 * All combinators bound to `ctx`.
 *
 * @example
 * const s = createStreams(ctx);
 * const rule = s.where((e) => e.service === "load", s.throttle(1, 60, log));
 */
export function createStreams(ctx: StreamContext) {
  return { ...bindCombinators(ctx), ...bindWindows(ctx), ...bindIndexStreams(ctx) };
}

/** The type of the bound streams API. */
export type Streams = ReturnType<typeof createStreams>;
