/**
 * Reference rule (benchmark): /var more than 80 % used gets a warning with
 * its evidence, the first sample at once and the rest rolled up per hour.
 * Shape: service → by host → where → rollup → page (windows).
 */
import { defineRules } from "satellite";

const SERVICE = "system.filesystem.used.pct /var";

export default defineRules((r) => {
  const page = r.page({
    name: "var filling",
    severity: "warning",
    summary: (e, evidence) => `${e.host}: /var is ${Math.round((e.metric ?? 0) * 100)}% full (${evidence.length} samples)`,
  });
  return r.service(SERVICE, r.by("host", () => r.where((e) => (e.metric ?? 0) > 0.8, r.rollup(1, 3600, page))));
});
