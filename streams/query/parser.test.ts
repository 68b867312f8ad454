/** Tests for the query lexer and parser: AST shapes, precedence, and every syntax error with its position. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseQuery, QuerySyntaxError, type QueryNode } from "./index.ts";
import { tokenize } from "./lexer.ts";

/** A compact rendering of an AST, to compare shapes in one line. */
function show(node: QueryNode): string {
  const operand = (o: { kind: "field"; name: string } | { kind: "literal"; value: unknown }): string =>
    o.kind === "field" ? o.name : JSON.stringify(o.value);
  switch (node.kind) {
    case "or":
    case "and":
      return `(${node.kind} ${node.operands.map(show).join(" ")})`;
    case "not":
      return `(not ${show(node.operand)})`;
    case "tagged":
      return `(tagged ${JSON.stringify(node.tag)})`;
    case "equal":
      return `(${node.op} ${operand(node.left)} ${operand(node.right)})`;
    case "order":
      return `(${node.op} ${operand(node.left)} ${node.right})`;
    case "like":
      return `(=~ ${operand(node.left)} ${JSON.stringify(node.pattern)})`;
    case "regex":
      return `(~= ${operand(node.left)} ${JSON.stringify(node.pattern)})`;
    case "truthy":
      return operand(node.operand);
  }
}

/** The QuerySyntaxError that parsing `query` throws. */
function syntaxError(query: string): QuerySyntaxError {
  try {
    parseQuery(query);
  } catch (err) {
    if (err instanceof QuerySyntaxError) return err;
    throw err;
  }
  throw new assert.AssertionError({ message: `${query} parsed without error` });
}

describe("tokenize", () => {
  it("splits names, operators, strings, numbers and parentheses, with offsets", () => {
    const toks = tokenize('(metric>=-1.5e3)and host=~"a\\"b"');
    assert.deepEqual(
      toks.map((t) => [t.kind, t.text, t.start]),
      [
        ["(", "(", 0],
        ["name", "metric", 1],
        ["op", ">=", 7],
        ["number", "-1.5e3", 9],
        [")", ")", 15],
        ["keyword", "and", 16],
        ["name", "host", 20],
        ["op", "=~", 24],
        ["string", '"a\\"b"', 26],
        ["eof", "", 32],
      ],
    );
    const str = toks[8]!;
    assert.equal(str.kind === "string" && str.value, 'a"b');
  });

  it("reads every escape", () => {
    const t = tokenize('"\\" \\\\ \\/ \\n \\t \\r \\b \\f \\u00e9"')[0]!;
    assert.equal(t.kind === "string" && t.value, '" \\ / \n \t \r \b \f é');
  });

  it("reads ~= and =~ as distinct operators, and != <= >= < > =", () => {
    assert.deepEqual(
      tokenize("a ~= a =~ a != a <= a >= a < a > a = a").filter((t) => t.kind === "op").map((t) => t.text),
      ["~=", "=~", "!=", "<=", ">=", "<", ">", "="],
    );
  });
});

describe("parseQuery: shapes and precedence", () => {
  const cases: [string, string][] = [
    ['host = "a"', '(= host "a")'],
    ["true", "true"],
    ['not state = "ok"', '(not (= state "ok"))'],
    ["a = 1 or b = 2 and c = 3", "(or (= a 1) (and (= b 2) (= c 3)))"],
    ["a = 1 and b = 2 or c = 3", "(or (and (= a 1) (= b 2)) (= c 3))"],
    ["not a = 1 and b = 2", "(and (not (= a 1)) (= b 2))"],
    ["not (a = 1 and b = 2)", "(not (and (= a 1) (= b 2)))"],
    ["(a = 1 or b = 2) and c = 3", "(and (or (= a 1) (= b 2)) (= c 3))"],
    ["a = 1 and (b = 2 and c = 3)", "(and (= a 1) (= b 2) (= c 3))"],
    ["a = 1 or (b = 2 or c = 3) or d = 4", "(or (= a 1) (= b 2) (= c 3) (= d 4))"],
    ['tagged "x" and metric <= 3', '(and (tagged "x") (<= metric 3))'],
    ['host =~ "w%" or host ~= "^d"', '(or (=~ host "w%") (~= host "^d"))'],
    ["state = nil", "(= state null)"],
    ["ttl != null", "(!= ttl null)"],
    ["metric > 1e-2", "(> metric 0.01)"],
    ["metric < 12N", "(< metric 12)"],
    ["x = false", "(= x false)"],
    ["a_b.c-d/e:f = 1", "(= a_b.c-d/e:f 1)"],
  ];
  for (const [query, shape] of cases) {
    it(`${query} parses as ${shape}`, () => {
      assert.equal(show(parseQuery(query)), shape);
    });
  }
});

