/**
 * filesystem-full: page before a filesystem fills up. Satellite's
 * `percentage-used` check judged each sample against one threshold, so a
 * disk at 89.9–90.1 % paged and resolved on every sample; here each
 * filesystem of each host goes through `hysteresis`: it pages above
 * `TRIGGER_USED` and resolves only once back at or under `HOLD_USED`.
 *
 * - Input: `system.filesystem.used.pct <mount point>` (services.ts), the
 *   used fraction 0..1; one alert per host and mount point.
 * - Used > `TRIGGER_USED` → error page "filesystem full".
 * - Resolves when used ≤ `HOLD_USED`, or when the filesystem stops
 *   reporting (unmounted, or its host went silent: host-expired pages for
 *   that); if it comes back still above `HOLD_USED`, it pages again.
 * - The first sample of a filesystem is always judged: not full → resolve
 *   (a no-op unless an earlier engine paged it), so an alert opened before
 *   a restart or a partition move is closed by whichever engine sees the
 *   filesystem next.
 * - No drain: a full scratch disk is fixed by cleaning up, and the tasks that
 *   fill it are better caught by their own failures (task-black-hole).
 */
import { defineRules, type Event } from "satellite";
import { FILESYSTEM_SERVICES, mountPointOf } from "./services.ts";

/** Page when more than this fraction of the filesystem is used. */
const TRIGGER_USED = 0.9;

/** Keep the page open while more than this fraction is used. */
const HOLD_USED = 0.85;

function subject(e: Event): string {
  return `${e.host}:${mountPointOf(e) ?? e.service}`;
}

function percent(fraction: number | undefined): string {
  return fraction === undefined ? "?" : `${Math.round(fraction * 100)}%`;
}

export default defineRules((r) => {
  const page = r.page({
    name: "filesystem full",
    severity: "error",
    subject,
    summary: (e) => `${e.host}: ${mountPointOf(e) ?? e.service} is ${percent(e.metric)} full`,
  });
  const resolve = r.resolve({
    name: "filesystem full",
    subject,
    summary: (e) => (e.state === "expired" ? `${mountPointOf(e) ?? e.service} stopped reporting` : `${mountPointOf(e) ?? e.service} is down to ${percent(e.metric)}`),
  });

  function perFilesystem(): (e: Event) => void {
    let full: boolean | undefined;
    // Act on the first verdict and then only when "full" (state "critical") flips: full → page;
    // not full → resolve. The first "not full" resolves what an engine that watched this
    // filesystem before (a restart, a partition that moved to this engine) paged; alerting ignores
    // a resolve of an alert that is not open. It is `changed` on fullness into a `split`, written
    // as one plain function because it runs for every sample of every filesystem.
    return r.hysteresis({ triggerAbove: TRIGGER_USED, holdAbove: HOLD_USED }, function pageOnFlip(e: Event): void {
      const isFull = e.state === "critical";
      if (isFull === full) return;
      full = isFull;
      if (isFull) page(e);
      else resolve(e);
    });
  }

  // Every mount is its own service ("system.filesystem.used.pct /var"): route on the prefix.
  return r.service(FILESYSTEM_SERVICES, r.by(["host", "service"], perFilesystem));
});
