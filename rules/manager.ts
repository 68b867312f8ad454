/**
 * The running set of rules files. `RuleManager` loads a rules directory
 * through `RuleLoader`, feeds every event to every loaded file with per-file
 * isolation (a file that throws is counted and its last error kept; the
 * others continue), and reloads the directory all-or-nothing: a reload with
 * any failing file is rejected and the previous rules keep running; a reload
 * that succeeds keeps the instance (and so the state: windows, counters,
 * `changed` memory) of every file whose code did not change, and disposes the
 * ScopedClock of every file it drops, so a removed rule never fires again.
 */
import { watch as watchFs, type FSWatcher } from "node:fs";
import { performance } from "node:perf_hooks";
import { ScopedClock, type Clock } from "../streams/clock.ts";
import type { Event } from "../streams/event.ts";
import type { ClusterLink } from "../streams/eventindex/cluster-link.ts";
import type { Stream, StreamContext } from "../streams/stream.ts";
import { logIntents, type IntentSink } from "./intents.ts";
import { ServiceRouter } from "../streams/routing.ts";
import { formatLoadError, RuleLoader, type LoadError, type RuleInstance, type RuleSource } from "./loader.ts";

/** Settings of a `RuleManager`. */
export interface RuleManagerOptions {
  /** The rules directory (see `RuleLoader` for which files are rules). */
  readonly dir: string;
  /** The engine's clock; each rules file gets a `ScopedClock` over it. */
  readonly clock: Clock;
  /** Where every rule's intents go. Default: `logIntents()` (one line per intent on stdout). */
  readonly sink?: IntentSink | undefined;
  /**
   * Told about every error a rule throws while processing (besides the
   * count and last error kept in `status()`), for example to turn it into a
   * "satellite exception" event. Must not throw.
   */
  readonly onRuleError?: ((rule: string, error: unknown, where: string, input: unknown) => void) | undefined;
  /**
   * When the engine is one of several (`satellite engine`): makes the
   * `ClusterLink` a rules file's streams get as `ctx.cluster`, given the
   * file's name. Called once per instance of a file; `dispose` is called
   * when that instance is dropped (the file changed or went away), so its
   * aggregates stop taking part. Absent: no `ctx.cluster`, single-engine behaviour.
   */
  readonly cluster?: ((rule: string) => RuleClusterLink) | undefined;
}

/** A rules file's own `ClusterLink`, released with the file's instance. */
export interface RuleClusterLink {
  readonly link: ClusterLink;
  /** Unregisters every aggregate registered through `link`. Idempotent. */
  dispose(): void;
}

/** The last error a rules file threw while running. */
export interface RuleError {
  /** `file:line:col message` when the throw is located in the rules' sources, else the message. */
  readonly message: string;
  /** The stream that caught it: a combinator's name, or the rule's name for a throw at its top. */
  readonly where: string;
  /** Clock time of the error. */
  readonly at: number;
}

/** What `status()` reports for one loaded rules file. */
export interface RuleStatus {
  readonly name: string;
  readonly file: string;
  /** Hash of the file and its local imports; changes exactly when a reload would restart it. */
  readonly hash: string;
  /** Clock time this instance was loaded (kept across reloads that leave the file unchanged). */
  readonly loadedAt: number;
  /** Errors thrown while running, since `loadedAt`. */
  readonly errors: number;
  readonly lastError?: RuleError | undefined;
  /** Timers the file's streams have pending. */
  readonly pendingTimers: number;
}

/** The outcome of `reload()`; on failure nothing changed. `durationMs` is wall time spent (scan, check, build). */
export type ReloadResult =
  | {
      readonly ok: true;
      readonly added: readonly string[];
      readonly changed: readonly string[];
      readonly unchanged: readonly string[];
      readonly removed: readonly string[];
      readonly durationMs: number;
    }
  | { readonly ok: false; readonly errors: readonly LoadError[]; readonly durationMs: number };

/** Settings of `RuleManager.watch`. */
export interface WatchOptions {
  /** Quiet time after the last change before reloading, in milliseconds. Default 100. */
  readonly debounceMs?: number | undefined;
  /** Called with the outcome of every reload the watcher triggers. */
  readonly onReload: (result: ReloadResult) => void;
  /** Called if the watcher itself fails (for example the directory is removed). Default: ignored. */
  readonly onError?: ((error: Error) => void) | undefined;
}

/** A running watcher; `close()` stops it (idempotent). */
export interface RuleWatcher {
  close(): void;
}

/**
 * `reload()`'s errors as one printable block, one `file:line:col message` per line.
 *
 * @example
 * const r = await manager.reload();
 * if (!r.ok) console.error(formatReloadErrors(r.errors));
 */
