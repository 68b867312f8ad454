/**
 * The parser of Riemann's query language: a recursive-descent parser over the
 * lexer's tokens that builds a small AST (`QueryNode`). Precedence is
 * `not` > `and` > `or`, parentheses group. Every mistake is a
 * `QuerySyntaxError` pointing at the offending token. Patterns (`=~`, `~=`)
 * are checked here so a bad regex is a syntax error, not a runtime surprise.
 */
import { QuerySyntaxError } from "./errors.ts";
import { tokenize, type Token } from "./lexer.ts";

/** A literal value: strings, numbers, `true`/`false`, and `nil`/`null` (read as `null`, "absent"). */
export type Literal = string | number | boolean | null;

/** One side of a comparison: a field of the event (or custom attribute), or a literal. `position` is its offset in the query. */
export type Operand =
  | { readonly kind: "field"; readonly name: string; readonly position: number }
  | { readonly kind: "literal"; readonly value: Literal; readonly position: number };

/**
 * The query AST. `and`/`or` are n-ary and never directly nest in a node of
 * the same kind (the parser flattens `a and (b and c)`); parentheses leave no
 * trace.
 */
export type QueryNode =
  | { readonly kind: "or"; readonly operands: readonly QueryNode[] }
  | { readonly kind: "and"; readonly operands: readonly QueryNode[] }
  | { readonly kind: "not"; readonly operand: QueryNode }
  /** `tagged "x"`: the event's tags include x. */
  | { readonly kind: "tagged"; readonly tag: string; readonly position: number }
  /** `a = b`, `a != b`. */
  | { readonly kind: "equal"; readonly op: "=" | "!="; readonly left: Operand; readonly right: Operand; readonly position: number }
  /** `a < n` and friends; the right side is always a number literal. */
  | { readonly kind: "order"; readonly op: "<" | ">" | "<=" | ">="; readonly left: Operand; readonly right: number; readonly position: number }
  /** `a =~ "pat%"`: SQL LIKE, `%` matches any run of characters, anchored at both ends. */
  | { readonly kind: "like"; readonly left: Operand; readonly pattern: string; readonly position: number }
  /** `a ~= "re"`: regular expression search (unanchored). */
  | { readonly kind: "regex"; readonly left: Operand; readonly pattern: string; readonly position: number }
  /** A bare value or field: true when it is truthy (not nil and not false), e.g. `true` matches everything. */
  | { readonly kind: "truthy"; readonly operand: Operand; readonly position: number };

/**
 * Parses a query into its AST. Throws `QuerySyntaxError` (with the 0-based
 * `position` of the problem) on any mistake, including an invalid regular
 * expression after `~=`.
 *
 * Grammar: `or := and ("or" and)*`, `and := unary ("and" unary)*`,
 * `unary := "not" unary | "(" or ")" | simple`, `simple := "tagged" string |
 * value [op value]`, where a value is a field name or a literal and the right
 * side of `< > <= >=` must be a number and of `=~ ~=` a string.
 *
 * Differs from Riemann: names are `[A-Za-z_]` then letters, digits and
 * `_ . - / :` (Riemann accepts nearly any character, so `metric>5` lexes
 * there as one name); keywords are lower case only, as in Riemann.
 *
 * @example
 * parseQuery('service = "cpu" and not state = "ok"');
 * // { kind: "and", operands: [ { kind: "equal", ... }, { kind: "not", operand: { kind: "equal", ... } } ] }
 */
export function parseQuery(query: string): QueryNode {
  return new Parser(query).parseAll();
}

/** ", found X" for an unexpected token; nothing at the end of the query (the position says it). */
function found(tok: Token): string {
  return tok.kind === "eof" ? "" : `, found ${describe(tok)}`;
}

function describe(tok: Token): string {
  switch (tok.kind) {
    case "eof":
      return "the end of the query";
    case "string":
      return `the string ${tok.text}`;
    case "number":
      return `the number ${tok.text}`;
    default:
      return JSON.stringify(tok.text);
  }
}

class Parser {
  private readonly tokens: Token[];
  private i = 0;

  constructor(private readonly query: string) {
    this.tokens = tokenize(query);
  }

