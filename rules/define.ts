/**
 * The typed API rule authors write against. A rules file default-exports
 * `defineRules(build)`; the loader calls `build(api)` once per load with a
 * `RuleApi`: every stream combinator bound to the file's own context (its
 * clock and error sink), plus emitter streams (`page`, `resolve`, `drain`,
 * `blacklist`, `restore`, `index`, `forward`, `log`) that turn events into
 * `Intent`s for the file's `IntentSink`. Options are validated when `build`
 * runs, so a bad severity or a missing reason rejects the load instead of
 * failing at 3 a.m.
 */
import { createStreams, type Streams } from "../streams/api.ts";
import type { Event } from "../streams/event.ts";
import type { Events, Stream, StreamContext } from "../streams/stream.ts";
import { isClusterEvent, SEVERITIES, truncateSummary, type IntentSink, type PageAlerting, type PageIntent, type Severity } from "./intents.ts";

/** Text computed from the event that triggered an emitter (or given as a constant). */
export type TextOf = string | ((event: Event) => string);

/** Options of `page`. */
export interface PageOptions {
  /** The page's name, unique in spirit within the file; the intent's rule is `<file>/<name>`. */
  readonly name: string;
  /** One of PagerDuty's four severities: "critical", "error", "warning", "info". */
  readonly severity: Severity;
  /** The alert title (truncated to 1024 characters). A function gets the last event and all the evidence. */
  readonly summary: string | ((event: Event, evidence: readonly Event[]) => string);
  /** What the alert is about; default `${host}/${service}` of the (last) event, or "*" for a cluster event. */
  readonly subject?: ((event: Event) => string) | undefined;
  /**
   * How alerting treats this page: `forSeconds`, `resolveAfterSeconds`,
   * `renotifySeconds` (seconds >= 0), `groupBy` ("rule" | "none"), `routing`
   * (a routing-key name). Unset fields take the alerting part's defaults.
   */
  readonly alerting?: PageAlerting | undefined;
}

/** Options of `resolve`: the `name` (and `subject`) of the page to close. */
export interface ResolveOptions {
  /** Name of a `page` in the same file. */
  readonly name: string;
  /** Must compute the same subject as the page's `subject` for the alert to close. */
  readonly subject?: ((event: Event) => string) | undefined;
  /** Optional note carried on the resolve. */
  readonly summary?: TextOf | undefined;
}

/** Options of `drain`. */
export interface DrainOptions {
  /** Why, recorded in the host's history and shown to operators. */
  readonly reason: TextOf;
  /** How long the drain lasts, in seconds; default: until restored. */
  readonly ttlSeconds?: number | undefined;
}

/** Options of `blacklist`. */
export interface BlacklistOptions {
  /** Why, recorded in the host's history and shown to operators. */
  readonly reason: TextOf;
  /** How long the blacklisting lasts, in seconds (required: a blacklisting always expires). */
  readonly ttlSeconds: number;
}

/** Options of `restore`. */
export interface RestoreOptions {
  /** Why the rule no longer objects to the host. */
  readonly reason: TextOf;
}

/**
 * The rule-specific half of `RuleApi`: emitters, the clock, the file's name.
 * Every emitter returns a stream; each input it receives produces one intent
 * (deduplication of repeated pages is the alerting part's job, by `key`).
 * Intent times are the rule's clock time, not the event's. Members are
 * plain functions (no `this`), so `const { page, log } = r` works.
 */
export interface RuleEmitters {
  /** The rule file's name: its file name without `.rules.ts` (for example "swap"). */
  readonly ruleName: string;
  /** The rule's clock, in unix seconds (never wall time under a virtual clock). */
  readonly now: () => number;
  /** Opens an alert per input: an event, or a window (subject from its last event, evidence all of it). Empty windows are ignored. */
  readonly page: (options: PageOptions) => Stream<Event | Events>;
  /** Closes the alert that `page` with the same name opened for the same subject. */
  readonly resolve: (options: ResolveOptions) => Stream<Event | Events>;
  /** Asks the scheduler to drain the event's host. A cluster event (host "*") is an error. */
  readonly drain: (options: DrainOptions) => Stream<Event>;
  /** Asks the scheduler to blacklist the event's host for `ttlSeconds`. */
  readonly blacklist: (options: BlacklistOptions) => Stream<Event>;
  /** Tells the scheduler this rule no longer objects to the event's host. */
  readonly restore: (options: RestoreOptions) => Stream<Event>;
  /** Keeps each event in the engine's index. */
  readonly index: () => Stream<Event>;
  /** Sends each event to the output named `target` (for example "elasticsearch"). */
  readonly forward: (target: string) => Stream<Event>;
  /** Logs each event, with an optional message. */
  readonly log: (message?: TextOf) => Stream<Event>;
}

