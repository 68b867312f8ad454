/**
 * all-checks-pass: a host takes tasks only while every one of its command
 * checks passes. Satellite's `ensure-all-tests-pass` recipe, grouped by host:
 * the shipped Satellite config ran it over a `coalesce` of every host's
 * checks without `(by :host ...)`, so one failing host turned off whichever
 * host came first in the batch. Here each host is judged on its own checks.
 *
 * - Input: check results (tag "check", see services.ts), live or expired.
 * - A host with any check whose latest result is not "ok" is drained; the
 *   reason lists the failing checks, and a drain is sent again with the new
 *   list when the set of failing checks changes while the host is drained.
 * - When all its checks pass again the host is restored.
 * - A check whose result expires is forgotten, not failed (see
 *   failing-checks.ts); a silent host is host-expired's.
 * - The first verdict about a host is always sent, "restore" included: the
 *   scheduler remembers drains across an engine restart or a rule reload,
 *   this rule does not, and a host drained before the restart must not stay
 *   drained forever once its checks pass (Satellite issue #30: hosts fell
 *   off the whitelist and never came back).
 * - No page: a failing check is a host problem the scheduler works around;
 *   too many drained hosts page through available-hosts.
 */
import { defineRules, isClusterEvent, makeEvent, type Event } from "satellite";
import { FailingChecks } from "./failing-checks.ts";
import { CHECK_TAG } from "./services.ts";

/** Service of the verdict events this rule makes (never indexed; seen in evidence and logs). */
const VERDICT = "all checks pass";

/** Forget a host whose checks have been quiet this long (its next result starts a fresh verdict). */
const FORGET_AFTER_SECONDS = 3600;

export default defineRules((r) => {
  const drain = r.drain({ reason: (verdict) => verdict.description ?? "failing checks" });
  const restore = r.restore({ reason: "all checks pass" });

  function perHost(host: string): (e: Event) => void {
    const failing = new FailingChecks();
    let last: string | undefined; // "" while all pass, else the failing checks; undefined before the first verdict
    return function judgeHostChecks(e: Event): void {
      if (!failing.update(e) && last !== undefined) return;
      const now = failing.describe();
      last = now;
      if (now === "") restore(makeEvent({ host, service: VERDICT, time: r.now(), state: "ok" }));
      else drain(makeEvent({ host, service: VERDICT, time: r.now(), state: "critical", description: `failing checks: ${now}` }));
    };
  }

  return r.tagged(
    CHECK_TAG,
    r.where((e) => !isClusterEvent(e), r.by("host", perHost, { idleSeconds: FORGET_AFTER_SECONDS })),
  );
});
