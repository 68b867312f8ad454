/**
 * The lexer of Riemann's query language: turns a query string into tokens
 * (names, keywords, strings, numbers, operators, parentheses), each with its
 * offset in the query so the parser can point at mistakes. Whitespace and
 * commas separate tokens, as in Riemann (whose lexer treats `,` as blank).
 */
import { QuerySyntaxError } from "./errors.ts";

/** The comparison operators of the language. */
export type Operator = "=" | "!=" | "<" | ">" | "<=" | ">=" | "=~" | "~=";

/** Reserved words: never field names. */
export type Keyword = "and" | "or" | "not" | "tagged" | "true" | "false" | "nil" | "null";

/** One token; `start`/`end` are offsets into the query (end exclusive). */
export type Token =
  | { readonly kind: "name"; readonly text: string; readonly start: number; readonly end: number }
  | { readonly kind: "keyword"; readonly text: Keyword; readonly start: number; readonly end: number }
  | { readonly kind: "string"; readonly text: string; readonly value: string; readonly start: number; readonly end: number }
  | { readonly kind: "number"; readonly text: string; readonly value: number; readonly start: number; readonly end: number }
  | { readonly kind: "op"; readonly text: Operator; readonly start: number; readonly end: number }
  | { readonly kind: "(" | ")" | "eof"; readonly text: string; readonly start: number; readonly end: number };

const KEYWORDS: ReadonlySet<string> = new Set<Keyword>(["and", "or", "not", "tagged", "true", "false", "nil", "null"]);

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 /* _ */ || c > 127;
}

function isNameRest(c: number): boolean {
  // letters, digits, _ . - / : (attribute keys like "disk.used", "k8s/pod", "app-name")
  return isNameStart(c) || isDigit(c) || c === 46 || c === 45 || c === 47 || c === 58;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 44 /* , */;
}

/**
 * Splits `query` into tokens, ending with one `eof` token at `query.length`.
 * Throws `QuerySyntaxError` on a character that starts no token, an
 * unterminated string, a bad escape or a malformed number.
 *
 * Numbers: `-`? digits, optional `.digits`, optional exponent `e[+-]digits`,
 * an optional `L`/`N` suffix on integers (Riemann's long/bigint, read as a
 * plain number), and `Infinity`, `-Infinity`, `NaN`. Strings are
 * double-quoted with escapes `\" \\ \/ \n \t \r \b \f \uXXXX`.
 *
 * @example
 * tokenize('metric > 1e3').map((t) => t.kind); // ["name", "op", "number", "eof"]
 */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  const n = query.length;
  let i = 0;
  while (i < n) {
    const c = query.charCodeAt(i);
    if (isBlank(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === 40 || c === 41) {
      tokens.push({ kind: c === 40 ? "(" : ")", text: query[i]!, start, end: i + 1 });
      i++;
    } else if (c === 34 /* " */) {
      i = readString(query, i, tokens);
    } else if (isDigit(c) || (c === 45 /* - */ && (isDigit(query.charCodeAt(i + 1)) || query.startsWith("Infinity", i + 1) || query.startsWith("NaN", i + 1)))) {
      i = readNumber(query, i, tokens);
    } else if (isNameStart(c)) {
      i++;
      while (i < n && isNameRest(query.charCodeAt(i))) i++;
      const text = query.slice(start, i);
      if (text === "Infinity" || text === "NaN") tokens.push({ kind: "number", text, value: Number(text), start, end: i });
      else if (KEYWORDS.has(text)) tokens.push({ kind: "keyword", text: text as Keyword, start, end: i });
      else tokens.push({ kind: "name", text, start, end: i });
    } else {
      const op = readOperator(query, i);
      if (op === undefined) throw new QuerySyntaxError(`unexpected character ${JSON.stringify(query[i])}`, i, query);
      tokens.push({ kind: "op", text: op, start, end: i + op.length });
      i += op.length;
    }
  }
  tokens.push({ kind: "eof", text: "", start: n, end: n });
  return tokens;
}

function readOperator(query: string, i: number): Operator | undefined {
  const two = query.slice(i, i + 2);
  if (two === "!=" || two === "<=" || two === ">=" || two === "=~" || two === "~=") return two;
  const one = query[i];
  if (one === "=" || one === "<" || one === ">") return one;
  return undefined;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', "\\": "\\", "/": "/", n: "\n", t: "\t", r: "\r", b: "\b", f: "\f" };

/** Reads a string literal starting at the quote at `start`; returns the offset after the closing quote. */
function readString(query: string, start: number, tokens: Token[]): number {
  let value = "";
  let i = start + 1;
  let chunk = i;
  for (;;) {
    if (i >= query.length) throw new QuerySyntaxError("unterminated string (no closing quote)", start, query);
    const ch = query[i];
    if (ch === '"') break;
    if (ch !== "\\") {
      i++;
      continue;
    }
    value += query.slice(chunk, i);
    const esc = query[i + 1];
    if (esc === undefined) throw new QuerySyntaxError("unterminated string (no closing quote)", start, query);
    const simple = SIMPLE_ESCAPES[esc];
    if (simple !== undefined) {
      value += simple;
      i += 2;
    } else if (esc === "u") {
      const hex = query.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new QuerySyntaxError("expected four hex digits after \\u", i, query);
      value += String.fromCharCode(parseInt(hex, 16));
      i += 6;
    } else {
      throw new QuerySyntaxError(`unknown escape \\${esc} in string`, i, query);
    }
    chunk = i;
  }
  value += query.slice(chunk, i);
  tokens.push({ kind: "string", text: query.slice(start, i + 1), value, start, end: i + 1 });
  return i + 1;
}

const NUMBER = /-?(?:Infinity|NaN|(\d+)(?:([lLnN])|(\.\d+)?([eE][+-]?\d+)?))/y;

/** Reads a number starting at `start`; returns the offset after it. */
function readNumber(query: string, start: number, tokens: Token[]): number {
  NUMBER.lastIndex = start;
  const m = NUMBER.exec(query);
  if (m === null) throw new QuerySyntaxError("malformed number", start, query);
  let end = start + m[0].length;
  // "1.", "1e", "12abc": a number must not run straight into a name character.
  if (end < query.length && isNameRest(query.charCodeAt(end))) {
    while (end < query.length && isNameRest(query.charCodeAt(end))) end++;
    throw new QuerySyntaxError(`malformed number ${JSON.stringify(query.slice(start, end))}`, start, query);
  }
  const digits = m[2] !== undefined ? m[0].slice(0, -1) : m[0];
  tokens.push({ kind: "number", text: m[0], value: Number(digits), start, end });
  return end;
}
