/**
 * Reference rule (benchmark): a host whose CPU is busier than 95 % pages,
 * and resolves once it is back under 85 %. Shape: service → by host →
 * hysteresis (changes only) → page / resolve.
 */
import { defineRules, type Event } from "satellite";

const SERVICE = "system.cpu.total.norm.pct";

export default defineRules((r) => {
  const page = r.page({ name: "cpu busy", severity: "warning", summary: (e) => `${e.host}: CPU ${Math.round((e.metric ?? 0) * 100)}% busy` });
  const resolve = r.resolve({ name: "cpu busy" });
  const isCritical = (e: Event): boolean => e.state === "critical";
  const isOk = (e: Event): boolean => e.state === "ok";
  return r.service(SERVICE, r.by("host", () => r.hysteresis({ triggerAbove: 0.95, holdAbove: 0.85, changesOnly: true }, r.split([[isCritical, page], [isOk, resolve]]))),
  );
});
