/**
 * host-expired: a host that stops reporting is taken out of scheduling and
 * someone is told. Satellite's `(where* expired? off-host)`, which took a
 * host out when any one of its checks expired and never said so; here the
 * signal is the host's heartbeat, the drain says "silent" (not a failed
 * check: anchors E, "mark expired hosts differently from failed ones"), and
 * a warning page goes out.
 *
 * - A host is silent when its heartbeat expires (the index sends the expiry
 *   the moment the heartbeat's ttl runs out). A host that has never sent a
 *   heartbeat (a plain Riemann client) is silent when every service it
 *   reported has expired.
 * - Silent → drain (reason "silent") and a warning page "host gone silent",
 *   one alert per host.
 * - Reporting again (a live heartbeat; for a host without heartbeats, any
 *   live event) → restore, and resolve the page.
 * - The first verdict about a host is always sent, so a host seen reporting
 *   for the first time is restored: the scheduler remembers a "silent" drain
 *   across an engine restart, this rule does not.
 * - A host that sends heartbeats is judged on them alone: its other events
 *   are not looked at (they are most of the traffic, so they stop before the
 *   per-host state).
 * - A host silent for `FORGET_AFTER_SECONDS` (no heartbeat; without
 *   heartbeats, no event) is forgotten, as if never seen: its drain stays
 *   (it is lifted when the host reports again) and its page stays open until
 *   someone resolves it.
 */
import { defineRules, EXPIRED, isClusterEvent, isExpired, type Event } from "satellite";
import { HEARTBEAT } from "./services.ts";

/** How long a silent host is remembered (its page resolved on return), in seconds: a week. */
const FORGET_AFTER_SECONDS = 7 * 24 * 3600;

/** The drain reason; the scheduler shows it next to the host. */
const REASON = "silent";

export default defineRules((r) => {
  const drain = r.drain({ reason: REASON });
  const restore = r.restore({ reason: "reporting again" });
  // Grouped: a partition that silences 40 hosts is one page listing them, not 40 pages.
  const page = r.page({
    name: "host gone silent",
    severity: "warning",
    subject: (e) => e.host,
    summary: (e) => `host gone silent: ${e.host} stopped reporting`,
    alerting: { groupBy: "rule" },
  });
  const resolve = r.resolve({ name: "host gone silent", subject: (e) => e.host, summary: (e) => `${e.host} is reporting again` });

  /** Hosts that send heartbeats (forgotten with their per-host state): their other events say nothing here. */
  const beating = new Set<string>();

  function perHost(host: string): (e: Event) => void {
    /** Services of a host without heartbeats that are still live. */
    const liveServices = new Set<string>();
    let alive: boolean | undefined;
    return function watchHost(e: Event): void {
      const isHeartbeat = e.service === HEARTBEAT; // the only service that gets here once the host has beaten
      const live = e.state !== EXPIRED && !isExpired(e, r.now());
      let now: boolean;
      if (isHeartbeat) {
        beating.add(host);
        liveServices.clear();
        now = live;
      } else {
        if (live) liveServices.add(e.service);
        else liveServices.delete(e.service);
        now = liveServices.size > 0;
      }
      if (now === alive) return;
      const before = alive;
      alive = now;
      if (now) {
        restore(e);
        if (before === false) resolve(e);
      } else {
        drain(e);
        page(e);
      }
    };
  }

  const watch = r.by("host", perHost, { idleSeconds: FORGET_AFTER_SECONDS, onEvict: (host) => beating.delete(host) });
  // A plain function rather than `where`: this sees every event of every host.
  return function watchHosts(e: Event): void {
    if (e.service !== HEARTBEAT && beating.has(e.host)) return; // the common case, first: a heartbeat host's other services
    if (!isClusterEvent(e)) watch(e);
  };
});
