/**
 * The one place where Satellite's parts are wired together for a process:
 * engine and clock, rule managers (built-in library and the user's
 * directory, hot-reloaded), and the edges (Riemann protocol, HTTP API).
 * Commands (`start`, `engine`) call `startApp` with their options and
 * `close()` on shutdown, so the wiring is written once.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startApiServer, type ApiMount, type ApiServer } from "../api/index.ts";
import { createMetricsRegistry, engineMetrics, metricsRouter, riemannMetrics, rulesMetrics, type SelfMetric } from "../dashboards/metrics/index.ts";
import { startRiemannServer, type RiemannServer } from "../riemann/index.ts";
import type { IntentSink } from "../rules/intents.ts";
import { formatReloadErrors, RuleManager, type RuleClusterLink } from "../rules/manager.ts";
import { RealClock, type Clock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import type { Event } from "../streams/event.ts";
import { fanout, type Stream } from "../streams/stream.ts";
import { attachRecorder, type RecorderOptions } from "../replay/recorder.ts";

/** Where the shipped rule library lives. */
export const BUILTIN_RULES_DIR = fileURLToPath(new URL("../rules/builtin", import.meta.url));

/** What a process runs; every field has a default suitable for one machine. */
export interface AppOptions {
  /** Load `rules/builtin`. Default true. */
  readonly builtinRules?: boolean;
  /** The user's rules directory; skipped (with a log line) when it does not exist. */
  readonly rulesDir?: string | undefined;
  /** Address the servers bind. Default 127.0.0.1. */
  readonly host?: string;
  /** HTTP API port; 0 picks a free one, undefined disables. Default 5001. */
  readonly httpPort?: number | undefined;
  /** Riemann TCP and UDP port; 0 picks a free one, undefined disables. Default 5555. */
  readonly riemannPort?: number | undefined;
  /** Clock for the engine. Default wall time. */
  readonly clock?: Clock;
  /** Log sink, one line per call. */
  readonly log: (line: string) => void;
  /** Where the rules' intents go. Default: one line per intent on stdout (`logIntents`). */
  readonly sink?: IntentSink | undefined;
  /**
   * Several engines (`satellite engine`): the `ClusterLink` of each rules
   * file, by cluster-wide file name (`builtin/<name>` for the built-in
   * library, `rules/<name>` for the user's directory). Absent: one engine.
   */
  readonly cluster?: ((rule: string) => RuleClusterLink) | undefined;
  /** Wraps the rules' stream before the engine gets it (for example to see which partition each event came from). */
  readonly wrapStream?: ((rules: Stream<Event>) => Stream<Event>) | undefined;
  /** An engine built by the caller (so other parts can hold it before the rules load). Default: a new one on `clock`. */
  readonly engine?: Engine | undefined;
  /** Streams that see every event beside the rules (the web page's metric history, a trace recorder). */
  readonly taps?: readonly Stream<Event>[] | undefined;
  /** The other parts' HTTP routers (alerting, scheduler, whitelist, web page). */
  readonly mounts?: readonly ApiMount[] | undefined;
  /** The other parts' self-metrics for /metrics. */
  readonly metrics?: readonly SelfMetric[] | undefined;
  /** Record the engine's input to trace files for `satellite replay` (docs/replay.md). */
  readonly record?: RecorderOptions | undefined;
}

/** A running process's parts. */
export interface App {
  readonly engine: Engine;
  readonly rules: readonly RuleManager[];
  readonly api: ApiServer | undefined;
  readonly riemann: RiemannServer | undefined;
  /** Stops servers and watchers. */
  close(): Promise<void>;
}

/** Raised when the app cannot start (rules that do not load, a port in use); the message says which. */
export class AppStartError extends Error {
  override readonly name = "AppStartError";
}

/**
 * Starts the engine, loads rules, opens the servers. On failure, everything
 * already started is closed again before the error propagates.
 *
 * @example
 * const app = await startApp({ rulesDir: "rules.d", log: console.log });
 * process.once("SIGTERM", () => void app.close());
 */
