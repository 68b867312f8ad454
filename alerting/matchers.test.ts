/**
 * Tests of label matchers and of the small parsers the API and CLI share
 * (matcher text, durations, instants, "since").
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AlertingInputError } from "./errors.ts";
import { formatDuration, parseDuration, parseInstant, parseSince } from "./input.ts";
import { compileMatcher, compileMatchers, formatMatcher, parseMatcher, validateMatchers } from "./matchers.ts";

describe("matchers", () => {
  it("compare equal, not equal, regex (anchored) and negated regex; a missing label is empty", () => {
    const labels = { host: "web12", rule: "disk/full" };
    const t = (text: string) => compileMatcher(parseMatcher(text))(labels);
    assert.equal(t("host=web12"), true);
    assert.equal(t("host=web1"), false);
    assert.equal(t("host!=web1"), true);
    assert.equal(t("host=~web\\d+"), true);
    assert.equal(t("host=~web"), false, "regexes are anchored");
    assert.equal(t("host!~db.*"), true);
    assert.equal(t("rack="), true, "a missing label equals the empty string");
    assert.equal(t("rack!="), false);
  });

  it("all of a silence's matchers must match", () => {
    const all = compileMatchers([parseMatcher("host=h1"), parseMatcher("rule=~disk/.*")]);
    assert.equal(all({ host: "h1", rule: "disk/full" }), true);
    assert.equal(all({ host: "h1", rule: "cpu/hot" }), false);
  });

  it("parses and formats the command-line form (values may contain =)", () => {
    for (const text of ["host=h1", "host!=h1", "rule=~a=b.*", "rule!~x"]) assert.equal(formatMatcher(parseMatcher(text)), text);
    assert.throws(() => parseMatcher("host"), AlertingInputError);
    assert.throws(() => parseMatcher("=x"), AlertingInputError);
  });

  it("validates API matchers, defaulting isRegex false and isEqual true", () => {
    assert.deepEqual(validateMatchers([{ name: "host", value: "h1" }], "matchers"), [{ name: "host", value: "h1", isRegex: false, isEqual: true }]);
    assert.throws(() => validateMatchers([{ name: "host", value: "h1", isRegex: "yes" }], "matchers"), /matchers\[0\]\.isRegex must be true or false/);
    assert.throws(() => validateMatchers([{ name: "host", value: "h1", op: "=" }], "matchers"), /matchers\[0\]\.op is not a matcher field/);
    assert.throws(() => validateMatchers([{ name: "host", value: "" }], "matchers"), /must not mute everything/);
    assert.throws(() => validateMatchers([{ name: "host", value: "x", isEqual: false }], "matchers"), /must not mute everything/);
  });
});

describe("durations and instants", () => {
  it("parses durations with units and plain seconds", () => {
    assert.equal(parseDuration("90"), 90);
    assert.equal(parseDuration("90s"), 90);
    assert.equal(parseDuration("5m"), 300);
    assert.equal(parseDuration("2h"), 7200);
    assert.equal(parseDuration("1h30m"), 5400);
    assert.equal(parseDuration("1d"), 86400);
    assert.equal(parseDuration("1w"), 604800);
    assert.equal(parseDuration("250ms"), 0.25);
    assert.equal(parseDuration("soon"), undefined);
    assert.equal(parseDuration("2x"), undefined);
    assert.equal(formatDuration(5400), "1h30m");
    assert.equal(formatDuration(0), "0s");
  });

  it("reads instants as ISO 8601 or unix seconds, and since as either or a duration back", () => {
    assert.equal(parseInstant("2024-01-01T00:00:00Z", "t"), 1704067200);
    assert.equal(parseInstant(1704067200, "t"), 1704067200);
    assert.throws(() => parseInstant("tomorrow", "startsAt"), (e: unknown) => e instanceof AlertingInputError && e.field === "startsAt");
    assert.throws(() => parseInstant(-1, "t"), AlertingInputError);
    assert.equal(parseSince("1h", 10_000, "since"), 6400);
    assert.equal(parseSince("1704067200", 0, "since"), 1704067200);
    assert.equal(parseSince("2024-01-01T00:00:00Z", 0, "since"), 1704067200);
  });
});
