/** Tests for the query compiler: valid queries against sample events, the index-key detector and the cache. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ev } from "../test-support.ts";
import { compileQuery, indexKeyOf, parseQuery, prepareQuery } from "./index.ts";

const SAMPLES = {
  web: ev({
    host: "web1",
    service: "cpu",
    state: "ok",
    metric: 0.5,
    time: 100,
    ttl: 30,
    tags: ["prod", "web"],
    description: "cpu load\nsecond line",
    attributes: { environment: "prod", "disk.mount": "/var", count: "5" },
  }),
  db: ev({
    host: "db1.example.com",
    service: "disk /var",
    state: "critical",
    metric: 95,
    time: 200,
    tags: ["prod", "db"],
    description: 'disk "full" 100%',
    attributes: { environment: "staging" },
  }),
  bare: ev({ host: "bare", service: "heartbeat", time: 300 }),
  negative: ev({ host: "neg", service: "temp", metric: -3.5e2, state: "warning", time: 400 }),
};
type Name = keyof typeof SAMPLES;
const ALL = Object.keys(SAMPLES) as Name[];

/** [query, names of the samples it matches, why] */
const CASES: [string, Name[], string][] = [
  ["true", ALL, "a bare true matches everything"],
  ["false", [], "a bare false matches nothing"],
  ["nil", [], "a bare nil matches nothing"],
  ["null", [], "null is nil"],
  ['host = "web1"', ["web"], "string equality on host"],
  ['"web1" = host', ["web"], "the literal may come first"],
  ['host != "web1"', ["db", "bare", "negative"], "inequality"],
  ['service = "disk /var"', ["db"], "strings may hold spaces and slashes"],
  ['state = "critical"', ["db"], "state equality"],
  ["state = nil", ["bare"], "nil matches an absent field"],
  ["state = null", ["bare"], "null matches an absent field"],
  ["state != nil", ["web", "db", "negative"], "!= nil matches present fields"],
  ["metric = nil", ["bare"], "absent metric"],
  ["metric = 0.5", ["web"], "float equality"],
  ["metric = 95", ["db"], "integer equality"],
  ["metric = 95.0", ["db"], "numbers compare by value"],
  ["metric = 95L", ["db"], "a long suffix is read as a number"],
  ["metric = 9.5e1", ["db"], "exponent notation"],
  ["metric = 950E-1", ["db"], "negative exponent, capital E"],
  ["metric = -350", ["negative"], "negative numbers"],
  ["metric > 1", ["db"], "greater than"],
  ["metric >= 95", ["db"], "greater or equal, boundary"],
  ["metric < 1", ["web", "negative"], "less than skips absent metrics"],
  ["metric <= 0.5", ["web", "negative"], "less or equal, boundary"],
  ["metric > -Infinity", ["web", "db", "negative"], "-Infinity literal"],
  ["metric < Infinity", ["web", "db", "negative"], "Infinity literal"],
  ["metric = NaN", [], "NaN equals nothing"],
  ["metric_f > 90", ["db"], "metric_f is metric"],
  ["time >= 200", ["db", "bare", "negative"], "time is a field"],
  ["ttl = 30", ["web"], "ttl is a field"],
  ["ttl = nil", ["db", "bare", "negative"], "ttl absent when not set (no default in queries)"],
  ['host > 1', [], "ordering on a string is false"],
  ["count > 1", [], "attributes are strings, so ordering on them is false"],
  ['count = "5"', ["web"], "attributes compare as strings"],
  ["count = 5", [], "a string attribute never equals a number"],
  ['environment = "prod"', ["web"], "custom attribute equality"],
  ["environment = nil", ["bare", "negative"], "absent custom attribute"],
  ['disk.mount = "/var"', ["web"], "attribute names may contain dots"],
  ["environment", ["web", "db"], "a bare field is true when present"],
  ['tagged "prod"', ["web", "db"], "tagged"],
  ['tagged "db"', ["db"], "tagged, one event"],
  ['tagged "nope"', [], "tagged, no event"],
  ['host =~ "web%"', ["web"], "LIKE prefix"],
  ['host =~ "%.com"', ["db"], "LIKE suffix"],
  ['host =~ "%example%"', ["db"], "LIKE infix"],
  ['host =~ "db1%example%com"', ["db"], "LIKE with several wildcards"],
  ['host =~ "web"', [], "LIKE is anchored: no wildcard means whole-string equality"],
  ['host =~ "web1"', ["web"], "LIKE without wildcard, exact"],
  ['host =~ "db1.example.co"', [], "LIKE is anchored at the end; dots are literal"],
  ['host =~ "db1_example%"', [], "underscore is not a wildcard"],
  ['description =~ "cpu%line"', ["web"], "% spans newlines"],
  ['metric =~ "%"', [], "LIKE on a non-string is false"],
  ['host ~= "b1"', ["web", "db"], "regex searches anywhere"],
  ['host ~= "^w"', ["web"], "regex anchors are the user's"],
  ['host ~= "\\\\.com$"', ["db"], "escaped backslash in a regex"],
  ['description ~= "\\"full\\""', ["db"], "escaped quotes in strings"],
  ['description ~= "100%"', ["db"], "% is literal in a regex"],
  ['state = "ok" or state = "warning"', ["web", "negative"], "or"],
  ['tagged "prod" and metric > 1', ["db"], "and"],
  ['not state = "ok"', ["db", "bare", "negative"], "not"],
  ['not tagged "prod"', ["bare", "negative"], "not tagged"],
  ['not not host = "web1"', ["web"], "double negation"],
  ['host = "web1" or host = "db1.example.com" and state = "ok"', ["web"], "and binds tighter than or"],
  ['(host = "web1" or host = "db1.example.com") and state = "critical"', ["db"], "parentheses group"],
  ['not host = "web1" and tagged "prod"', ["db"], "not binds tighter than and"],
  ['not (host = "web1" and tagged "prod")', ["db", "bare", "negative"], "not of a group"],
  ['state = "ok" or state = "critical" or state = "warning"', ["web", "db", "negative"], "n-ary or"],
  ['tagged "prod" and metric > 0 and state = "critical"', ["db"], "n-ary and"],
  ['host = "web1", or host = "bare"', ["web", "bare"], "commas are blanks, as in Riemann"],
  ["host = service", [], "field-to-field equality"],
  ["description = ttl", ["bare", "negative"], "two absent fields are equal (nil = nil)"],
  ['1 = 1', ALL, "literal comparisons fold to constants"],
  ['"a" != "a"', [], "literal inequality"],
  ['"abc" =~ "a%"', ALL, "literal LIKE"],
  ["5 > 3", ALL, "literal ordering"],
  ['(((true)))', ALL, "nested parentheses"],
  ['host = "w\\u0065b\\u0031"', ["web"], "unicode escapes"],
];