export async function startApp(options: AppOptions): Promise<App> {
  const log = options.log;
  const clock = options.clock ?? new RealClock();
  const engine = options.engine ?? new Engine({ clock, onException: (e) => log(`rule error on ${e.host}: ${e.description ?? ""}`) });
  const rules: RuleManager[] = [];
  const recording =
    options.record === undefined
      ? undefined
      : attachRecorder(engine, options.record, {
          onError: (e) => log(`recorder: ${e.message}`),
          meta: () => ({ rules: rules.flatMap((m) => m.status().map((s) => `${s.name}:${s.hash}`)) }),
        });
  let api: ApiServer | undefined;
  let riemann: RiemannServer | undefined;
  const close = async (): Promise<void> => {
    for (const m of rules) m.close();
    await Promise.all([api?.close(), riemann?.close()]);
    await recording?.close();
  };
  try {
    // Each directory has a label that names its files cluster-wide (the same on every engine, wherever the directory is).
    const dirs: { label: string; dir: string }[] = [];
    if (options.builtinRules ?? true) dirs.push({ label: "builtin", dir: BUILTIN_RULES_DIR });
    if (options.rulesDir !== undefined) {
      if (existsSync(options.rulesDir)) dirs.push({ label: "rules", dir: options.rulesDir });
      else log(`no rules directory at ${options.rulesDir} (create it to add your own rules)`);
    }
    const cluster = options.cluster;
    for (const { label, dir } of dirs) {
      const manager = new RuleManager({
        dir,
        clock,
        sink: options.sink,
        cluster: cluster === undefined ? undefined : (rule) => cluster(`${label}/${rule}`),
        onRuleError: (rule, error) => log(`rule ${rule} threw: ${String(error)}`),
      });
      const result = await manager.reload();
      if (!result.ok) throw new AppStartError(`the rules in ${dir} do not load:\n${formatReloadErrors(result.errors)}`);
      log(`loaded ${result.added.length} rules file(s) from ${dir} in ${result.durationMs.toFixed(0)} ms: ${result.added.join(", ")}`);
      manager.watch({
        onReload: (r) =>
          log(r.ok ? `reloaded ${dir}: changed [${r.changed.join(", ")}], added [${r.added.join(", ")}], removed [${r.removed.join(", ")}]` : `reload of ${dir} rejected, previous rules keep running:\n${formatReloadErrors(r.errors)}`),
      });
      rules.push(manager);
    }
    const rulesStream = fanout(engine.ctx, "rules", rules.map((m) => m.stream));
    const wrapped = options.wrapStream === undefined ? rulesStream : options.wrapStream(rulesStream);
    const taps = options.taps ?? [];
    engine.setStream(taps.length === 0 ? wrapped : fanout(engine.ctx, "engine", [wrapped, ...taps]));
    const host = options.host ?? "127.0.0.1";
    if (options.riemannPort !== undefined) {
      riemann = await startRiemannServer({ engine, host, port: options.riemannPort });
      log(`riemann protocol: tcp ${host}:${riemann.tcpPort ?? "-"}, udp ${host}:${riemann.udpPort ?? "-"}`);
    }
    if (options.httpPort !== undefined) {
      const selfMetrics: SelfMetric[] = [...engineMetrics(engine), ...rulesMetrics(() => rules.flatMap((m) => m.status())), ...(options.metrics ?? [])];
      const riemannStats = riemann?.stats;
      if (riemannStats !== undefined) selfMetrics.push(...riemannMetrics(() => riemannStats));
      const mounts: ApiMount[] = [{ path: "/metrics", handler: metricsRouter(createMetricsRegistry(selfMetrics)) }, ...(options.mounts ?? [])];
      api = await startApiServer({ engine, host, port: options.httpPort, mounts });
      log(`http api: http://${host}:${api.port}/api/v1/ , metrics: http://${host}:${api.port}/metrics`);
    }
  } catch (err) {
    await close();
    throw err instanceof AppStartError ? err : new AppStartError(err instanceof Error ? err.message : String(err));
  }
  return { engine, rules, api, riemann, close };
}
