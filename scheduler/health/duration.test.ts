/**
 * Tests of `parseDuration`: Satellite's ttl strings, plain seconds, and the
 * inputs it refuses.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDuration } from "./duration.ts";

describe("parseDuration", () => {
  const cases: [unknown, number][] = [
    ["30sec", 30],
    ["5min", 300],
    ["2hour", 7200],
    ["7day", 604_800],
    ["7days", 604_800],
    ["1week", 604_800],
    ["2weeks", 1_209_600],
    ["10minutes", 600],
    ["90", 90],
    [90, 90],
    ["1.5h", 5400],
    [" 3 HOURS ", 10_800],
  ];
  for (const [raw, seconds] of cases) {
    it(`reads ${JSON.stringify(raw)} as ${seconds} s`, () => assert.equal(parseDuration(raw), seconds));
  }

  const refused: [string, unknown][] = [
    ['""', ""],
    ['"soon"', "soon"],
    ['"5ms" (not minutes)', "5ms"],
    ['"0"', "0"],
    ['"0day"', "0day"],
    ['"-5min"', "-5min"],
    ['"5 fortnights"', "5 fortnights"],
    ["null", null],
    ["an object", {}],
    ["0", 0],
    ["-1", -1],
    ["Infinity", Infinity],
    ["NaN", NaN],
  ];
  for (const [label, raw] of refused) {
    it(`refuses ${label}`, () => assert.throws(() => parseDuration(raw), RangeError));
  }
});