export function formatReloadErrors(errors: readonly LoadError[]): string {
  return errors.map(formatLoadError).join("\n");
}

/** One top-level stream of a loaded file, for the service router. */
interface RouteTarget {
  readonly stream: Stream<Event>;
  readonly rule: LoadedRule;
}

/** One loaded rules file: its instance, its clock and its error record. */
class LoadedRule {
  readonly name: string;
  readonly clock: ScopedClock;
  readonly loadedAt: number;
  instance: RuleInstance | undefined;
  stream: Stream<Event> = () => {};
  streams: readonly Stream<Event>[] = [];
  errors = 0;
  lastError: { error: unknown; where: string; at: number } | undefined;

  private readonly cluster: RuleClusterLink | undefined;

  constructor(
    readonly source: RuleSource,
    parent: Clock,
    private readonly onRuleError: RuleManagerOptions["onRuleError"],
    cluster: RuleManagerOptions["cluster"],
  ) {
    this.name = source.name;
    this.clock = new ScopedClock(parent);
    this.loadedAt = parent.now();
    this.cluster = cluster?.(source.name);
  }

  /** Cancels the file's timers and leaves the cluster: the instance never fires again. */
  dispose(): void {
    this.clock.dispose();
    this.cluster?.dispose();
  }

  readonly fail = (error: unknown, where: string, input: unknown): void => {
    this.errors++;
    this.lastError = { error, where, at: this.clock.now() };
    this.onRuleError?.(this.name, error, where, input);
  };

  context(): StreamContext {
    if (this.cluster === undefined) return { clock: this.clock, onError: this.fail };
    return { clock: this.clock, onError: this.fail, cluster: this.cluster.link };
  }

  status(): RuleStatus {
    const last = this.lastError;
    let lastError: RuleError | undefined;
    if (last !== undefined) {
      const located = this.instance?.locate(last.error);
      const message = located !== undefined ? formatLoadError(located) : last.error instanceof Error ? last.error.message : String(last.error);
      lastError = { message, where: last.where, at: last.at };
    }
    return { name: this.name, file: this.source.file, hash: this.source.hash, loadedAt: this.loadedAt, errors: this.errors, lastError, pendingTimers: this.clock.pending };
  }
}

/**
 * Holds the loaded rules files of one directory and runs them.
 *
 * - `stream` fans each event into every file, in name order, skipping the
 *   top-level streams that declared a service route not matching the
 *   event's service (`r.service(...)`, `r.clusterFraction(...)`). A throw is
 *   recorded against the file that threw (count, last error, `onRuleError`)
 *   and the remaining files still see the event.
 * - `reload()` scans, type-checks and builds; it is all-or-nothing (see
 *   `ReloadResult`). Reloads are serialised. The first `reload()` is the
 *   initial load; until it succeeds no rules run.
 * - `watch()` reloads when a `.ts` file under the directory changes.
 *
 * Differs from Riemann: Riemann's reload rebuilds every stream, losing all
 * windows and `by` forks, and a reload that fails half-way leaves whatever it
 * got to; here unchanged files keep their state and a failed reload changes
 * nothing.
 *
 * @example
 * const manager = new RuleManager({ dir: "rules.d", clock, sink });
 * const first = await manager.reload();
 * if (!first.ok) throw new Error(formatReloadErrors(first.errors));
 * engine.subscribe(manager.stream);
 * manager.watch({ onReload: (r) => log(r.ok ? "rules reloaded" : formatReloadErrors(r.errors)) });
 */
export class RuleManager {
  /** Feeds one event to every loaded rules file. */
  readonly stream: Stream<Event>;
  private readonly loader: RuleLoader;
  private readonly clock: Clock;
  private readonly sink: IntentSink;
  private readonly onRuleError: RuleManagerOptions["onRuleError"];
  private readonly cluster: RuleManagerOptions["cluster"];
  private active: readonly LoadedRule[] = [];
  /** Every top-level stream of the active files, routed by service (rebuilt on each successful reload). */
  private router = new ServiceRouter<RouteTarget>([]);
  private queue: Promise<unknown> = Promise.resolve();
  private readonly watchers = new Set<RuleWatcher>();
  private closed = false;

  constructor(options: RuleManagerOptions) {
    this.loader = new RuleLoader(options.dir);
    this.clock = options.clock;
    this.sink = options.sink ?? logIntents();
    this.onRuleError = options.onRuleError;
    this.cluster = options.cluster;
    const rulesStream = (event: Event): void => {
      const targets = this.router.targets(event.service);
      for (let i = 0; i < targets.length; i++) {
        const target = targets[i]!;
        try {
          target.stream(event);
        } catch (err) {
          target.rule.fail(err, target.rule.name, event);
        }
      }
    };
    this.stream = rulesStream;
  }

