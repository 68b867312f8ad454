/**
 * Reference rule (benchmark): inodes of / more than 95 % used page, at most
 * twice per five minutes. Shape: service → by host → where → throttle
 * → page.
 */
import { defineRules } from "satellite";

const SERVICE = "system.filesystem.inodes.used.pct /";

export default defineRules((r) => {
  const page = r.page({ name: "inodes", severity: "error", summary: (e) => `${e.host}: ${Math.round((e.metric ?? 0) * 100)}% of the inodes of / used` });
  return r.service(SERVICE, r.by("host", () => r.where((e) => (e.metric ?? 0) > 0.95, r.throttle(2, 300, page))));
});
