/**
 * Helpers for the replay tests: a small deterministic fleet scenario (load,
 * heartbeats and a check, with hot spells, a host going silent and a failing
 * check), and a "live run" that feeds it to an engine with rules under a
 * `VirtualClock` exactly as `satellite start` would, with a `TraceRecorder`
 * attached, returning the intents it saw. A replay of the trace must see the
 * same intents.
 */
import { fileURLToPath } from "node:url";
import { BUILTIN_RULES_DIR } from "../cli/app.ts";
import type { Intent } from "../rules/intents.ts";
import { formatReloadErrors, RuleManager } from "../rules/manager.ts";
import { VirtualClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import { fanout } from "../streams/stream.ts";
import { attachRecorder, type RecorderOptions, type RecorderStats } from "./recorder.ts";

/** The fixture rule directories. */
export const FIXTURES = {
  low: fileURLToPath(new URL("./fixtures/threshold-low", import.meta.url)),
  high: fileURLToPath(new URL("./fixtures/threshold-high", import.meta.url)),
  windowed: fileURLToPath(new URL("./fixtures/windowed", import.meta.url)),
} as const;

export { BUILTIN_RULES_DIR };

/** Clock time of the scenario's first report. */
export const SCENARIO_START = 1_735_732_800; // 2025-01-01T12:00:00Z

/** One delivery: raw events received together at clock time `t`. */
export interface Delivery {
  readonly t: number;
  readonly events: readonly Record<string, unknown>[];
}

/**
 * The scenario, in delivery order: `hosts` hosts reporting every 10 s for
 * `rounds` rounds, host h at `+h/2` s into the round, each delivery one
 * host's heartbeat (ttl 30), load (ttl 25) and "disk writable" check (ttl
 * 60). Host 1's load is 0.9 in rounds 5–14, host 2's is 0.6 in rounds 8–29
 * (between the two fixture thresholds), others stay under 0.4; host 3 is
 * silent in rounds 10–19 and host 7 from round 25 on; host 4's check fails
 * in rounds 12–20.
 *
 * @example
 * for (const d of scenario({ rounds: 3 })) { clock.advanceTo(d.t); engine.submitAll(d.events); }
 */
export function scenario(options: { hosts?: number; rounds?: number } = {}): Delivery[] {
  const hosts = options.hosts ?? 10;
  const rounds = options.rounds ?? 40;
  const out: Delivery[] = [];
  for (let k = 0; k < rounds; k++) {
    for (let h = 0; h < hosts; h++) {
      if ((h === 3 && k >= 10 && k < 20) || (h === 7 && k >= 25)) continue;
      const t = SCENARIO_START + k * 10 + h / 2;
      const host = `host-${h}`;
      let load = 0.1 + (0.3 * ((h * 7 + k * 3) % 10)) / 10;
      if (h === 1 && k >= 5 && k < 15) load = 0.9;
      if (h === 2 && k >= 8 && k < 30) load = 0.6;
      const failing = h === 4 && k >= 12 && k <= 20;
      out.push({
        t,
        events: [
          { host, service: "heartbeat", state: "ok", metric: k * 10, ttl: 30, time: t },
          { host, service: "load", metric: load, ttl: 25, time: t - 0.25, tags: ["fixture"] },
          { host, service: "disk writable", state: failing ? "critical" : "ok", metric: failing ? 2 : 0, tags: ["check"], ttl: 60, time: t, description: failing ? "timed out after 10 s" : undefined },
        ],
      });
    }
  }
  return out;
}

/** An intent with the clock time it was emitted at. */
export interface TimedIntent {
  readonly at: number;
  readonly intent: Intent;
}

/** What `liveRun` returns: the intents in order, and the recorder's counters. */
export interface LiveRun {
  readonly intents: readonly TimedIntent[];
  readonly stats: RecorderStats;
  readonly end: number;
}

/**
 * Runs `deliveries` through an engine with the rules of `dirs` (one
 * `RuleManager` each, as `startApp` does) on a `VirtualClock`, with a
 * recorder writing to `record.dir`; after the last delivery the clock moves
 * on `tailSeconds` with no input. Returns every intent with its time.
 *
 * @example
 * const live = await liveRun(scenario(), [FIXTURES.low], { dir: tmp, flushIntervalMs: 0 });
 */
export async function liveRun(deliveries: readonly Delivery[], dirs: readonly string[], record: RecorderOptions, tailSeconds = 120): Promise<LiveRun> {
  const clock = new VirtualClock(SCENARIO_START);
  const engine = new Engine({ clock });
  const intents: TimedIntent[] = [];
  const managers: RuleManager[] = [];
  for (const dir of dirs) {
    const manager = new RuleManager({
      dir,
      clock,
      sink: (intent) => {
        if (intent.kind === "index") engine.index.insert(intent.event);
        intents.push({ at: clock.now(), intent });
      },
    });
    const loaded = await manager.reload();
    if (!loaded.ok) throw new Error(formatReloadErrors(loaded.errors));
    managers.push(manager);
  }
  engine.setStream(fanout(engine.ctx, "rules", managers.map((m) => m.stream)));
  const recording = attachRecorder(engine, record, { meta: () => ({ rules: dirs }) });
  for (const d of deliveries) {
    if (d.t > clock.now()) clock.advanceTo(d.t);
    const result = engine.submitAll(d.events);
    if (result.rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(result.rejected)}`);
  }
  clock.advanceBy(tailSeconds);
  const stats = await recording.close();
  for (const m of managers) m.close();
  return { intents, stats, end: clock.now() };
}
