/**
 * Reference rule (benchmark): memory more than 95 % used for two minutes
 * pages; two minutes back under resolves. Shape: service → by host →
 * stable → changed → page / resolve.
 */
import { defineRules, type Event } from "satellite";

const SERVICE = "system.memory.actual.used.pct";

export default defineRules((r) => {
  const page = r.page({ name: "memory full", severity: "error", summary: (e) => `${e.host}: memory ${Math.round((e.metric ?? 0) * 100)}% used` });
  const resolve = r.resolve({ name: "memory full" });
  const full = (e: Event): boolean => (e.metric ?? 0) > 0.95;
  return r.service(SERVICE, r.by("host", () => r.stable(120, full, r.changed({ key: full, init: false }, r.split([[full, page]], resolve)))),
  );
});