/**
 * What `build` receives: every combinator of `createStreams` bound to the
 * file's context, plus `RuleEmitters`. Where a combinator and an emitter share
 * a name the emitter wins.
 */
export type RuleApi = Omit<Streams, keyof RuleEmitters> & RuleEmitters;

/** A rules file's body: builds its streams from the API; returns one stream or several. */
export type RuleBuild = (api: RuleApi) => Stream<Event> | readonly Stream<Event>[];

/** What `defineRules` returns and a rules file default-exports. Opaque to authors. */
export interface RuleDefinition {
  readonly build: RuleBuild;
}

const definitions = new WeakSet<RuleDefinition>();

/**
 * Declares a rules file. The file's default export must be its result; the
 * loader calls `build` once per (re)load with the file's `RuleApi` and feeds
 * every event to the stream(s) it returns. The rule's name is its file name
 * (`swap.rules.ts` → "swap"); there is deliberately no second way to name it.
 *
 * @example
 * import { defineRules } from "satellite";
 *
 * export default defineRules((r) =>
 *   r.page({ name: "down", severity: "critical", summary: (e) => `${e.host} is ${e.state}` }),
 * );
 */
export function defineRules(build: RuleBuild): RuleDefinition {
  if (typeof build !== "function") {
    throw new TypeError(`defineRules: expected a build function (api) => stream, got ${describe(build)}`);
  }
  const definition: RuleDefinition = Object.freeze({ build });
  definitions.add(definition);
  return definition;
}

/**
 * True when `value` was made by `defineRules` (in this process).
 *
 * @example
 * if (!isRuleDefinition(module.default)) throw new Error("export default defineRules(...)");
 */
export function isRuleDefinition(value: unknown): value is RuleDefinition {
  return typeof value === "object" && value !== null && definitions.has(value as RuleDefinition);
}

/**
 * A rule option that is missing or invalid; the message names the emitter
 * and the option, what was expected and what came. Thrown while `build`
 * runs, so the loader rejects the file at the offending call.
 *
 * @example
 * r.page({ name: "p", severity: "sev1" as Severity, summary: "x" });
 * // RuleOptionError: page({ name: "p" }): option "severity" must be one of "critical", "error", "warning", "info", got "sev1"
 */
export class RuleOptionError extends Error {
  override readonly name = "RuleOptionError";
}

function describe(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    case "undefined":
      return "undefined";
    case "symbol":
      return value.toString();
    case "function":
      return "a function";
    default:
      return value === null ? "null" : Array.isArray(value) ? "an array" : "an object";
  }
}

function fail(call: string, option: string, expected: string, got: unknown): never {
  throw new RuleOptionError(`${call}: option "${option}" must be ${expected}, got ${describe(got)}`);
}

function checkOptions(call: string, options: unknown): Record<string, unknown> {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new RuleOptionError(`${call}: expected an options object, got ${describe(options)}`);
  }
  return options as Record<string, unknown>;
}

function checkName(call: string, o: Record<string, unknown>): string {
  if (typeof o.name !== "string" || o.name.length === 0) fail(call, "name", "a non-empty string", o.name);
  return o.name;
}

function checkText(call: string, option: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value === "function") return;
  if (typeof value !== "string" || value.length === 0) fail(call, option, "a non-empty string or a function of the event", value);
}

function checkSubject(call: string, o: Record<string, unknown>): ((event: Event) => string) | undefined {
  if (o.subject !== undefined && typeof o.subject !== "function") fail(call, "subject", "a function of the event", o.subject);
  return o.subject as ((event: Event) => string) | undefined;
}

