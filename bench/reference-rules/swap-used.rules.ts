/**
 * Reference rule (benchmark): a host with more than half its swap in use is
 * drained, and restored once under 20 %. Shape: service → by host →
 * hysteresis (changes only) → drain / restore.
 */
import { defineRules, type Event } from "satellite";

const SERVICE = "system.memory.swap.used.pct";

export default defineRules((r) => {
  const drain = r.drain({ reason: (e) => `swap ${Math.round((e.metric ?? 0) * 100)}% used` });
  const restore = r.restore({ reason: "swap use back to normal" });
  const isCritical = (e: Event): boolean => e.state === "critical";
  const isOk = (e: Event): boolean => e.state === "ok";
  return r.service(SERVICE, r.by("host", () => r.hysteresis({ triggerAbove: 0.5, holdAbove: 0.2, changesOnly: true }, r.split([[isCritical, drain], [isOk, restore]]))),
  );
});
