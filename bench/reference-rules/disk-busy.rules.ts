/**
 * Reference rule (benchmark): a disk busy more than 90 % of the time on
 * average over two minutes pages, and resolves under 70 %. Shape: where
 * service → by host → movingTimeWindow → smap(mean) → hysteresis → page /
 * resolve.
 */
import { defineRules, type Event } from "satellite";

const SERVICE = "system.diskio.iostat.busy";

export default defineRules((r) => {
  const page = r.page({ name: "disk busy", severity: "warning", summary: (e) => `${e.host}: disk ${Math.round((e.metric ?? 0) * 100)}% busy over 2 minutes` });
  const resolve = r.resolve({ name: "disk busy" });
  const isCritical = (e: Event): boolean => e.state === "critical";
  const isOk = (e: Event): boolean => e.state === "ok";
  return r.service(SERVICE, r.by("host", () =>
      r.movingTimeWindow(120, r.smap(r.folds.mean, r.hysteresis({ triggerAbove: 0.9, holdAbove: 0.7, changesOnly: true }, r.split([[isCritical, page], [isOk, resolve]])))),
    ),
  );
});
