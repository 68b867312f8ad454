/**
 * The windowed combinators of this folder bound to a context, as rule authors see them
 * (no `ctx` argument). Filled in as combinators are added.
 */
import type { StreamContext } from "../stream.ts";

/** Binds every windowed combinator in this folder to `ctx`. */
export function bindWindows(_ctx: StreamContext) {
  return {};
}
