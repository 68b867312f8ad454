/**
 * Reference rule (benchmark): a CPU hotter than 90 °C for two minutes
 * drains the host for an hour, at most once an hour. Shape: service →
 * by host → stable → where → throttle → drain.
 */
import { defineRules, type Event } from "satellite";

const SERVICE = "system.cpu.temperature.celsius";

export default defineRules((r) => {
  const drain = r.drain({ reason: (e) => `CPU at ${Math.round(e.metric ?? 0)} °C`, ttlSeconds: 3600 });
  const hot = (e: Event): boolean => (e.metric ?? 0) > 90;
  return r.service(SERVICE, r.by("host", () => r.stable(120, hot, r.where(hot, r.throttle(1, 3600, drain)))));
});
