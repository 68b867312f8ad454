/**
 * Folds: functions that combine a window of events (from a time or event
 * window, `coalesce`, or `project`) into one event, applied with `smap`:
 * `smap(ctx, folds.mean, index)`. Riemann's `riemann.folds`, lenient
 * variants: missing events (`undefined` slots from `project`) and events
 * without a metric are skipped where that makes sense, and a fold that has
 * nothing to work on returns `undefined` (which `smap` drops) instead of
 * throwing.
 */
import { EXPIRED, type Event } from "./event.ts";

/** What a fold takes: a window of events; `undefined` entries (empty `project` slots) are allowed. */
export type FoldInput = readonly (Event | undefined)[];

/** A fold: a window of events in, one event (or nothing) out. */
export type Fold = (events: FoldInput) => Event | undefined;

function firstWithMetric(events: FoldInput): Event | undefined {
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e !== undefined && e.metric !== undefined) return e;
  }
  return undefined;
}

/**
 * Sum of the metrics of the events that have one, on the first event that
 * has a metric. `undefined` when no event has a metric.
 *
 * Differs from Riemann: Riemann returns the first event with metric 0 when
 * none has a metric.
 *
 * @example
 * coalesce(ctx, 10, smap(ctx, sum, withFields(ctx, { host: "cluster", service: "tasks running" }, index)));
 */
export function sum(events: FoldInput): Event | undefined {
  const first = firstWithMetric(events);
  if (first === undefined) return undefined;
  let total = 0;
  for (const e of events) if (e?.metric !== undefined) total += e.metric;
  return { ...first, metric: total };
}

/**
 * Arithmetic mean of the metrics of the events that have one, on the first
 * event that has a metric. `undefined` when no event has a metric.
 *
 * @example
 * movingEventWindow(ctx, 5, smap(ctx, mean, index));
 */
export function mean(events: FoldInput): Event | undefined {
  const first = firstWithMetric(events);
  if (first === undefined) return undefined;
  let total = 0;
  let n = 0;
  for (const e of events) {
    if (e?.metric !== undefined) {
      total += e.metric;
      n++;
    }
  }
  return { ...first, metric: total / n };
}

/**
 * The event with the largest metric (the event itself, unchanged); on a tie
 * the later one. Events without a metric are skipped; `undefined` when none
 * has one.
 *
 * @example
 * coalesce(ctx, 10, smap(ctx, max, withFields(ctx, { service: "hottest disk" }, index)));
 */
export function max(events: FoldInput): Event | undefined {
  let best: Event | undefined;
  for (const e of events) {
    if (e?.metric !== undefined && (best === undefined || e.metric >= best.metric!)) best = e;
  }
  return best;
}

/**
 * The event with the smallest metric (the event itself, unchanged); on a tie
 * the later one. Events without a metric are skipped; `undefined` when none
 * has one.
 *
 * @example
 * coalesce(ctx, 10, smap(ctx, min, index));
 */
export function min(events: FoldInput): Event | undefined {
  let best: Event | undefined;
  for (const e of events) {
    if (e?.metric !== undefined && (best === undefined || e.metric <= best.metric!)) best = e;
  }
  return best;
}

/**
 * The number of events (metric or not; `undefined` entries are not events),
 * on the first event. Expired events count: filter them out before the
 * window if they should not.
 *
 * Differs from Riemann: an empty window gives `undefined` (there is no
 * event to carry the count) where Riemann returns a bare `{metric: 0}`.
 *
 * @example
 * fixedTimeWindow(ctx, 60, smap(ctx, count, withFields(ctx, { service: "logins per minute" }, index)));
 */
export function count(events: FoldInput): Event | undefined {
  let first: Event | undefined;
  let n = 0;
  for (const e of events) {
    if (e !== undefined) {
      first ??= e;
      n++;
    }
  }
  return first === undefined ? undefined : { ...first, metric: n };
}

/**
 * Makes a fold giving the fraction (0 to 1) of events for which `pred` is
 * true, on the first counted event. Only live events count: `undefined`
 * entries and events in state "expired" are left out of both the numerator
 * and the denominator. `undefined` when no event counts.
 *
 * Not in Riemann's folds; the building block of "fraction of hosts in
 * state X".
 *
 * @example
 * coalesce(ctx, 10, smap(ctx, fraction((e) => e.state === "critical"),
 *   withFields(ctx, { host: "cluster", service: "fraction critical" }, index)));
 */