describe("compileQuery", () => {
  for (const [query, expected, why] of CASES) {
    it(`${why}: ${query}`, () => {
      const pred = compileQuery(query);
      const matched = ALL.filter((name) => pred(SAMPLES[name]));
      assert.deepEqual(matched, expected);
    });
  }

  it("compiles an AST as well as text", () => {
    const pred = compileQuery(parseQuery('state = "ok"'));
    assert.equal(pred(SAMPLES.web), true);
    assert.equal(pred(SAMPLES.db), false);
  });

  it("treats an event built without makeEvent (missing keys, not undefined) like one with undefined fields", () => {
    const loose = { host: "x", service: "y", time: 1 };
    assert.equal(compileQuery("state = nil")(loose), true);
    assert.equal(compileQuery('tagged "a"')(loose), false);
    assert.equal(compileQuery("env = nil")(loose), true);
  });
});

describe("indexKeyOf", () => {
  const cases: [string, { host: string; service: string | undefined } | undefined][] = [
    ['host = "a"', { host: "a", service: undefined }],
    ['host = "a" and service = "b"', { host: "a", service: "b" }],
    ['service = "b" and host = "a"', { host: "a", service: "b" }],
    ['"a" = host and "b" = service', { host: "a", service: "b" }],
    ['(host = "a") and (service = "b")', { host: "a", service: "b" }],
    ['host = "a" and service = "b" and state = "ok"', undefined],
    ['host = "a" or service = "b"', undefined],
    ['host = "a" and host = "b"', undefined],
    ['service = "b"', undefined],
    ['host != "a"', undefined],
    ["host = nil", undefined],
    ["host = 5", undefined],
    ['host =~ "a"', undefined],
    ['not host = "a"', undefined],
    ['host = "a" and state = "ok"', undefined],
  ];
  for (const [query, key] of cases) {
    it(`${query} -> ${JSON.stringify(key)}`, () => {
      assert.deepEqual(indexKeyOf(parseQuery(query)), key);
    });
  }
});

describe("prepareQuery", () => {
  it("returns the same prepared query for the same text (LRU cache)", () => {
    const a = prepareQuery('service = "cache-test"');
    const b = prepareQuery('service = "cache-test"');
    assert.equal(a, b);
    assert.deepEqual(prepareQuery('host = "k" and service = "v"').key, { host: "k", service: "v" });
  });

  it("does not cache invalid queries", () => {
    assert.throws(() => prepareQuery("host ="), /expected a value/);
    assert.throws(() => prepareQuery("host ="), /expected a value/);
  });
});
