/**
 * Reading what a `BatchHandler` returned, shared by both buses: whether it
 * is still running (a thenable) and how many events it rejected. Handlers
 * are user code, so nothing here trusts the value's shape.
 */
import type { HandlerResult } from "./bus.ts";

/**
 * True when a handler returned a promise (or any thenable) still to settle.
 *
 * @example
 * isThenable(engine.submitAll(events)); // false: the engine is synchronous
 */
export function isThenable(value: unknown): value is PromiseLike<HandlerResult | void> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/**
 * Events a handler reported rejected: the length of `result.rejected`, or 0
 * when it reported nothing.
 *
 * @example
 * rejectedCount({ accepted: 9, rejected: [{ index: 3, rejection }] }); // 1
 * rejectedCount(undefined);                                           // 0
 */
export function rejectedCount(result: unknown): number {
  if (typeof result !== "object" || result === null) return 0;
  const rejected = (result as { rejected?: unknown }).rejected;
  return Array.isArray(rejected) ? rejected.length : 0;
}
