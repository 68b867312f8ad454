/**
 * `hysteresis`: flap damping on a metric (or any condition), Satellite's
 * `hysteresis?` recipe as a stream. A series turns "critical" when it crosses
 * a trigger threshold and stays critical until it falls back past a lower
 * hold threshold, so a metric wobbling around one threshold does not flap
 * between pages and resolves.
 */
import { EXPIRED, isExpired, type Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { checkFinite, checkFunction } from "./checks.ts";

/** Settings shared by every form of `hysteresis`. */
export interface HysteresisCommon {
  /** State set while triggered. Default "critical". */
  readonly triggeredState?: string;
  /** State set while not triggered. Default "ok". */
  readonly clearState?: string;
  /** Emit only when the output state changes (see `hysteresis`). Default false: every event is emitted. */
  readonly changesOnly?: boolean;
}

/** Rising threshold: triggered when value > `triggerAbove`, held while value > `holdAbove`. */
export interface HysteresisAbove extends HysteresisCommon {
  readonly triggerAbove: number;
  /** Must be ≤ `triggerAbove`. */
  readonly holdAbove: number;
  /** The value compared. Default: the event's metric. `undefined` (or NaN) means "no value". */
  readonly key?: (e: Event) => number | undefined;
  readonly triggerBelow?: never;
  readonly holdBelow?: never;
  readonly trigger?: never;
  readonly hold?: never;
}

/** Falling threshold: triggered when value < `triggerBelow`, held while value < `holdBelow`. */
export interface HysteresisBelow extends HysteresisCommon {
  readonly triggerBelow: number;
  /** Must be ≥ `triggerBelow`. */
  readonly holdBelow: number;
  /** The value compared. Default: the event's metric. `undefined` (or NaN) means "no value". */
  readonly key?: (e: Event) => number | undefined;
  readonly triggerAbove?: never;
  readonly holdAbove?: never;
  readonly trigger?: never;
  readonly hold?: never;
}

/** Any condition, e.g. on state: triggered when `trigger(e)`, held while `hold(e)`. */
export interface HysteresisWhen extends HysteresisCommon {
  /** Should imply `hold` (whatever triggers also holds). */
  readonly trigger: (e: Event) => boolean;
  readonly hold: (e: Event) => boolean;
  readonly triggerAbove?: never;
  readonly holdAbove?: never;
  readonly triggerBelow?: never;
  readonly holdBelow?: never;
  readonly key?: never;
}

/** The settings of `hysteresis`: one of the three forms plus the common settings. */
export type HysteresisSpec = HysteresisAbove | HysteresisBelow | HysteresisWhen;

const metricOf = (e: Event): number | undefined => e.metric;

/** Which form a spec is: rising or falling threshold on a value, or any condition. */
const ABOVE = 0;
const BELOW = 1;
const WHEN = 2;

/**
 * A validated spec, flat: the stream keeps these in its own closure, so one
 * instance is one closure (plus its fanout) — `hysteresis` often runs once per
 * series inside a `by`, where every object an event has to touch counts.
 */
interface Compiled {
  readonly form: typeof ABOVE | typeof BELOW | typeof WHEN;
  /** The value compared (threshold forms). */
  readonly key: (e: Event) => number | undefined;
  /** Threshold forms: the higher and the lower threshold (triggerAbove / holdAbove, or holdBelow / triggerBelow). */
  readonly hi: number;
  readonly lo: number;
  /** Condition form. */
  readonly trigger: (e: Event) => boolean;
  readonly hold: (e: Event) => boolean;
}

const never = (): boolean => false;

function compile(spec: HysteresisSpec): Compiled {
  const s = spec as {
    triggerAbove?: number; holdAbove?: number; triggerBelow?: number; holdBelow?: number;
    trigger?: (e: Event) => boolean; hold?: (e: Event) => boolean; key?: (e: Event) => number | undefined;
  };
  const forms = [s.triggerAbove !== undefined || s.holdAbove !== undefined, s.triggerBelow !== undefined || s.holdBelow !== undefined, s.trigger !== undefined || s.hold !== undefined];
  if (forms.filter(Boolean).length !== 1) {
    throw new TypeError("hysteresis: give exactly one of {triggerAbove, holdAbove}, {triggerBelow, holdBelow} or {trigger, hold}");
  }
  if (forms[2]) {
    const trigger = checkFunction("hysteresis", "trigger", s.trigger!);
    const hold = checkFunction("hysteresis", "hold", s.hold!);
    return { form: WHEN, key: metricOf, hi: 0, lo: 0, trigger, hold };
  }
  const key = s.key === undefined ? metricOf : checkFunction("hysteresis", "key", s.key);
  if (forms[0]) {
    const hi = checkFinite("hysteresis", "triggerAbove", s.triggerAbove!);
    const lo = checkFinite("hysteresis", "holdAbove", s.holdAbove!);
    if (lo > hi) throw new RangeError(`hysteresis: holdAbove (${lo}) must be <= triggerAbove (${hi})`);
    return { form: ABOVE, key, hi, lo, trigger: never, hold: never };
  }
  const lo = checkFinite("hysteresis", "triggerBelow", s.triggerBelow!);
  const hi = checkFinite("hysteresis", "holdBelow", s.holdBelow!);
  if (hi < lo) throw new RangeError(`hysteresis: holdBelow (${hi}) must be >= triggerBelow (${lo})`);
  return { form: BELOW, key, hi, lo, trigger: never, hold: never };
}

/**
 * Turns events into "critical" / "ok" states with hysteresis, as Satellite's
 * `hysteresis?` (trigger / hold) does. The held flag starts false ("ok").
 * For each live event:
 *
 *     triggered := trigger(e) || (hold(e) && triggered)
 *
 * so a value past the trigger threshold sets it, a value no longer past the
 * hold threshold clears it, and a value in the band between keeps the
 * previous state. With `{ triggerAbove: 0.9, holdAbove: 0.7 }` on metrics
 * `0.5 0.95 0.8 0.75 0.6 0.8` the states are `ok critical critical critical
 * ok ok`. `{ triggerBelow, holdBelow }` is the same for falling values (free
 * disk, fraction of hosts up); `{ trigger, hold }` takes any predicates
 * (e.g. on state: trigger on "critical", hold while not "ok").
 *
 * Output: each event is passed on with `state` set to `triggeredState`
 * ("critical") or `clearState` ("ok"); an event that already has that state
 * passes as the same object. Exact rules:
 *
 * - Threshold forms compare strictly (`>` / `<`), like Satellite's numeric
 *   form (`metric > n`): with `holdAbove: 0.7`, a metric of exactly 0.7 clears.
 * - An event with no value (no metric, or `key` gives `undefined` / NaN)
 *   does not move the state; it is emitted with the current state.
 * - Expired events (state "expired", or TTL run out at `ctx.clock.now()`) do
 *   not move the state (Satellite updates only on live events). An event in
 *   state "expired" is passed on unchanged, so expiry still reaches the
 *   children; a stale event in another state is emitted with the current
 *   state.
 * - `changesOnly: true` emits an event only when its output state differs
 *   from the last one emitted, starting from `clearState`: the first
 *   critical event, the first ok after it, an expiry, the first live event
 *   after an expiry. It is the same as following the default form with
 *   `changed(ctx, { init: clearState })`.
 * - A throw from `key`, `trigger` or `hold` is reported through
 *   `ctx.onError` (where "hysteresis"); the event is dropped and the state
 *   kept.
 *
 * One `hysteresis` keeps one state: use it inside `by(ctx, ["host",
 * "service"], …)` so each series has its own, as Satellite's docstring says.
 *
 * Differs from Satellite: a stream that sets states instead of a predicate
 * (use `where(ctx, (e) => e.state === "critical", …)` downstream for the
 * predicate), with named thresholds instead of numbers-or-functions, and a
 * falling-threshold form.
 *
 * @example
 * // Page when swap use goes above 90 %, resolve only once it is back under 70 %.
 * by(ctx, ["host", "service"], () =>
 *   hysteresis(ctx, { triggerAbove: 0.9, holdAbove: 0.7, changesOnly: true }, pagerduty));
 */
export function hysteresis(ctx: StreamContext, spec: HysteresisSpec, ...children: Stream<Event>[]): Stream<Event> {
  const { form, key, hi, lo, trigger, hold } = compile(spec);
  const on = spec.triggeredState ?? "critical";
  const off = spec.clearState ?? "ok";
  if (typeof on !== "string" || typeof off !== "string" || on === off || on === EXPIRED || off === EXPIRED) {
    throw new TypeError(`hysteresis: triggeredState and clearState must be two different strings other than "${EXPIRED}"`);
  }
  const changesOnly = spec.changesOnly === true;
  const out = fanout(ctx, "hysteresis", children);
  const clock = ctx.clock;
  const onError = ctx.onError;
  let triggered = false;
  let lastEmitted: string = off;

  return function hysteresisStream(e: Event): void {
    let state: string;
    if (e.state === EXPIRED) {
      state = EXPIRED;
    } else {
      try {
        if (!isExpired(e, clock.now())) {
          if (form === WHEN) {
            // `?? triggered`: a predicate that returns nothing (untyped code) leaves the state as it was.
            triggered = (trigger(e) || (hold(e) && triggered)) ?? triggered;
          } else {
            const v = key(e);
            // No value (undefined, or NaN) does not move the state.
            if (v !== undefined && v !== null && !Number.isNaN(v)) triggered = form === ABOVE ? v > hi || (v > lo && triggered) : v < lo || (v < hi && triggered);
          }
        }
      } catch (err) {
        onError(err, "hysteresis", e);
        return;
      }
      state = triggered ? on : off;
    }
    if (changesOnly) {
      if (state === lastEmitted) return;
      lastEmitted = state;
    }
    out(e.state === state ? e : { ...e, state });
  };
}
