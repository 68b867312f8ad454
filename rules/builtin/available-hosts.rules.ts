/**
 * available-hosts: page when too little of the fleet can take work.
 * Satellite's capacity alert (`prop-available-hosts < 0.7` → e-mail, sent on
 * every monitor tick, over a ratio that counted long-dead hosts forever),
 * rebuilt from the events the engine sees, with an alert that opens once
 * and resolves.
 *
 * What "available" means here: a host is *known* from its first heartbeat
 * until it has been silent for `FORGET_SILENT_AFTER_SECONDS`; a known host
 * is *available* while its heartbeat is live and none of its command checks
 * fails (the hosts that host-expired and all-checks-pass do not drain).
 * The fraction is available / known. Hosts that never send a heartbeat are
 * not counted, and a host drained for another reason (task-black-hole, an
 * operator) still counts as available: the rules cannot see the scheduler.
 *
 * - Available fraction < `TRIGGER_AVAILABLE` for `CONFIRM_SECONDS` → critical
 *   page "available hosts" (cluster-wide, subject "*"), listing the
 *   unavailable hosts.
 * - It resolves once the fraction is back at or over `HOLD_AVAILABLE` for
 *   `CONFIRM_SECONDS`; in between, the page stays as it is.
 * - The confirmation lets a fleet finish reporting after an engine start
 *   (the first hosts to report are a poor sample) and rides out a heartbeat
 *   that arrives a little late.
 * - A host silent for longer than `FORGET_SILENT_AFTER_SECONDS` is taken as
 *   decommissioned and leaves the count (Satellite counted it forever); so a
 *   fleet that stays down that long resolves its own page.
 * - The first confirmed verdict is always sent, enough hosts included: a
 *   page left open by an engine that stopped is resolved by the next one.
 */
import { defineRules, EXPIRED, isClusterEvent, isExpired, makeEvent, type Event } from "satellite";
import { FailingChecks } from "./failing-checks.ts";
import { CHECK_TAG, HEARTBEAT } from "./services.ts";

/** Page when less than this fraction of the known hosts is available. */
const TRIGGER_AVAILABLE = 0.7;

/** Keep the page open while less than this fraction is available. */
const HOLD_AVAILABLE = 0.75;

/** The fraction must stay past a threshold this long before the page opens or resolves, in seconds. */
const CONFIRM_SECONDS = 60;

/** A host silent this long is no longer counted, in seconds: a day. */
const FORGET_SILENT_AFTER_SECONDS = 24 * 3600;

/** Service of the per-host verdicts fed to `clusterFraction` (made and consumed inside this rule). */
const HOST_AVAILABLE = "host available";

function availableFraction(e: Event): number | undefined {
  const live = Number(e.attributes?.live);
  const unavailable = Number(e.attributes?.matching);
  return live > 0 ? (live - unavailable) / live : undefined;
}

/** 0.667 → "66.7%", 0.6 → "60%". */
function percent(fraction: number | undefined): string {
  return `${Math.round((fraction ?? 0) * 1000) / 10}%`;
}

function describeShortage(e: Event): string {
  const live = Number(e.attributes?.live);
  const unavailable = Number(e.attributes?.matching);
  const hosts = e.attributes?.hosts ?? "";
  const more = hosts === "" ? "" : `; unavailable: ${hosts}${hosts.split(",").length < unavailable ? ", …" : ""}`;
  return `only ${percent(availableFraction(e))} of hosts available (${live - unavailable} of ${live})${more}`;
}

export default defineRules((r) => {
  const page = r.page({ name: "available hosts", severity: "critical", summary: describeShortage });
  const resolve = r.resolve({ name: "available hosts", summary: (e) => `${percent(availableFraction(e))} of hosts available` });
  const isShort = (e: Event): boolean => e.state === "critical";

  const fleet = r.clusterFraction(
    { service: HOST_AVAILABLE, name: "unavailable hosts", predicate: (e) => e.state !== "ok" },
    r.hysteresis(
      { triggerBelow: TRIGGER_AVAILABLE, holdBelow: HOLD_AVAILABLE, key: availableFraction },
      // Every change of the confirmed verdict, the first one included.
      r.stable(CONFIRM_SECONDS, (e) => e.state, r.changed({}, r.split([[isShort, page]], resolve))),
    ),
  );

  /**
   * One host's availability, sent to `fleet` when it changes, and again every
   * `FORGET_SILENT_AFTER_SECONDS / 2` while the host beats so that it stays known.
   */
  function perHost(host: string): (e: Event) => void {
    const failing = new FailingChecks();
    let heartbeat: boolean | undefined; // undefined until the first heartbeat: not known yet
    let sent: boolean | undefined;
    let sentAt = 0;
    return function judgeHost(e: Event): void {
      if (e.service === HEARTBEAT) heartbeat = e.state !== EXPIRED && !isExpired(e, r.now());
      else if (!failing.update(e)) return;
      if (heartbeat === undefined) return;
      const available = heartbeat && failing.size === 0;
      const now = r.now();
      if (available === sent && now - sentAt < FORGET_SILENT_AFTER_SECONDS / 2) return;
      sent = available;
      sentAt = now;
      const description = available ? undefined : heartbeat ? `failing checks: ${failing.describe()}` : "silent";
      fleet(makeEvent({ host, service: HOST_AVAILABLE, time: now, state: available ? "ok" : "critical", description, ttl: FORGET_SILENT_AFTER_SECONDS }));
    };
  }

  return r.where(
    (e) => !isClusterEvent(e) && (e.service === HEARTBEAT || (e.tags?.includes(CHECK_TAG) ?? false)),
    r.by("host", perHost),
  );
});
