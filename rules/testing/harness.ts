/**
 * The engine a rule test drives: a `VirtualClock`, an `Engine` with its
 * index, and the rules under test loaded through the same loader production
 * uses (type-checked, each file on its own scoped clock), with their intents
 * captured. `index` intents go into the engine's index, as they will in
 * production; a throw inside a rule fails the test unless it expects it.
 */
import { isDeepStrictEqual } from "node:util";
import { ScopedClock, VirtualClock } from "../../streams/clock.ts";
import { Engine } from "../../streams/engine.ts";
import type { Event } from "../../streams/event.ts";
import type { Stream } from "../../streams/stream.ts";
import { fanout } from "../../streams/stream.ts";
import type { Intent } from "../intents.ts";
import { formatLoadError, type RuleLoader, type RuleSource } from "../loader.ts";
import type { IntentPattern, RuleHarness, TestEvent } from "./registry.ts";

/** Intent kinds `expectIntents` looks at: the ones with consequences outside the engine. */
const ACTION_KINDS: ReadonlySet<Intent["kind"]> = new Set(["page", "resolve", "drain", "blacklist", "restore"]);

/** A failed expectation inside a rule test; the runner prints its message as is. */
export class RuleTestFailure extends Error {
  override readonly name = "RuleTestFailure";
}

/**
 * A `RuleHarness` over `sources` (already scanned and type-checked by
 * `loader`). Loading them again per test gives every test fresh state.
 *
 * @example
 * const h = new Harness(loader, sources, 0);
 * h.inject({ host: "a", service: "heartbeat" });
 * h.advanceBy(61);
 * h.expectIntents([{ kind: "drain", host: "a" }]);
 */
export class Harness implements RuleHarness {
  readonly clock: VirtualClock;
  readonly engine: Engine;
  private readonly all: Intent[] = [];
  private pending: Intent[] = [];
  private readonly scopes: ScopedClock[] = [];

  constructor(loader: RuleLoader, sources: readonly RuleSource[], start: number) {
    this.clock = new VirtualClock(start);
    this.engine = new Engine({ clock: this.clock });
    const sink = (intent: Intent): void => {
      this.all.push(intent);
      if (intent.kind === "index") this.engine.index.insert(intent.event);
      if (ACTION_KINDS.has(intent.kind)) this.pending.push(intent);
    };
    const streams: Stream<Event>[] = [];
    for (const source of sources) {
      const scope = new ScopedClock(this.clock);
      this.scopes.push(scope);
      const loaded = loader.instantiate(source, { clock: scope, onError: this.engine.ctx.onError }, sink);
      if (!loaded.ok) throw new RuleTestFailure(loaded.errors.map(formatLoadError).join("\n"));
      streams.push(loaded.value.stream);
    }
    this.engine.setStream(fanout(this.engine.ctx, "rules", streams));
  }

  now(): number {
    return this.clock.now();
  }

  inject(...events: readonly TestEvent[]): void {
    for (const raw of events) {
      if (raw.time !== undefined && raw.time > this.clock.now()) this.clock.advanceTo(raw.time);
      const result = this.engine.submit(raw);
      if (!result.ok) throw new RuleTestFailure(`inject: invalid event ${JSON.stringify(raw)}: ${result.rejection.reason}`);
    }
  }

  advanceTo(t: number): void {
    if (t < this.clock.now()) throw new RuleTestFailure(`advanceTo(${t}): the clock is already at ${this.clock.now()}`);
    this.clock.advanceTo(t);
  }

  advanceBy(seconds: number): void {
    this.advanceTo(this.clock.now() + seconds);
  }

  intents(): readonly Intent[] {
    return this.all;
  }

  expectIntents(expected: readonly IntentPattern[]): void {
    const actual = this.pending;
    this.pending = [];
    const ok = actual.length === expected.length && expected.every((p, i) => matches(actual[i]!, p));
    if (ok) return;
    const lines = [`expected ${expected.length} intent(s) at t=${this.clock.now()}, got ${actual.length}:`];
    const n = Math.max(actual.length, expected.length);
    for (let i = 0; i < n; i++) {
      const p = expected[i];
      const a = actual[i];
      const mark = p !== undefined && a !== undefined && matches(a, p) ? "  " : "✗ ";
      lines.push(`${mark}#${i + 1} expected ${p === undefined ? "nothing" : showPattern(p)}`);
      lines.push(`     actual ${a === undefined ? "nothing" : showIntent(a)}`);
    }
    throw new RuleTestFailure(lines.join("\n"));
  }

  expectNoIntents(): void {
    this.expectIntents([]);
  }

  lookup(host: string, service: string): Event | undefined {
    return this.engine.index.lookup(host, service);
  }

  query(query: string): readonly Event[] {
    return this.engine.index.search(query);
  }

  /** Errors thrown inside rules during the test (the runner fails a test that has any). */
  errors(): readonly { time: number; where: string; message: string }[] {
    return this.engine.stats.recentErrors;
  }

  /** Cancels every timer the rules set. */
  dispose(): void {
    for (const scope of this.scopes) scope.dispose();
  }
}

function matches(intent: Intent, pattern: IntentPattern): boolean {
  const record = intent as unknown as Record<string, unknown>;
  for (const [field, want] of Object.entries(pattern)) {
    const got = record[field];
    if (want instanceof RegExp) {
      if (typeof got !== "string" && typeof got !== "number") return false;
      if (!want.test(String(got))) return false;
    } else if (!isDeepStrictEqual(got, want)) {
      return false;
    }
  }
  return true;
}

function showPattern(p: IntentPattern): string {
  return `{ ${Object.entries(p).map(([k, v]) => `${k}: ${v instanceof RegExp ? String(v) : JSON.stringify(v)}`).join(", ")} }`;
}

/** One line per intent with the fields people check: no evidence dump. */
export function showIntent(i: Intent): string {
  switch (i.kind) {
    case "page":
      return `{ kind: "page", rule: ${JSON.stringify(i.rule)}, key: ${JSON.stringify(i.key)}, severity: "${i.severity}", summary: ${JSON.stringify(i.summary)}, time: ${i.time} }`;
    case "resolve":
      return `{ kind: "resolve", rule: ${JSON.stringify(i.rule)}, key: ${JSON.stringify(i.key)}${i.summary === undefined ? "" : `, summary: ${JSON.stringify(i.summary)}`}, time: ${i.time} }`;
    case "drain":
    case "blacklist":
    case "restore":
      return `{ kind: "${i.kind}", rule: ${JSON.stringify(i.rule)}, host: ${JSON.stringify(i.host)}, reason: ${JSON.stringify(i.reason)}${i.ttl === undefined ? "" : `, ttl: ${i.ttl}`}, time: ${i.time} }`;
    default:
      return JSON.stringify(i);
  }
}
