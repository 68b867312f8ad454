/**
 * Reference rule (benchmark): a host moving more than 100 swap pages per
 * second on average over 30 seconds is drained, at most once an hour.
 * Shape: service → by host → movingTimeWindow → smap(mean) → where →
 * throttle → drain.
 */
import { defineRules } from "satellite";

const SERVICE = "system.memory.swap.pages_per_sec";

export default defineRules((r) => {
  const drain = r.drain({ reason: (e) => `swapping ${Math.round(e.metric ?? 0)} pages/s`, ttlSeconds: 1800 });
  return r.service(SERVICE, r.by("host", () => r.movingTimeWindow(30, r.smap(r.folds.mean, r.where((e) => (e.metric ?? 0) > 100, r.throttle(1, 3600, drain))))),
  );
});
