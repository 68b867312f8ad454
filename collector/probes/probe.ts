/**
 * The probe contract: what a probe is (a name and an async `sample`), what
 * it is given (the host name and the sampling moment), and the one helper
 * every probe builds its events with, so all probe events share one shape
 * (state "ok", the configured ttl, tag "collector"). Probes report facts;
 * thresholds and alerting are the rules' job, so a probe's state is "ok"
 * unless the measurement itself failed (a hung `statfs`).
 */
import { makeEvent, type Event } from "../../streams/event.ts";

/**
 * What a probe is told when it samples: whose events these are and when.
 * `now` is unix seconds (fractional allowed); it becomes every event's
 * `time` and is the only time a probe uses (rates divide by the difference
 * of two `now`s, never by wall time).
 *
 * @example
 * await probe.sample({ host: "web1", now: clock.now() });
 */
export interface ProbeContext {
  readonly host: string;
  readonly now: number;
}

/**
 * One source of metrics. `sample` reads the system once and returns the
 * events for this moment; a probe keeping counters (rates) returns no rate
 * on its first sample. It resolves to `[]` when its source does not exist on
 * this host (no PSI, no swap counters), and rejects only on unexpected
 * errors (the agent reports those; one failing probe must not stop others).
 *
 * @example
 * const events = await cpuProbe().sample({ host: "web1", now: 1_700_000_000 });
 */
export interface Probe {
  readonly name: string;
  sample(ctx: ProbeContext): Promise<Event[]>;
}

/** The tag on every probe event (command check results carry "check" instead). */
export const PROBE_TAG = "collector";

/** The tags array shared by every probe event (frozen: events share it). */
export const PROBE_TAGS: readonly string[] = Object.freeze([PROBE_TAG]);

/**
 * A probe's metric event: host and time from `ctx`, state "ok", tags
 * `PROBE_TAGS`, the given ttl and optional attributes (string-valued, e.g.
 * `{ mount_point: "/var" }`).
 *
 * @example
 * metricEvent(ctx, "system.load.1", 0.42, 30);
 * metricEvent(ctx, "system.filesystem.used.pct /var", 0.93, 30, { mount_point: "/var" });
 */
export function metricEvent(ctx: ProbeContext, service: string, metric: number, ttl: number, attributes?: Readonly<Record<string, string>>): Event {
  return makeEvent({ host: ctx.host, service, time: ctx.now, state: "ok", metric, ttl, tags: PROBE_TAGS, attributes });
}

/**
 * What most probes are built with: where /proc is (a fixture tree in tests)
 * and the ttl of their events, in seconds. `defaultProbes` fills both from
 * `PROBE_DEFAULTS`.
 *
 * @example
 * cpuProbe({ procRoot: "/proc", ttl: 30 });
 */
export interface ProcProbeOptions {
  readonly procRoot: string;
  readonly ttl: number;
}