function checkTtl(call: string, value: unknown, required: boolean): number | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) fail(call, "ttlSeconds", "a finite number of seconds > 0", value);
  return value;
}

const ALERTING_FIELDS: readonly string[] = ["forSeconds", "resolveAfterSeconds", "renotifySeconds", "groupBy", "routing"];

function checkAlerting(call: string, value: unknown): PageAlerting | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(call, "alerting", "an object", value);
  const a = value as Record<string, unknown>;
  for (const field of Object.keys(a)) {
    if (!ALERTING_FIELDS.includes(field)) throw new RuleOptionError(`${call}: option "alerting.${field}" is not known (known: ${ALERTING_FIELDS.join(", ")})`);
  }
  for (const field of ["forSeconds", "resolveAfterSeconds", "renotifySeconds"]) {
    const v = a[field];
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < 0)) fail(call, `alerting.${field}`, "a finite number of seconds >= 0", v);
  }
  if (a.groupBy !== undefined && a.groupBy !== "rule" && a.groupBy !== "none") fail(call, "alerting.groupBy", '"rule" or "none"', a.groupBy);
  if (a.routing !== undefined && (typeof a.routing !== "string" || a.routing.length === 0)) fail(call, "alerting.routing", "a non-empty string (a routing-key name)", a.routing);
  const policy: Record<string, unknown> = {};
  for (const field of ALERTING_FIELDS) if (a[field] !== undefined) policy[field] = a[field];
  return Object.freeze(policy);
}

function textFn(text: TextOf): (event: Event) => string {
  return typeof text === "function" ? text : () => text;
}

/** The default subject: `${host}/${service}`, or "*" for a cluster event. */
function defaultSubject(event: Event): string {
  return isClusterEvent(event) ? "*" : `${event.host}/${event.service}`;
}

/** What `createRuleApi` returns besides the API: a check to run after `build`. */
export interface RuleApiHandle {
  readonly api: RuleApi;
  /**
   * Throws when the file resolves a page name it never pages (such a resolve
   * could never close anything). The error's stack points at the `resolve` call.
   */
  readonly checkDeclarations: () => void;
}

/**
 * Builds the API handed to one rules file's `build`: `createStreams(ctx)`
 * plus emitters writing to `sink` under the name `ruleName`.
 *
 * @example
 * const { api, checkDeclarations } = createRuleApi("swap", ctx, sink);
 * const streams = definition.build(api);
 * checkDeclarations();
 */
