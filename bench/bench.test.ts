/**
 * Tests of the benchmark suite at toy sizes: every benchmark's line keeps the
 * output contract, and the reference workload really exercises every
 * reference rule (a rule that never fires would make the headline figure
 * measure a dead rule set).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runDispatch } from "./dispatch.ts";
import { runExpiryStall } from "./expiry-stall.ts";
import { runIndexMemory } from "./index-memory.ts";
import { judge, parseLine, type BenchLine } from "./output.ts";
import { riemannPublished } from "./riemann-published.ts";
import { REFERENCE_RULES_DIR } from "./rule-set.ts";
import { Fleet, SERVICES } from "./workload.ts";

/** The line as a reader of `npm run bench` gets it: printed, then parsed back. */
function roundTrip(line: BenchLine): BenchLine {
  return parseLine(JSON.stringify(line));
}

describe("benchmark output", () => {
  it("parseLine accepts a contract line and rejects one without a unit or with a text value", () => {
    assert.equal(parseLine('{"name":"x","value":1.5,"unit":"ms","keys":3}').keys, 3);
    assert.throws(() => parseLine('{"name":"x","value":1}'), /unit must be a non-empty string/);
    assert.throws(() => parseLine('{"name":"x","value":"1","unit":"ms"}'), /value must be a finite number/);
    assert.throws(() => parseLine("not json"), /not a JSON line/);
  });

  it("judge says whether a figure meets an at-least or at-most target", () => {
    assert.deepEqual(judge(1_500_000, { op: ">=", value: 2_000_000 }), { target: ">= 2000000", met: false });
    assert.deepEqual(judge(40, { op: "<=", value: 50 }), { target: "<= 50", met: true });
  });

  it("every benchmark returns a line that survives printing", async () => {
    const lines = [
      await runDispatch({ variant: "raw", fleet: { hosts: 20 }, warmupEvents: 0, events: 2000 }),
      runIndexMemory({ keys: 2000, rounds: 2 }),
      await runExpiryStall({ keys: 2000, leadSeconds: 0.02 }),
      riemannPublished(),
    ];
    assert.deepEqual(
      lines.map((l) => [roundTrip(l).name, roundTrip(l).unit]),
      [
        ["dispatch_raw_ceiling", "events/s"],
        ["index_bytes_per_key", "bytes"],
        ["expiry_max_stall_ms", "ms"],
        ["riemann_published", "events/s"],
      ],
    );
    assert.equal(lines[2]!.expired, 2000);
    assert.equal(lines[3]!.measured, false);
  });
});

describe("benchmark workload", () => {
  it("reports every service of every host once per round, in time order", () => {
    const fleet = new Fleet({ hosts: 10, silentEvery: Infinity });
    const events = fleet.cycle(3);
    assert.equal(events.length, 10 * SERVICES.length);
    assert.equal(new Set(events.map((e) => `${e.host}\0${e.service}`)).size, events.length);
    assert.ok(events.every((e, i) => i === 0 || e.time >= events[i - 1]!.time));
    assert.equal(events[0]!.time, fleet.start + 30);
  });

  it("makes every reference rule emit an intent", async () => {
    const line = await runDispatch({
      variant: "reference",
      ruleDirs: [REFERENCE_RULES_DIR],
      fleet: { hosts: 60, hotEvery: 3, silentEvery: 6 },
      warmupEvents: 0,
      events: 60 * SERVICES.length * 45,
    });
    assert.deepEqual(line.rules_files_without_intents, []);
    assert.equal(line.reference_rules_files, 20);
    assert.equal(line.rule_errors, 0);
    assert.ok((line.expired_events as number) > 0, "silent hosts' keys expire");
  });
});
