/**
 * Reference rule (benchmark): file descriptors more than 90 % used page, and
 * resolve under 80 %. Shape: service → by host → hysteresis (changes
 * only) → page / resolve.
 */
import { defineRules, type Event } from "satellite";

const SERVICE = "system.fd.used.pct";

export default defineRules((r) => {
  const page = r.page({ name: "fd exhaustion", severity: "error", summary: (e) => `${e.host}: ${Math.round((e.metric ?? 0) * 100)}% of file descriptors used` });
  const resolve = r.resolve({ name: "fd exhaustion" });
  const isCritical = (e: Event): boolean => e.state === "critical";
  const isOk = (e: Event): boolean => e.state === "ok";
  return r.service(SERVICE, r.by("host", () => r.hysteresis({ triggerAbove: 0.9, holdAbove: 0.8, changesOnly: true }, r.split([[isCritical, page], [isOk, resolve]]))),
  );
});
