/**
 * Reference rule (benchmark): ten or more processes stuck in D state for
 * five minutes drain the host, at most once an hour. Shape: service →
 * by host → stable → where → throttle → drain.
 */
import { defineRules, type Event } from "satellite";

const SERVICE = "system.process.summary.blocked";

export default defineRules((r) => {
  const drain = r.drain({ reason: (e) => `${e.metric ?? 0} processes blocked in D state` });
  const stuck = (e: Event): boolean => (e.metric ?? 0) >= 10;
  return r.service(SERVICE, r.by("host", () => r.stable(300, stuck, r.where(stuck, r.throttle(1, 3600, drain)))));
});