  /** The directory, absolute. */
  get dir(): string {
    return this.loader.dir;
  }

  /** Loads the directory again (see `ReloadResult`). Concurrent calls run one after another. */
  reload(): Promise<ReloadResult> {
    const next = this.queue.then(() => this.reloadNow());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private reloadNow(): ReloadResult {
    const started = performance.now();
    const rejected = (errors: readonly LoadError[]): ReloadResult => ({ ok: false, errors, durationMs: performance.now() - started });
    if (this.closed) return rejected([{ file: this.loader.dir, line: 1, column: 1, message: "the rule manager is closed" }]);
    const scanned = this.loader.scan();
    if (!scanned.ok) return rejected(scanned.errors);
    const sources = scanned.value;
    const previous = new Map(this.active.map((r) => [r.name, r]));
    const same = (s: RuleSource) => previous.get(s.name)?.source.hash === s.hash;

    // Only new and changed files are checked: an unchanged hash means the file and its local imports are the ones already checked.
    const toCheck = sources.filter((s) => !same(s));
    if (toCheck.length > 0) {
      const errors = this.loader.check(toCheck);
      if (errors.length > 0) return rejected(errors);
    }
    const next: LoadedRule[] = [];
    const fresh: LoadedRule[] = [];
    const errors: LoadError[] = [];
    for (const source of sources) {
      if (same(source)) {
        next.push(previous.get(source.name)!);
        continue;
      }
      const rule = new LoadedRule(source, this.clock, this.onRuleError, this.cluster);
      fresh.push(rule);
      const built = this.loader.instantiate(source, rule.context(), this.sink);
      if (!built.ok) {
        errors.push(...built.errors);
        continue;
      }
      rule.instance = built.value;
      rule.stream = built.value.stream;
      rule.streams = built.value.streams;
      next.push(rule);
    }
    if (errors.length > 0) {
      for (const rule of fresh) rule.dispose();
      return rejected(errors);
    }

    const kept = new Set(next);
    for (const rule of previous.values()) if (!kept.has(rule)) rule.dispose();
    this.active = next;
    this.router = new ServiceRouter(next.flatMap((rule) => rule.streams.map((stream) => ({ stream, rule }))));
    const names = (rules: Iterable<LoadedRule>) => [...rules].map((r) => r.name);
    return {
      ok: true,
      added: names(fresh.filter((r) => !previous.has(r.name))),
      changed: names(fresh.filter((r) => previous.has(r.name))),
      unchanged: names(next.filter((r) => !fresh.includes(r))),
      removed: [...previous.keys()].filter((n) => !next.some((r) => r.name === n)),
      durationMs: performance.now() - started,
    };
  }

  /** One entry per loaded rules file, in name order. */
  status(): RuleStatus[] {
    return this.active.map((r) => r.status());
  }

  /**
   * Reloads whenever a `.ts` file under the directory is created, changed
   * or removed, after `debounceMs` of quiet (an editor's save is several
   * file events). The debounce uses wall time: it is an I/O edge, not stream
   * logic. The watcher does not keep the process alive on its own.
   *
   * @example
   * const w = manager.watch({ onReload: (r) => console.log(r.ok ? "reloaded" : formatReloadErrors(r.errors)) });
   * // later
   * w.close();
   */
  watch(options: WatchOptions): RuleWatcher {
    const debounceMs = options.debounceMs ?? 100;
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    const fire = () => {
      timer = undefined;
      if (closed) return;
      void this.reload().then((result) => {
        if (!closed) options.onReload(result);
      });
    };
    const fsWatcher: FSWatcher = watchFs(this.loader.dir, { recursive: true, persistent: false }, (_event, filename) => {
      if (closed || (filename !== null && !filename.endsWith(".ts"))) return;
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(fire, debounceMs);
      timer.unref();
    });
    fsWatcher.on("error", (err) => options.onError?.(err));
    const watcher: RuleWatcher = {
      close: () => {
        if (closed) return;
        closed = true;
        if (timer !== undefined) clearTimeout(timer);
        fsWatcher.close();
        this.watchers.delete(watcher);
      },
    };
    this.watchers.add(watcher);
    return watcher;
  }

  /** Stops every watcher and unloads every rules file (their timers are cancelled). */
  close(): void {
    this.closed = true;
    for (const w of [...this.watchers]) w.close();
    for (const rule of this.active) rule.dispose();
    this.active = [];
    this.router = new ServiceRouter<RouteTarget>([]);
  }
}
