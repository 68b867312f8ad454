/**
 * The combinators of this folder bound to a context, as rule authors see them
 * (no `ctx` argument), plus the folds. Each binding is written out with its
 * types so editors show rule authors the real signatures.
 */
import type { Event } from "../event.ts";
import { folds } from "../folds.ts";
import type { Events, Stream, StreamContext } from "../stream.ts";
import { by, type ByKey, type ByOptions, type ByStream } from "./by.ts";
import { changed, changedPairs, changedState, type ChangedSpec, type ChangedStateSpec } from "./changed.ts";
import { counter } from "./counter.ts";
import { ddt } from "./ddt.ts";
import { ewma, ewmaTimeless } from "./ewma.ts";
import { expired, notExpired } from "./expired.ts";
import { hysteresis, type HysteresisSpec } from "./hysteresis.ts";
import { project, type Slots } from "./project.ts";
import { scale } from "./scale.ts";
import { sdo } from "./sdo.ts";
import { service, type ServiceMatch } from "./service.ts";
import { smap, smapcat } from "./smap.ts";
import { split, type SplitCase } from "./split.ts";
import { sreduce, sreduceFromFirst } from "./sreduce.ts";
import { tag, untag } from "./tag.ts";
import { tagged, taggedAll, taggedAny } from "./tagged.ts";
import { where } from "./where.ts";
import { defaults, withFields, type EventFields } from "./with-fields.ts";

/**
 * Binds every combinator in this folder to `ctx`. The result also carries
 * `folds` (sum, mean, max, min, count, fraction, median, stdDev, quotient),
 * so a rule writes `s.smap(s.folds.mean, index)`.
 *
 * @example
 * const s = bindCombinators(ctx);
 * const rule = s.where((e) => e.service === "load", s.changedState({ init: "ok" }, page));
 */
export function bindCombinators(ctx: StreamContext) {
  return {
    where: (pred: (e: Event) => boolean, ...children: Stream<Event>[]): Stream<Event> => where(ctx, pred, ...children),
    service: (match: ServiceMatch, ...children: Stream<Event>[]): Stream<Event> => service(ctx, match, ...children),
    split: (cases: readonly SplitCase[], otherwise?: Stream<Event>): Stream<Event> => split(ctx, cases, otherwise),
    smap: <A, B>(f: (input: A) => B | undefined | null, ...children: Stream<B>[]): Stream<A> => smap(ctx, f, ...children),
    smapcat: <A, B>(f: (input: A) => Iterable<B> | undefined | null, ...children: Stream<B>[]): Stream<A> => smapcat(ctx, f, ...children),
    sreduce: <T, A>(f: (acc: A, input: T) => A, init: A, ...children: Stream<A>[]): Stream<T> => sreduce(ctx, f, init, ...children),
    sreduceFromFirst: <T>(f: (acc: T, input: T) => NoInfer<T>, ...children: Stream<T>[]): Stream<T> => sreduceFromFirst(ctx, f, ...children),
    sdo: <T>(...children: Stream<T>[]): Stream<T> => sdo(ctx, ...children),
    by: (key: ByKey, factory: (key: string, first: Event) => Stream<Event>, options?: ByOptions): ByStream => by(ctx, key, factory, options),
    changed: (spec: ChangedSpec, ...children: Stream<Event>[]): Stream<Event> => changed(ctx, spec, ...children),
    changedPairs: (spec: ChangedSpec, ...children: Stream<readonly [previous: Event | undefined, current: Event]>[]): Stream<Event> =>
      changedPairs(ctx, spec, ...children),
    changedState: (spec: ChangedStateSpec, ...children: Stream<Event>[]): ByStream => changedState(ctx, spec, ...children),
    tagged: (tags: readonly string[] | string, ...children: Stream<Event>[]): Stream<Event> => tagged(ctx, tags, ...children),
    taggedAll: (tags: readonly string[] | string, ...children: Stream<Event>[]): Stream<Event> => taggedAll(ctx, tags, ...children),
    taggedAny: (tags: readonly string[] | string, ...children: Stream<Event>[]): Stream<Event> => taggedAny(ctx, tags, ...children),
    expired: (...children: Stream<Event>[]): Stream<Event> => expired(ctx, ...children),
    notExpired: (...children: Stream<Event>[]): Stream<Event> => notExpired(ctx, ...children),
    withFields: <T extends Event | Events = Event>(fields: EventFields, ...children: Stream<T>[]): Stream<T> => withFields<T>(ctx, fields, ...children),
    defaults: (fields: EventFields, ...children: Stream<Event>[]): Stream<Event> => defaults(ctx, fields, ...children),
    tag: (tags: readonly string[] | string, ...children: Stream<Event>[]): Stream<Event> => tag(ctx, tags, ...children),
    untag: (tags: readonly string[] | string, ...children: Stream<Event>[]): Stream<Event> => untag(ctx, tags, ...children),
    scale: (factor: number, ...children: Stream<Event>[]): Stream<Event> => scale(ctx, factor, ...children),
    counter: (...children: Stream<Event>[]): Stream<Event> => counter(ctx, ...children),
    ewmaTimeless: (r: number, ...children: Stream<Event>[]): Stream<Event> => ewmaTimeless(ctx, r, ...children),
    ewma: (halflifeSeconds: number, ...children: Stream<Event>[]): Stream<Event> => ewma(ctx, halflifeSeconds, ...children),
    ddt: (...children: Stream<Event>[]): Stream<Event> => ddt(ctx, ...children),
    project: (preds: readonly ((e: Event) => boolean)[], ...children: Stream<Slots>[]): Stream<Event> => project(ctx, preds, ...children),
    hysteresis: (spec: HysteresisSpec, ...children: Stream<Event>[]): Stream<Event> => hysteresis(ctx, spec, ...children),
    folds,
  };
}
