/**
 * Reference rule (benchmark): a host whose load per core stayed above 2 for
 * a whole minute pages, at most once per 15 minutes. Shape: service →
 * by host → movingTimeWindow → smap(min) → where → throttle → page.
 */
import { defineRules } from "satellite";

const SERVICE = "system.load.norm.1";

export default defineRules((r) => {
  const page = r.page({ name: "load high", severity: "warning", summary: (e) => `${e.host}: load per core above ${(e.metric ?? 0).toFixed(1)} for a minute` });
  return r.service(SERVICE, r.by("host", () => r.movingTimeWindow(60, r.smap(r.folds.min, r.where((e) => (e.metric ?? 0) > 2, r.throttle(1, 900, page))))),
  );
});
