/**
 * The authoring side of rule tests: `ruleTest(...)` as written in a
 * `*.rules.test.ts` file, the `RuleHarness` interface its body receives, and
 * the registry the runner reads. Registering does nothing else, so this file
 * can be exported from "satellite" without pulling in the engine or the
 * TypeScript compiler.
 */
import type { Event } from "../../streams/event.ts";
import type { Intent } from "../intents.ts";

/** An event as written in a test: host and service required, time defaulting to the harness clock. */
export interface TestEvent {
  readonly host: string;
  readonly service: string;
  readonly time?: number;
  readonly state?: string;
  readonly metric?: number;
  readonly ttl?: number;
  readonly tags?: readonly string[];
  readonly description?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A field pattern: the exact value, or a RegExp the (string) value must match. */
export type FieldPattern<T> = T | RegExp;

/** A partial intent: every given field must match; `kind` is required. */
export type IntentPattern = { readonly kind: Intent["kind"] } & { readonly [K in string]?: FieldPattern<unknown> };

/**
 * What a rule test's body drives: a fresh engine on a virtual clock with the
 * rules under test loaded into it.
 */
export interface RuleHarness {
  /** The virtual clock's time, unix seconds. */
  now(): number;
  /**
   * Feeds events in order. Before each, the clock advances to its `time`
   * (firing due timers — window flushes, expiries — on the way); a missing
   * time means now. An invalid event fails the test with the engine's reason.
   */
  inject(...events: readonly TestEvent[]): void;
  /** Advances the clock to `t`, firing due timers in order. */
  advanceTo(t: number): void;
  /** Advances the clock by `seconds`. */
  advanceBy(seconds: number): void;
  /** Every intent emitted so far, including log/index/forward. */
  intents(): readonly Intent[];
  /**
   * Checks the page/resolve/drain/blacklist/restore intents emitted since the
   * previous `expectIntents` (or `expectNoIntents`) call: same count, same
   * order, each matching its pattern. Then forgets them. Fails with a diff.
   */
  expectIntents(expected: readonly IntentPattern[]): void;
  /** `expectIntents([])`. */
  expectNoIntents(): void;
  /** The indexed event for (host, service), if any. */
  lookup(host: string, service: string): Event | undefined;
  /** Index search in Riemann's query language. */
  query(query: string): readonly Event[];
}

/** Options of `ruleTest`. */
export interface RuleTestOptions {
  /**
   * Names of the rules files to load from the test file's directory
   * (`swap` for `swap.rules.ts`). Default: the file the test file is named
   * after (`swap.rules.test.ts` → `swap`).
   */
  readonly rules?: readonly string[];
  /** Where the virtual clock starts, unix seconds. Default 0. */
  readonly start?: number;
}

/** A registered test, as the runner sees it. */
export interface RegisteredTest {
  readonly name: string;
  readonly file: string;
  readonly body: (t: RuleHarness) => void;
  readonly options: RuleTestOptions;
}

let currentFile: string | undefined;
let registered: RegisteredTest[] = [];

/**
 * Declares a rule test. Run with `npx satellite test [paths]`.
 *
 * @example
 * import { ruleTest } from "satellite";
 *
 * ruleTest("a silent host is drained", (t) => {
 *   t.inject({ host: "web1", service: "heartbeat", ttl: 30 });
 *   t.advanceBy(31);
 *   t.expectIntents([{ kind: "drain", host: "web1" }]);
 * });
 */
export function ruleTest(name: string, body: (t: RuleHarness) => void, options: RuleTestOptions = {}): void {
  if (currentFile === undefined) throw new Error(`ruleTest("${name}"): rule tests run under \`satellite test\`, not on their own`);
  registered.push({ name, file: currentFile, body, options });
}

/** @internal The runner marks which file is being loaded, then collects what it registered. */
export function collectFrom(file: string, load: () => void): RegisteredTest[] {
  currentFile = file;
  registered = [];
  try {
    load();
    return registered;
  } finally {
    currentFile = undefined;
    registered = [];
  }
}
