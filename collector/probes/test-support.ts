/**
 * Test-only helpers for the probes: builds a /proc + /sys tree in a
 * temporary directory from the hand-written fixture layers in fixtures/
 * (a base tree, then overlays that replace some files, as the kernel's
 * counters move between two samples), and finds events by service.
 * Nothing outside the probes' tests imports this file.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Event } from "../../streams/event.ts";

/** The fixtures folder. */
export const FIXTURES = fileURLToPath(new URL("fixtures", import.meta.url));

/** A /proc and /sys tree in a temporary directory, built from fixture layers. */
export class FixtureTree {
  readonly root: string;
  readonly procRoot: string;
  readonly sysRoot: string;

  /** Copies each layer (a folder under fixtures/ holding proc/ and/or sys/) in order. */
  constructor(...layers: string[]) {
    this.root = mkdtempSync(path.join(tmpdir(), "satellite-probes-"));
    this.procRoot = path.join(this.root, "proc");
    this.sysRoot = path.join(this.root, "sys");
    for (const layer of layers) this.apply(layer);
  }

  /** Copies a layer over the tree, replacing the files it has. */
  apply(layer: string): void {
    cpSync(path.join(FIXTURES, layer), this.root, { recursive: true, force: true });
  }

  /** Deletes a file or folder of the tree (`rel` is relative to the root, e.g. "proc/pressure"). */
  remove(rel: string): void {
    rmSync(path.join(this.root, rel), { recursive: true, force: true });
  }

  /** Deletes the tree. */
  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Metric by service, for assertions; throws when the service is missing or has no metric. */
export function metricOf(events: readonly Event[], service: string): number {
  const e = events.find((x) => x.service === service);
  if (e?.metric === undefined) throw new Error(`no metric for ${JSON.stringify(service)} in [${events.map((x) => x.service).join(", ")}]`);
  return e.metric;
}

/** The services of `events`, in order. */
export function servicesOf(events: readonly Event[]): string[] {
  return events.map((e) => e.service);
}

/** Asserts-friendly rounding: `x` to 9 decimals, so 0.1 + 0.2 compares equal to 0.3. */
export function near(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
