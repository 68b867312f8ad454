/**
 * Reference rule (benchmark): transmit errors above one per second over 30
 * seconds page, and resolve under 0.1 per second. Shape: service → by
 * host → rate → hysteresis → page / resolve.
 */
import { defineRules, type Event } from "satellite";

const SERVICE = "system.network.out.errors";

export default defineRules((r) => {
  const page = r.page({ name: "tx errors", severity: "warning", summary: (e) => `${e.host}: ${(e.metric ?? 0).toFixed(1)} transmit errors/s` });
  const resolve = r.resolve({ name: "tx errors" });
  const isCritical = (e: Event): boolean => e.state === "critical";
  const isOk = (e: Event): boolean => e.state === "ok";
  return r.service(SERVICE, r.by("host", () => r.rate(30, r.hysteresis({ triggerAbove: 1, holdAbove: 0.1, changesOnly: true }, r.split([[isCritical, page], [isOk, resolve]])))),
  );
});