  parseAll(): QueryNode {
    const node = this.parseOr(undefined);
    const tok = this.peek();
    if (tok.kind !== "eof") this.fail(`expected "and", "or" or the end of the query, found ${describe(tok)}`, tok.start);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private previous(): Token | undefined {
    return this.tokens[this.i - 1];
  }

  private advance(): Token {
    return this.tokens[this.i++]!;
  }

  private isKeyword(word: string): boolean {
    const tok = this.peek();
    return tok.kind === "keyword" && tok.text === word;
  }

  private fail(reason: string, position: number): never {
    throw new QuerySyntaxError(reason, position, this.query);
  }

  /** `open` is the "(" this expression sits in, for error messages. */
  private parseOr(open: Token | undefined): QueryNode {
    const first = this.parseAnd(open);
    if (!this.isKeyword("or")) return first;
    const operands: QueryNode[] = [];
    pushFlat(operands, first, "or");
    while (this.isKeyword("or")) {
      this.advance();
      pushFlat(operands, this.parseAnd(open), "or");
    }
    return { kind: "or", operands };
  }

  private parseAnd(open: Token | undefined): QueryNode {
    const first = this.parseUnary(open);
    if (!this.isKeyword("and")) return first;
    const operands: QueryNode[] = [];
    pushFlat(operands, first, "and");
    while (this.isKeyword("and")) {
      this.advance();
      pushFlat(operands, this.parseUnary(open), "and");
    }
    return { kind: "and", operands };
  }

  private parseUnary(open: Token | undefined): QueryNode {
    const tok = this.peek();
    if (tok.kind === "keyword" && tok.text === "not") {
      this.advance();
      return { kind: "not", operand: this.parseUnary(open) };
    }
    if (tok.kind === "(") {
      this.advance();
      const inner = this.parseOr(tok);
      const close = this.peek();
      if (close.kind !== ")") {
        if (close.kind === "eof") this.fail(`expected ")" to close the "(" at position ${tok.start}`, close.start);
        this.fail(`expected "and", "or" or ")"${found(close)}`, close.start);
      }
      this.advance();
      return inner;
    }
    return this.parseSimple(open);
  }

  private parseSimple(open: Token | undefined): QueryNode {
    const tok = this.peek();
    if (tok.kind === "keyword" && tok.text === "tagged") {
      this.advance();
      const str = this.peek();
      if (str.kind !== "string") this.fail(`expected a string after "tagged"${found(str)}`, str.start);
      this.advance();
      return { kind: "tagged", tag: str.value, position: tok.start };
    }
    const left = this.operand();
    if (left === undefined) {
      const prev = this.previous();
      const after = prev === undefined ? "" : ` after ${JSON.stringify(prev.text)}`;
      if (tok.kind === ")" && open === undefined) this.fail(`unexpected ")" with no "(" to close`, tok.start);
      this.fail(`expected a predicate${after}${found(tok)}`, tok.start);
    }
    const opTok = this.peek();
    if (opTok.kind !== "op") return { kind: "truthy", operand: left, position: left.position };
    this.advance();
    const op = opTok.text;
    const rhs = this.peek();
    switch (op) {
      case "=":
      case "!=": {
        const right = this.operand();
        if (right === undefined) this.fail(`expected a value after "${op}"${found(rhs)}`, rhs.start);
        return { kind: "equal", op, left, right, position: left.position };
      }
      case "<":
      case ">":
      case "<=":
      case ">=":
        if (rhs.kind !== "number") this.fail(`expected a number after "${op}"${found(rhs)}`, rhs.start);
        this.advance();
        return { kind: "order", op, left, right: rhs.value, position: left.position };
      case "=~":
      case "~=":
        if (rhs.kind !== "string") this.fail(`expected a string pattern after "${op}"${found(rhs)}`, rhs.start);
        this.advance();
        if (op === "=~") return { kind: "like", left, pattern: rhs.value, position: left.position };
        try {
          new RegExp(rhs.value);
        } catch (err) {
          this.fail(`invalid regular expression: ${(err as Error).message}`, rhs.start);
        }
        return { kind: "regex", left, pattern: rhs.value, position: left.position };
    }
  }

  /** Consumes and returns a value (field or literal) if the next token is one. */
  private operand(): Operand | undefined {
    const tok = this.peek();
    let operand: Operand;
    switch (tok.kind) {
      case "name":
        operand = { kind: "field", name: tok.text, position: tok.start };
        break;
      case "string":
      case "number":
        operand = { kind: "literal", value: tok.value, position: tok.start };
        break;
      case "keyword":
        if (tok.text === "true" || tok.text === "false") operand = { kind: "literal", value: tok.text === "true", position: tok.start };
        else if (tok.text === "nil" || tok.text === "null") operand = { kind: "literal", value: null, position: tok.start };
        else return undefined;
        break;
      default:
        return undefined;
    }
    this.advance();
    return operand;
  }
}

function pushFlat(into: QueryNode[], node: QueryNode, kind: "and" | "or"): void {
  if (node.kind === kind) into.push(...node.operands);
  else into.push(node);
}