/** [query, position, message fragment] */
const ERRORS: [string, number, string][] = [
  ["", 0, "expected a predicate"],
  ["   ", 3, "expected a predicate"],
  ['host = "a" and service =', 24, 'expected a value after "="'],
  ["host =", 6, 'expected a value after "="'],
  ["host = and", 7, 'expected a value after "=", found "and"'],
  ['host = "a" and', 14, 'expected a predicate after "and"'],
  ['host = "a" or or', 14, 'expected a predicate after "or", found "or"'],
  ["not", 3, 'expected a predicate after "not"'],
  ["and", 0, 'expected a predicate, found "and"'],
  ['host = "a" foo', 11, 'expected "and", "or" or the end of the query, found "foo"'],
  ['host = "a" "b"', 11, "found the string \"b\""],
  ['(host = "a"', 11, 'expected ")" to close the "(" at position 0'],
  ['((host = "a")', 13, 'expected ")" to close the "(" at position 0'],
  ['(host = "a" foo)', 12, 'expected "and", "or" or ")", found "foo"'],
  ['host = "a")', 10, 'found ")"'],
  [")", 0, 'unexpected ")" with no "(" to close'],
  ["()", 1, 'expected a predicate after "(", found ")"'],
  ['host = "abc', 7, "unterminated string"],
  ['host = "abc\\', 7, "unterminated string"],
  ['host = "a\\qb"', 9, "unknown escape \\q"],
  ['host = "a\\u12"', 9, "four hex digits"],
  ["host ~ 1", 5, 'unexpected character "~"'],
  ["host ! 1", 5, 'unexpected character "!"'],
  ["host == 1", 6, 'expected a value after "=", found "="'],
  ["metric > 1.", 9, 'malformed number "1."'],
  ["metric > 12abc", 9, 'malformed number "12abc"'],
  ["metric > 1e", 9, 'malformed number "1e"'],
  ['metric > "5"', 9, 'expected a number after ">", found the string "5"'],
  ["metric >= host", 10, 'expected a number after ">=", found "host"'],
  ["metric <", 8, 'expected a number after "<"'],
  ["host =~ 5", 8, 'expected a string pattern after "=~", found the number 5'],
  ["host ~= nil", 8, 'expected a string pattern after "~=", found "nil"'],
  ['host ~= "(("', 8, "invalid regular expression"],
  ["tagged", 6, 'expected a string after "tagged"'],
  ["tagged prod", 7, 'expected a string after "tagged", found "prod"'],
  ['tagged = "x"', 7, 'expected a string after "tagged", found "="'],
  ["host = 1 AND state = 2", 9, 'found "AND"'],
  ["- 1", 0, 'unexpected character "-"'],
  ['host = "a" and @', 15, 'unexpected character "@"'],
];

describe("parseQuery: syntax errors", () => {
  for (const [query, position, fragment] of ERRORS) {
    it(`${JSON.stringify(query)} fails at ${position}: ${fragment}`, () => {
      assert.throws(
        () => parseQuery(query),
        (err: unknown) => {
          assert.ok(err instanceof QuerySyntaxError, `expected a QuerySyntaxError, got ${String(err)}`);
          assert.equal(err.position, position, err.message);
          assert.ok(err.reason.includes(fragment), `reason ${JSON.stringify(err.reason)} lacks ${JSON.stringify(fragment)}`);
          assert.equal(err.query, query);
          return true;
        },
      );
    });
  }

  it("renders the query with a caret under the position", () => {
    const err = syntaxError('host = "a" and service =');
    assert.equal(err.message, ['expected a value after "=" at position 24', '  host = "a" and service =', `  ${" ".repeat(24)}^`].join("\n"));
    assert.equal(err.name, "QuerySyntaxError");
    assert.ok(err instanceof Error);
  });

  it("keeps the caret aligned across newlines and tabs", () => {
    const [, query, caret] = syntaxError('host = "a"\n\tand ?').message.split("\n");
    assert.equal(query, '  host = "a"  and ?');
    assert.equal(caret?.indexOf("^"), query.indexOf("?"));
  });

  it("shows a window around the position of a long query", () => {
    const [, query, caret] = syntaxError(`${"a = 1 and ".repeat(30)}? and b = 2`).message.split("\n");
    assert.ok(query !== undefined && query.startsWith("  …"), query);
    assert.ok(query.length < 80, query);
    assert.equal(caret?.indexOf("^"), query.indexOf("?"));
  });
});
