/**
 * What a replay makes of the rules' intents: the consumer side, pluggable.
 * A replay hands every intent to a `Decisions` hook made per run on the
 * replay's clock; the default (`dedupDecisions`) stands in for alerting and
 * the scheduler with the least policy that makes counts meaningful: a page
 * for an alert already open is a repeat, not a new page; a resolve closes an
 * open alert or does nothing; a drain or blacklist takes a host out once
 * (per rule) until a restore or its ttl brings it back, and a restore of a
 * host that is not out does nothing. The lead's alerting policy (minimum
 * duration, grouping, silences) and the scheduler's guards can be put in
 * front of it by wrapping its sink, and the report stays the same shape.
 */
import type { Clock } from "../streams/clock.ts";
import type { HostIntent, Intent, IntentSink, Severity } from "../rules/intents.ts";

/**
 * The consumer of one replay run's intents: `sink` gets every intent as the
 * rules emit it (at the replay clock's time), `report()` is called once at
 * the end.
 */
export interface Decisions<R = DecisionReport> {
  readonly sink: IntentSink;
  report(): R;
}

/**
 * Makes a run's `Decisions` on the run's clock (virtual time). Pass one as
 * `decisions` to `replayTrace` to put policy between the rules and the report.
 *
 * @example
 * // An alerting policy in front of the default report: pages must persist 2 minutes.
 * const withPolicy: DecisionsFactory = (clock) => {
 *   const inner = dedupDecisions(clock);
 *   return { sink: minDuration(clock, 120, inner.sink), report: inner.report };
 * };
 */
export type DecisionsFactory<R = DecisionReport> = (clock: Clock) => Decisions<R>;

/** One alert opened during the replay. */
export interface ReplayPage {
  readonly key: string;
  readonly rule: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly host?: string | undefined;
  readonly service?: string | undefined;
  /** Virtual time it opened. */
  readonly time: number;
  /** Virtual time a resolve closed it; undefined while open at the end. */
  readonly resolvedAt: number | undefined;
  readonly resolveSummary?: string | undefined;
  /** Page intents for this key while it was open (not counted as pages). */
  readonly repeats: number;
}

/** A host action that changed something: a host taken out, or brought back by a restore. */
export interface ReplayHostAction {
  readonly kind: HostIntent["kind"];
  readonly rule: string;
  readonly host: string;
  readonly reason: string;
  readonly ttl?: number | undefined;
  readonly time: number;
}

/** One spell of a host being out of scheduling because of one rule. */
export interface HostEpisode {
  readonly rule: string;
  readonly host: string;
  readonly kind: "drain" | "blacklist";
  readonly reason: string;
  readonly from: number;
  /** When it ended (a restore, or its ttl ran out) or, still out at the end with a ttl, will end; undefined: out until restored, and still out. */
  readonly until: number | undefined;
  /** What ended it; undefined while still out at the end of the replay. */
  readonly endedBy: "restore" | "ttl" | undefined;
}

/** Totals of a run's decisions. */
export interface DecisionCounts {
  /** Page intents received. */
  readonly pageIntents: number;
  /** Alerts opened (`pages.length`). */
  readonly pages: number;
  /** Page intents for an alert already open. */
  readonly repeatedPages: number;
  readonly resolveIntents: number;
  /** Resolves that closed an open alert. */
  readonly resolves: number;
  /** Resolves for no open alert (rules often resolve on every healthy sample). */
  readonly idleResolves: number;
  /** Drain, blacklist and restore intents received. */
  readonly hostIntents: number;
  readonly drains: number;
  readonly blacklists: number;
  /** Restores that brought a host back. */
  readonly restores: number;
  /** Host intents that changed nothing (a drain of a host already out, a restore of one that is not). */
  readonly idleHostIntents: number;
  /** Alerts still open at the end. */
  readonly openAtEnd: number;
  /** Distinct hosts taken out at least once. */
  readonly hostsTakenOut: number;
  /** Distinct hosts out at the end. */
  readonly hostsOutAtEnd: number;
  /** Index, forward and log intents (not decisions; counted only). */
  readonly otherIntents: number;
}

/** The default report of a replay run's decisions (see `dedupDecisions`). */
export interface DecisionReport {
  /** Every alert opened, in time order. */
  readonly pages: readonly ReplayPage[];
  /** Every effective host action, in time order. */
  readonly hostActions: readonly ReplayHostAction[];
  /** Every spell a host spent out, in the order they began. */
  readonly episodes: readonly HostEpisode[];
  readonly counts: DecisionCounts;
  /** Virtual time of the report (the end of the replay). */
  readonly endedAt: number;
}

type MutablePage = { -readonly [K in keyof ReplayPage]: ReplayPage[K] };

type MutableEpisode = { -readonly [K in keyof HostEpisode]: HostEpisode[K] };