export function createRuleApi(ruleName: string, ctx: StreamContext, sink: IntentSink): RuleApiHandle {
  const clock = ctx.clock;
  const pages = new Set<string>();
  const resolves: { name: string; site: RuleOptionError }[] = [];

  function keyed(call: string, options: unknown) {
    const o = checkOptions(call, options);
    const name = checkName(call, o);
    const named = `${call.slice(0, -2)}({ name: ${JSON.stringify(name)} })`; // "page()" → 'page({ name: "x" })' in later errors
    const rule = `${ruleName}/${name}`;
    return { o, name, call: named, rule, prefix: `${rule}:`, subjectOf: checkSubject(named, o) ?? defaultSubject };
  }

  const emitters: RuleEmitters = {
    ruleName,
    now: () => clock.now(),

    page(options: PageOptions): Stream<Event | Events> {
      const { o, name, call, rule, prefix, subjectOf } = keyed("page()", options);
      if (!(SEVERITIES as readonly unknown[]).includes(o.severity)) fail(call, "severity", `one of ${SEVERITIES.map((s) => `"${s}"`).join(", ")}`, o.severity);
      const severity = o.severity as Severity;
      if (typeof o.summary !== "function" && (typeof o.summary !== "string" || o.summary.length === 0)) {
        fail(call, "summary", "a non-empty string or a function of the event", o.summary);
      }
      const summaryOf = o.summary as PageOptions["summary"];
      const alerting = checkAlerting(call, o.alerting);
      pages.add(name);
      return function pageStream(input: Event | Events): void {
        let last: Event;
        let evidence: readonly Event[];
        if (Array.isArray(input)) {
          const window = input as Events;
          if (window.length === 0) return;
          last = window[window.length - 1]!;
          evidence = window.slice(); // windows may reuse their buffers
        } else {
          last = input as Event;
          evidence = [last];
        }
        const cluster = isClusterEvent(last);
        const intent: PageIntent = {
          kind: "page",
          rule,
          key: prefix + subjectOf(last),
          severity,
          summary: truncateSummary(typeof summaryOf === "string" ? summaryOf : summaryOf(last, evidence)),
          time: clock.now(),
          host: cluster ? undefined : last.host,
          service: last.service,
          evidence,
        };
        sink(alerting === undefined ? intent : { ...intent, alerting });
      };
    },

    resolve(options: ResolveOptions): Stream<Event | Events> {
      const { o, name, call, rule, prefix, subjectOf } = keyed("resolve()", options);
      checkText(call, "summary", o.summary, false);
      const summaryOf = o.summary === undefined ? undefined : textFn(o.summary as TextOf);
      resolves.push({ name, site: new RuleOptionError(`${call}: no page named ${JSON.stringify(name)} in this rules file, so this resolve could never close an alert`) });
      return function resolveStream(input: Event | Events): void {
        let last: Event;
        if (Array.isArray(input)) {
          const window = input as Events;
          if (window.length === 0) return;
          last = window[window.length - 1]!;
        } else {
          last = input as Event;
        }
        sink({ kind: "resolve", rule, key: prefix + subjectOf(last), time: clock.now(), summary: summaryOf === undefined ? undefined : truncateSummary(summaryOf(last)) });
      };
    },

    drain(options: DrainOptions): Stream<Event> {
      const o = checkOptions("drain()", options);
      checkText("drain()", "reason", o.reason, true);
      return hostAction("drain", textFn(o.reason as TextOf), checkTtl("drain()", o.ttlSeconds, false));
    },

    blacklist(options: BlacklistOptions): Stream<Event> {
      const o = checkOptions("blacklist()", options);
      checkText("blacklist()", "reason", o.reason, true);
      return hostAction("blacklist", textFn(o.reason as TextOf), checkTtl("blacklist()", o.ttlSeconds, true));
    },

    restore(options: RestoreOptions): Stream<Event> {
      const o = checkOptions("restore()", options);
      checkText("restore()", "reason", o.reason, true);
      return hostAction("restore", textFn(o.reason as TextOf), undefined);
    },

    index(): Stream<Event> {
      return function indexStream(event: Event): void {
        sink({ kind: "index", rule: ruleName, event });
      };
    },

    forward(target: string): Stream<Event> {
      if (typeof target !== "string" || target.length === 0) throw new RuleOptionError(`forward(target): target must be a non-empty string, got ${describe(target)}`);
      return function forwardStream(event: Event): void {
        sink({ kind: "forward", rule: ruleName, target, event });
      };
    },

    log(message?: TextOf): Stream<Event> {
      if (message !== undefined && typeof message !== "string" && typeof message !== "function") {
        throw new RuleOptionError(`log(message): message must be a string or a function of the event, got ${describe(message)}`);
      }
      const messageOf = textFn(message ?? "");
      return function logStream(event: Event): void {
        sink({ kind: "log", rule: ruleName, message: messageOf(event), event });
      };
    },
  };

  function hostAction(kind: "drain" | "blacklist" | "restore", reasonOf: (event: Event) => string, ttl: number | undefined): Stream<Event> {
    return function hostActionStream(event: Event): void {
      if (isClusterEvent(event)) {
        throw new Error(`${kind}(): event "${event.service}" is a cluster event (host ${JSON.stringify(event.host)}); host actions need a host`);
      }
      sink({ kind, rule: ruleName, host: event.host, reason: reasonOf(event), ttl, time: clock.now() });
    };
  }

  const api: RuleApi = { ...createStreams(ctx), ...emitters };
  return {
    api,
    checkDeclarations() {
      for (const r of resolves) if (!pages.has(r.name)) throw r.site;
    },
  };
}
