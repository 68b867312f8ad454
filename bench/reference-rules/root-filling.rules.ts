/**
 * Reference rule (benchmark): the root filesystem more than 80 % used for
 * five minutes gets a warning, at most once an hour (filesystem-full pages
 * at 90 %). Shape: service → by host → stable → where → throttle → page.
 */
import { defineRules, type Event } from "satellite";

const SERVICE = "system.filesystem.used.pct /";

export default defineRules((r) => {
  const page = r.page({ name: "root filling", severity: "warning", summary: (e) => `${e.host}: / is ${Math.round((e.metric ?? 0) * 100)}% full` });
  const filling = (e: Event): boolean => (e.metric ?? 0) > 0.8;
  return r.service(SERVICE, r.by("host", () => r.stable(300, filling, r.where(filling, r.throttle(1, 3600, page)))));
});
