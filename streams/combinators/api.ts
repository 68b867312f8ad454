/**
 * The combinators of this folder bound to a context, as rule authors see them
 * (no `ctx` argument). Filled in as combinators are added.
 */
import type { StreamContext } from "../stream.ts";

/** Binds every combinator in this folder to `ctx`. */
export function bindCombinators(_ctx: StreamContext) {
  return {};
}
