/**
 * Reference rule (benchmark): CPU pressure (PSI "some") above 50 % on
 * average over a minute pages, and resolves under 30 %. Shape: where service
 * → by host → movingTimeWindow → smap(mean) → hysteresis → page / resolve.
 */
import { defineRules, type Event } from "satellite";

const SERVICE = "linux.pressure.cpu.some.10.pct";

export default defineRules((r) => {
  const page = r.page({ name: "cpu pressure", severity: "warning", summary: (e) => `${e.host}: CPU pressure ${Math.round((e.metric ?? 0) * 100)}%` });
  const resolve = r.resolve({ name: "cpu pressure" });
  const isCritical = (e: Event): boolean => e.state === "critical";
  const isOk = (e: Event): boolean => e.state === "ok";
  return r.service(SERVICE, r.by("host", () =>
      r.movingTimeWindow(60, r.smap(r.folds.mean, r.hysteresis({ triggerAbove: 0.5, holdAbove: 0.3, changesOnly: true }, r.split([[isCritical, page], [isOk, resolve]])))),
    ),
  );
});