/**
 * The default decisions: raw intents, deduplicated as described in the file
 * header. Host state is kept per (rule, host), as the scheduler keeps one
 * objection per rule; a blacklist (or drain) with a ttl ends by itself at
 * `time + ttl`.
 *
 * @example
 * const d = dedupDecisions(clock);
 * d.sink({ kind: "page", rule: "disk/full", key: "disk/full:h1", severity: "error", summary: "full", time: 10, evidence: [] });
 * d.sink({ kind: "page", rule: "disk/full", key: "disk/full:h1", severity: "error", summary: "full", time: 20, evidence: [] });
 * d.report().counts.pages;         // 1
 * d.report().counts.repeatedPages; // 1
 */
export function dedupDecisions(clock: Clock): Decisions<DecisionReport> {
  const pages: MutablePage[] = [];
  const open = new Map<string, MutablePage>();
  const hostActions: ReplayHostAction[] = [];
  const episodes: MutableEpisode[] = [];
  /** (rule, host) → the episode it is in, if out. */
  const out = new Map<string, MutableEpisode>();
  const takenOut = new Set<string>();
  const counts = { pageIntents: 0, repeatedPages: 0, resolveIntents: 0, resolves: 0, idleResolves: 0, hostIntents: 0, drains: 0, blacklists: 0, restores: 0, idleHostIntents: 0, otherIntents: 0 };

  /** The episode (rule, host) is in at `t`, ending it first if its ttl ran out. */
  const current = (id: string, t: number): MutableEpisode | undefined => {
    const ep = out.get(id);
    if (ep === undefined) return undefined;
    if (ep.until !== undefined && ep.until <= t) {
      ep.endedBy = "ttl";
      out.delete(id);
      return undefined;
    }
    return ep;
  };

  const host = (intent: HostIntent): void => {
    counts.hostIntents++;
    const id = `${intent.rule}\u0000${intent.host}`;
    const ep = current(id, intent.time);
    if (intent.kind === "restore") {
      if (ep === undefined) {
        counts.idleHostIntents++;
        return;
      }
      ep.until = intent.time;
      ep.endedBy = "restore";
      out.delete(id);
      counts.restores++;
      hostActions.push({ kind: "restore", rule: intent.rule, host: intent.host, reason: intent.reason, time: intent.time });
      return;
    }
    if (ep !== undefined) {
      counts.idleHostIntents++;
      return;
    }
    const next: MutableEpisode = {
      rule: intent.rule,
      host: intent.host,
      kind: intent.kind,
      reason: intent.reason,
      from: intent.time,
      until: intent.ttl === undefined ? undefined : intent.time + intent.ttl,
      endedBy: undefined,
    };
    episodes.push(next);
    out.set(id, next);
    takenOut.add(intent.host);
    if (intent.kind === "drain") counts.drains++;
    else counts.blacklists++;
    hostActions.push({ kind: intent.kind, rule: intent.rule, host: intent.host, reason: intent.reason, ttl: intent.ttl, time: intent.time });
  };

  const sink: IntentSink = function dedupSink(intent: Intent): void {
    switch (intent.kind) {
      case "page": {
        counts.pageIntents++;
        const known = open.get(intent.key);
        if (known !== undefined) {
          known.repeats++;
          counts.repeatedPages++;
          return;
        }
        const page: MutablePage = {
          key: intent.key,
          rule: intent.rule,
          severity: intent.severity,
          summary: intent.summary,
          host: intent.host,
          service: intent.service,
          time: intent.time,
          resolvedAt: undefined,
          repeats: 0,
        };
        pages.push(page);
        open.set(intent.key, page);
        return;
      }
      case "resolve": {
        counts.resolveIntents++;
        const known = open.get(intent.key);
        if (known === undefined) {
          counts.idleResolves++;
          return;
        }
        known.resolvedAt = intent.time;
        known.resolveSummary = intent.summary;
        open.delete(intent.key);
        counts.resolves++;
        return;
      }
      case "drain":
      case "blacklist":
      case "restore":
        host(intent);
        return;
      default:
        counts.otherIntents++;
    }
  };

  return {
    sink,
    report(): DecisionReport {
      const end = clock.now();
      const outAtEnd = new Set<string>();
      for (const [id, ep] of out) {
        if (current(id, end) !== undefined) outAtEnd.add(ep.host);
      }
      return {
        pages: pages.map((p) => ({ ...p })),
        hostActions: [...hostActions],
        episodes: episodes.map((e) => ({ ...e, endedBy: e.endedBy ?? (e.until !== undefined && e.until <= end ? "ttl" : undefined) })),
        counts: { ...counts, pages: pages.length, openAtEnd: open.size, hostsTakenOut: takenOut.size, hostsOutAtEnd: outAtEnd.size },
        endedAt: end,
      };
    },
  };
}
