/**
 * Reference rule (benchmark): a heartbeat that expires pages, and the next
 * live one resolves. Shape: service → by host → changed (state) →
 * page / resolve.
 */
import { defineRules, EXPIRED, type Event } from "satellite";

const SERVICE = "heartbeat";

export default defineRules((r) => {
  const page = r.page({ name: "heartbeat lost", severity: "warning", summary: (e) => `${e.host}: heartbeat lost` });
  const resolve = r.resolve({ name: "heartbeat lost" });
  const isExpired = (e: Event): boolean => e.state === EXPIRED;
  return r.service(SERVICE, r.by("host", () => r.changed({ init: "ok" }, r.split([[isExpired, page]], resolve))));
});
