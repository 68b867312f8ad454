/**
 * Reference rule (benchmark): more than one receive error per second over a
 * minute pages, at most once per 15 minutes. Shape: service → by host
 * → rate → where → throttle → page.
 */
import { defineRules } from "satellite";

const SERVICE = "system.network.in.errors";

export default defineRules((r) => {
  const page = r.page({ name: "rx errors", severity: "warning", summary: (e) => `${e.host}: ${(e.metric ?? 0).toFixed(1)} receive errors/s` });
  return r.service(SERVICE, r.by("host", () => r.rate(60, r.where((e) => (e.metric ?? 0) > 1, r.throttle(1, 900, page)))));
});
