/**
 * Helpers for unit tests of streams: a context on a virtual clock that
 * records errors instead of reporting them, and a sink that collects what a
 * stream emits. Test-only; nothing in the engine imports this file.
 */
import { VirtualClock } from "./clock.ts";
import { makeEvent, type Event } from "./event.ts";
import type { Stream, StreamContext } from "./stream.ts";

/** A context on a `VirtualClock` starting at `start`; thrown errors are kept in `errors`. */
export function testContext(start = 0): { ctx: StreamContext; clock: VirtualClock; errors: { error: unknown; where: string; input: unknown }[] } {
  const clock = new VirtualClock(start);
  const errors: { error: unknown; where: string; input: unknown }[] = [];
  const ctx: StreamContext = { clock, onError: (error, where, input) => errors.push({ error, where, input }) };
  return { ctx, clock, errors };
}

/** A stream that records every input, and the array it records into. */
export function collect<T = Event>(): { stream: Stream<T>; items: T[] } {
  const items: T[] = [];
  return { stream: (x: T) => void items.push(x), items };
}

/** A full-shaped event with defaults host "h", service "s", time 0. */
export function ev(fields: Partial<Event> = {}): Event {
  return makeEvent({ host: "h", service: "s", time: 0, ...fields });
}