export function fraction(pred: (e: Event) => boolean): Fold {
  if (typeof pred !== "function") throw new TypeError(`fraction: pred must be a function, got ${typeof pred}`);
  return function fractionFold(events: FoldInput): Event | undefined {
    let first: Event | undefined;
    let n = 0;
    let hits = 0;
    for (const e of events) {
      if (e === undefined || e.state === EXPIRED) continue;
      first ??= e;
      n++;
      if (pred(e)) hits++;
    }
    return first === undefined ? undefined : { ...first, metric: hits / n };
  };
}

/**
 * The median event by metric (the event itself, unchanged), Riemann's
 * nearest-rank rule: of the `n` events with a metric sorted by metric, the
 * one at index `floor(n / 2)` (the upper median when `n` is even). Events
 * without a metric are skipped; `undefined` when none has one.
 *
 * @example
 * fixedTimeWindow(ctx, 60, smap(ctx, median, withFields(ctx, { service: "latency median" }, index)));
 */
export function median(events: FoldInput): Event | undefined {
  const withMetric: Event[] = [];
  for (const e of events) if (e?.metric !== undefined) withMetric.push(e);
  if (withMetric.length === 0) return undefined;
  withMetric.sort((a, b) => a.metric! - b.metric!);
  return withMetric[Math.min(withMetric.length - 1, Math.floor(withMetric.length * 0.5))];
}

/**
 * Population standard deviation of the metrics of the events that have one,
 * on the first event that has a metric. `undefined` when none has one.
 *
 * @example
 * movingEventWindow(ctx, 30, smap(ctx, stdDev, withFields(ctx, { service: "latency stddev" }, index)));
 */
export function stdDev(events: FoldInput): Event | undefined {
  const averaged = mean(events);
  if (averaged === undefined) return undefined;
  const avg = averaged.metric!;
  let squares = 0;
  let n = 0;
  for (const e of events) {
    if (e?.metric !== undefined) {
      squares += (e.metric - avg) ** 2;
      n++;
    }
  }
  return { ...averaged, metric: Math.sqrt(squares / n) };
}

/** Description `quotient` sets when a divisor is zero (Riemann's wording). */
export const DIVIDE_BY_ZERO = "Can't divide by zero";

/** Description `quotient` sets when an event or a metric is missing. */
export const MISSING_OPERAND = "An event or metric was missing";

/**
 * The first event's metric divided by the product of the metrics of all the
 * others, on the first event. Meant for `project`:
 * `project([enqueues, dequeues], smap(quotient, …))`.
 *
 * - No events, or the first is missing (`undefined`): `undefined`.
 * - Another event missing, or any event without a metric: the first event
 *   with metric `undefined` and description "An event or metric was missing".
 * - A divisor of 0: the first event with metric `undefined` and description
 *   "Can't divide by zero" (also for 0 / 0).
 * - Operands are taken left to right and the first problem found decides
 *   which description is set, as in Riemann.
 * - A single event: its own metric.
 *
 * Differs from Riemann: the missing-operand description reads "missing"
 * rather than "nil", and a zero divisor never yields Infinity or NaN
 * (Riemann's floating-point division can).
 *
 * @example
 * project(ctx, [(e) => e.service === "failed", (e) => e.service === "started"],
 *   smap(ctx, quotient, withFields(ctx, { service: "failure ratio" }, index)));
 */
export function quotient(events: FoldInput): Event | undefined {
  const first = events[0];
  if (first === undefined) return undefined;
  let value = first.metric;
  let missing = value === undefined;
  let zero = false;
  for (let i = 1; i < events.length && !missing && !zero; i++) {
    const m = events[i]?.metric;
    if (m === undefined) missing = true;
    else if (m === 0) zero = true;
    else if (value !== undefined) value /= m;
  }
  if (missing) return { ...first, metric: undefined, description: MISSING_OPERAND };
  if (zero) return { ...first, metric: undefined, description: DIVIDE_BY_ZERO };
  return { ...first, metric: value };
}

/**
 * The folds as one object, for rule authors (`s.folds.mean`).
 *
 * @example
 * const s = createStreams(ctx);
 * s.coalesce(10, s.smap(s.folds.sum, index));
 */
export const folds = Object.freeze({ sum, mean, max, min, count, fraction, median, stdDev, quotient });
