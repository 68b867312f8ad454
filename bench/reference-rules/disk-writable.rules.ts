/**
 * Reference rule (benchmark): the "disk writable" check turning critical
 * drains the host, at most once per 10 minutes. Shape: service → by
 * host → changed (state) → where → throttle → drain.
 */
import { defineRules } from "satellite";

const SERVICE = "disk writable";

export default defineRules((r) => {
  const drain = r.drain({ reason: "disk not writable", ttlSeconds: 3600 });
  return r.service(SERVICE, r.by("host", () => r.changed({ init: "ok" }, r.where((e) => e.state === "critical", r.throttle(1, 600, drain)))),
  );
});
