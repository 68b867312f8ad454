/**
 * Helpers for the Riemann protocol tests: an engine on a virtual clock set
 * to the wall time (so events stamped by real clients are not "in the
 * future", and nothing in the engine depends on timers), a way to await an
 * event reaching the streams, and a timeout for every await on a socket, so
 * a broken server fails a test instead of hanging it.
 */
import { VirtualClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import type { Event } from "../streams/event.ts";

/** An engine whose top-level stream records every event and wakes waiters. */
export interface RecordingEngine {
  readonly engine: Engine;
  readonly clock: VirtualClock;
  /** Every event the streams received, in order. */
  readonly seen: Event[];
  /** Resolves with the first seen event (past or future) matching `pred`; rejects after `timeoutMs`. */
  waitFor(pred: (e: Event) => boolean, timeoutMs?: number): Promise<Event>;
}

/**
 * An `Engine` on a `VirtualClock` started at the current wall time, with a
 * recording top-level stream.
 *
 * @example
 * const { engine, waitFor } = recordingEngine();
 * const server = await startRiemannServer({ engine, port: 0 });
 * await waitFor((e) => e.service === "cpu");
 */
export function recordingEngine(): RecordingEngine {
  const clock = new VirtualClock(Math.floor(Date.now() / 1000));
  const engine = new Engine({ clock });
  const seen: Event[] = [];
  const waiters = new Set<{ pred: (e: Event) => boolean; resolve: (e: Event) => void }>();
  engine.setStream(function record(e) {
    seen.push(e);
    for (const w of waiters) {
      if (w.pred(e)) {
        waiters.delete(w);
        w.resolve(e);
      }
    }
  });
  return {
    engine,
    clock,
    seen,
    waitFor(pred, timeoutMs = 5000) {
      const found = seen.find(pred);
      if (found !== undefined) return Promise.resolve(found);
      return withTimeout(
        new Promise<Event>((resolve) => waiters.add({ pred, resolve })),
        timeoutMs,
        "waiting for an event to reach the streams",
      );
    },
  };
}

/**
 * `promise`, or a rejection naming `what` after `ms` milliseconds.
 *
 * @example
 * const reply = await withTimeout(client.send(msg), 2000, "ack");
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
