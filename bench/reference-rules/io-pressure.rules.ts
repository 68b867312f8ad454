/**
 * Reference rule (benchmark): samples I/O pressure once a minute per host
 * and pages when the sample is above 60 %. Shape: service → by host →
 * throttle → where → page.
 */
import { defineRules } from "satellite";

const SERVICE = "linux.pressure.io.some.10.pct";

export default defineRules((r) => {
  const page = r.page({ name: "io pressure", severity: "info", summary: (e) => `${e.host}: I/O pressure ${Math.round((e.metric ?? 0) * 100)}%` });
  return r.service(SERVICE, r.by("host", () => r.throttle(1, 60, r.where((e) => (e.metric ?? 0) > 0.6, page))));
});
