/**
 * Reference rule (benchmark): memory pressure (PSI "some") above 30 % drains
 * the host until it is back under 10 %. Shape: service → by host →
 * hysteresis (changes only) → drain / restore.
 */
import { defineRules, type Event } from "satellite";

const SERVICE = "linux.pressure.memory.some.10.pct";

export default defineRules((r) => {
  const drain = r.drain({ reason: (e) => `memory pressure ${Math.round((e.metric ?? 0) * 100)}%` });
  const restore = r.restore({ reason: "memory pressure back to normal" });
  const isCritical = (e: Event): boolean => e.state === "critical";
  const isOk = (e: Event): boolean => e.state === "ok";
  return r.service(SERVICE, r.by("host", () => r.hysteresis({ triggerAbove: 0.3, holdAbove: 0.1, changesOnly: true }, r.split([[isCritical, drain], [isOk, restore]]))),
  );
});
