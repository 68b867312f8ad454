/**
 * Label matchers, as Alertmanager's silences have them: `name=value`,
 * `name!=value`, `name=~regex`, `name!~regex`. A silence mutes an alert when
 * every one of its matchers matches the alert's labels (host, service, rule,
 * severity, subject, key, routing, plus the attributes of the event that
 * opened the alert). A missing label counts as the empty string; regexes are
 * anchored at both ends.
 */
import { AlertingInputError, describeValue } from "./errors.ts";

/** One condition on one label. */
export interface Matcher {
  /** The label's name: "host", "service", "rule", "severity", "subject", "key", "routing" or an event attribute. */
  readonly name: string;
  /** The value to compare with, or a regular expression when `isRegex`. */
  readonly value: string;
  /** Compare as an (anchored) regular expression. Default false. */
  readonly isRegex: boolean;
  /** True: the label must match; false: it must not. Default true. */
  readonly isEqual: boolean;
}

/** An alert's labels: name → value. */
export type Labels = Readonly<Record<string, string | undefined>>;

/** Most matchers in one silence. */
export const MAX_MATCHERS = 32;

/** Longest matcher value (regexes included), characters. */
export const MAX_MATCHER_VALUE = 1000;

/** Label names: letters, digits, "_", "." and "-", not starting with a digit. */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Compiles one matcher to a predicate over labels.
 *
 * @example
 * const m = compileMatcher({ name: "host", value: "web.*", isRegex: true, isEqual: true });
 * m({ host: "web1" }); // true
 * m({ host: "db1" }); // false
 */
export function compileMatcher(m: Matcher): (labels: Labels) => boolean {
  const { name, value } = m;
  if (m.isRegex) {
    const re = new RegExp(`^(?:${value})$`);
    return m.isEqual ? (labels) => re.test(labels[name] ?? "") : (labels) => !re.test(labels[name] ?? "");
  }
  return m.isEqual ? (labels) => (labels[name] ?? "") === value : (labels) => (labels[name] ?? "") !== value;
}

/**
 * Compiles a silence's matchers: the predicate is true when all match.
 *
 * @example
 * const muted = compileMatchers([{ name: "host", value: "h1", isRegex: false, isEqual: true }]);
 * muted({ host: "h1", rule: "disk/full" }); // true
 */
export function compileMatchers(matchers: readonly Matcher[]): (labels: Labels) => boolean {
  const fns = matchers.map(compileMatcher);
  return function allMatch(labels: Labels): boolean {
    for (const f of fns) if (!f(labels)) return false;
    return true;
  };
}

/**
 * Parses the command-line form: `name=value`, `name!=value`, `name=~regex`
 * or `name!~regex` (the value may itself contain "=").
 *
 * @example
 * parseMatcher("rule=~builtin/.*"); // { name: "rule", value: "builtin/.*", isRegex: true, isEqual: true }
 */
export function parseMatcher(text: string): Matcher {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(=~|!~|!=|=)(.*)$/s.exec(text);
  if (m === null) throw new AlertingInputError("matcher", `must look like name=value, name!=value, name=~regex or name!~regex, got ${describeValue(text)}`);
  const op = m[2]!;
  return { name: m[1]!, value: m[3]!, isRegex: op.endsWith("~"), isEqual: op.startsWith("=") };
}

/**
 * The command-line form of a matcher (what `parseMatcher` reads).
 *
 * @example
 * formatMatcher({ name: "host", value: "h1", isRegex: false, isEqual: false }); // "host!=h1"
 */
export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.isEqual ? "=" : "!"}${m.isRegex ? "~" : m.isEqual ? "" : "="}${m.value}`;
}

/**
 * Checks a silence's `matchers` from the API: a non-empty array of
 * `{name, value, isRegex?, isEqual?}`; a regex must compile; at least one
 * matcher must not match the empty label (so a silence can never mute
 * everything by accident). Throws `AlertingInputError` naming e.g.
 * `matchers[1].value`.
 *
 * @example
 * validateMatchers([{ name: "host", value: "h1" }], "matchers"); // [{ name: "host", value: "h1", isRegex: false, isEqual: true }]
 */
export function validateMatchers(raw: unknown, field: string): Matcher[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new AlertingInputError(field, `must be a non-empty array of {name, value, isRegex?, isEqual?}, got ${describeValue(raw)}`);
  if (raw.length > MAX_MATCHERS) throw new AlertingInputError(field, `must have at most ${MAX_MATCHERS} matchers, got ${raw.length}`);
  const out: Matcher[] = [];
  raw.forEach((item: unknown, i) => {
    const at = `${field}[${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) throw new AlertingInputError(at, `must be an object {name, value, isRegex?, isEqual?}, got ${describeValue(item)}`);
    const o = item as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!["name", "value", "isRegex", "isEqual"].includes(k)) throw new AlertingInputError(`${at}.${k}`, "is not a matcher field (fields: name, value, isRegex, isEqual)");
    if (typeof o.name !== "string" || !LABEL_NAME.test(o.name)) throw new AlertingInputError(`${at}.name`, `must be a label name (letters, digits, _ . -), got ${describeValue(o.name)}`);
    if (typeof o.value !== "string") throw new AlertingInputError(`${at}.value`, `must be a string, got ${describeValue(o.value)}`);
    if (o.value.length > MAX_MATCHER_VALUE) throw new AlertingInputError(`${at}.value`, `must be at most ${MAX_MATCHER_VALUE} characters, got ${o.value.length}`);
    if (o.isRegex !== undefined && typeof o.isRegex !== "boolean") throw new AlertingInputError(`${at}.isRegex`, `must be true or false, got ${describeValue(o.isRegex)}`);
    if (o.isEqual !== undefined && typeof o.isEqual !== "boolean") throw new AlertingInputError(`${at}.isEqual`, `must be true or false, got ${describeValue(o.isEqual)}`);
    const m: Matcher = { name: o.name, value: o.value, isRegex: o.isRegex === true, isEqual: o.isEqual !== false };
    if (m.isRegex) {
      try {
        new RegExp(`^(?:${m.value})$`);
      } catch (err) {
        throw new AlertingInputError(`${at}.value`, `is not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    out.push(m);
  });
  if (out.every((m) => compileMatcher(m)({}))) {
    throw new AlertingInputError(field, "must include at least one matcher that does not match an empty label (a silence must not mute everything)");
  }
  return out;
}
