/**
 * Reference rule (benchmark): the "ntp synchronized" check failing for a
 * minute pages, and passing for a minute resolves. Shape: service →
 * by host → stable (state) → changed → page / resolve.
 */
import { defineRules, type Event } from "satellite";

const SERVICE = "ntp synchronized";

export default defineRules((r) => {
  const page = r.page({ name: "ntp", severity: "warning", summary: (e) => `${e.host}: clock not synchronized (${e.state ?? "?"})` });
  const resolve = r.resolve({ name: "ntp" });
  const failing = (e: Event): boolean => e.state === "critical";
  return r.service(SERVICE, r.by("host", () => r.stable(60, (e) => e.state, r.changed({ init: "ok" }, r.split([[failing, page]], resolve)))),
  );
});
