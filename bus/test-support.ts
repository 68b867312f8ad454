/**
 * Helpers for bus tests (the conformance suite, the Kafka integration tests,
 * the fuzz tests): a `Watch` that turns "wait until this holds" into a
 * promise settled by the code that changes the state, with a timeout and no
 * polling sleeps, and a `Recorder` handler that keeps every delivery.
 */
import type { BatchHandler, HandlerResult, Origin } from "./bus.ts";
import { makeEvent, type Event } from "../streams/event.ts";

interface Wait {
  readonly pred: () => boolean;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Conditions waited on. Whoever changes the state calls `check()`; a wait
 * whose predicate holds then resolves, and one still false after its timeout
 * rejects with a message naming what was awaited and what `describe` said.
 *
 * @example
 * const watch = new Watch();
 * let n = 0;
 * const done = watch.until(() => n >= 3, 5_000, "three deliveries");
 * n = 3; watch.check();
 * await done;
 */
export class Watch {
  private readonly waits = new Set<Wait>();

  /** Re-evaluates every pending wait. */
  check(): void {
    for (const w of this.waits) {
      let ok: boolean;
      try {
        ok = w.pred();
      } catch (err) {
        this.waits.delete(w);
        clearTimeout(w.timer);
        w.reject(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      if (ok) {
        this.waits.delete(w);
        clearTimeout(w.timer);
        w.resolve();
      }
    }
  }

  /** Resolves once `pred()` holds at a `check()` (or now); rejects after `timeoutMs`. */
  until(pred: () => boolean, timeoutMs: number, what: string, describe: () => string = () => ""): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const w: Wait = {
        pred,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waits.delete(w);
          const state = describe();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state ? ` (${state})` : ""}`));
        }, timeoutMs),
      };
      this.waits.add(w);
    });
  }
}

/** One batch a `Recorder` received. */
export interface Delivery {
  readonly events: readonly unknown[];
  readonly origin: Origin;
}

/**
 * A handler that records deliveries and checks its `watch` after each, once
 * at once and once on the next turn (after the bus counted the handler's
 * result). `respond` decides what the handler returns (default: all
 * accepted); several recorders may share one `watch`.
 *
 * @example
 * const rec = new Recorder();
 * await bus.subscribe("events", rec.handler);
 * await rec.watch.until(() => rec.events.length >= 100, 10_000, "100 events");
 */
export class Recorder {
  readonly deliveries: Delivery[] = [];
  readonly events: unknown[] = [];
  private readonly check = (): void => this.watch.check();

  constructor(
    private readonly respond: (events: readonly unknown[], origin: Origin) => HandlerResult | void | Promise<HandlerResult | void> = (events) => ({ accepted: events.length, rejected: [] }),
    readonly watch: Watch = new Watch(),
  ) {}

  readonly handler: BatchHandler = (events, origin) => {
    this.deliveries.push({ events, origin });
    for (const e of events) this.events.push(e);
    try {
      return this.respond(events, origin);
    } finally {
      this.watch.check();
      setImmediate(this.check);
    }
  };
}

/**
 * `count` events numbered from `from`: host `host-(i % hosts)`, service
 * "seq", metric i, time `time`. The metric is the event's identity in tests.
 *
 * @example
 * numbered(0, 4, 2).map((e) => `${e.host}/${e.metric}`); // ["host-0/0", "host-1/1", "host-0/2", "host-1/3"]
 */
export function numbered(from: number, count: number, hosts: number, time = 1_700_000_000): Event[] {
  const out: Event[] = [];
  for (let i = from; i < from + count; i++) out.push(makeEvent({ host: `host-${i % hosts}`, service: "seq", time, metric: i }));
  return out;
}

/**
 * The metric of a recorded event (its identity in `numbered` events).
 *
 * @example
 * rec.events.map(idOf); // [0, 1, 2, ...]
 */
export function idOf(e: unknown): number {
  return (e as { metric: number }).metric;
}

/**
 * Problems with per-host order in `events`: for each host, metrics must
 * increase. Returns the first few violations as sentences (empty when fine).
 *
 * @example
 * orderProblems([{ host: "a", metric: 2 }, { host: "a", metric: 1 }]); // ["host a: 1 after 2"]
 */
export function orderProblems(events: readonly unknown[]): string[] {
  const last = new Map<string, number>();
  const problems: string[] = [];
  for (const e of events) {
    const { host, metric } = e as { host: string; metric: number };
    const prev = last.get(host);
    if (prev !== undefined && metric <= prev && problems.length < 5) problems.push(`host ${host}: ${metric} after ${prev}`);
    last.set(host, metric);
  }
  return problems;
}
