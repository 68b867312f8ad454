/**
 * swap-storm: page when a large part of the fleet is swapping at once. One
 * host swapping is that host's problem; a fifth of the fleet swapping at the
 * same time is usually one bad job spread everywhere, or a memory limit set
 * wrong, and needs a human. Built on `clusterFraction` (the fraction of live
 * hosts whose latest swap rate is over a threshold; a host whose swap rate
 * expires stops counting) and Satellite's `hysteresis?` recipe, so a fleet
 * hovering around the threshold does not flap between pages and resolves.
 *
 * - Swapping: `system.memory.swap.pages_per_sec` above `SWAPPING_PAGES_PER_SECOND`.
 * - More than `TRIGGER_FRACTION` of the live hosts swapping → critical page
 *   "swap storm" (one cluster-wide alert, subject "*").
 * - It stays open while more than `HOLD_FRACTION` swap and resolves when the
 *   fraction falls to `HOLD_FRACTION` or below.
 * - With fewer than `MIN_LIVE_HOSTS` hosts reporting there is no storm (one
 *   host of three is not a fleet-wide pattern), and an open page resolves.
 * - The first verdict is always sent, "no storm" included: a storm page left
 *   open by an engine that stopped (a restart, an engine that had the
 *   verdict before) is resolved by the next one. Alerting waits
 *   `resolveAfterSeconds` before a resolve takes effect, so a restart in the
 *   middle of a storm, when the first few hosts to report are not yet a
 *   storm, does not close the page and open a new one.
 */
import { defineRules, type Event } from "satellite";
import { SWAP_PAGES_PER_SECOND } from "./services.ts";

/** A host swaps when it moves more pages than this per second (in + out; 100 pages are 400 KiB). */
const SWAPPING_PAGES_PER_SECOND = 100;

/** Page when more than this fraction of the live hosts swap. */
const TRIGGER_FRACTION = 0.2;

/** Keep the page open while more than this fraction swap. */
const HOLD_FRACTION = 0.15;

/** Fewest live hosts for a verdict. */
const MIN_LIVE_HOSTS = 5;

/** 0.201 → "20.1%", 0.3 → "30%". */
function percent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}

function describeStorm(e: Event): string {
  const a = e.attributes ?? {};
  const listed = a.hosts === undefined || a.hosts === "" ? "" : `: ${a.hosts}${a.hosts.split(",").length < Number(a.matching) ? ", …" : ""}`;
  return `swap storm: ${percent(e.metric ?? 0)} of hosts swapping (${a.matching ?? "?"} of ${a.live ?? "?"}${listed})`;
}

export default defineRules((r) => {
  const page = r.page({ name: "swap storm", severity: "critical", summary: describeStorm });
  const resolve = r.resolve({ name: "swap storm", summary: (e) => `${percent(e.metric ?? 0)} of hosts swapping` });

  return r.clusterFraction(
    { service: SWAP_PAGES_PER_SECOND, name: "swapping hosts", minHosts: MIN_LIVE_HOSTS, predicate: (e) => (e.metric ?? 0) > SWAPPING_PAGES_PER_SECOND },
    r.hysteresis(
      // Too few hosts (no metric) counts as no storm.
      { triggerAbove: TRIGGER_FRACTION, holdAbove: HOLD_FRACTION, key: (e) => e.metric ?? 0 },
      // Every change of verdict, the first one included.
      r.changed({}, r.split([[(e) => e.state === "critical", page]], resolve)),
    ),
  );
});
