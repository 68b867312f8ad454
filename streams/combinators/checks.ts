/**
 * Argument checks for the combinators of this folder. They run once, when a
 * stream is built (rule load time), never per event, and throw an error that
 * names the combinator, the parameter, what was expected and what came, so a
 * bad rule is rejected at load with a message its author can act on.
 */

/**
 * Returns `value` if it is a finite number > 0, else throws a `RangeError`.
 *
 * @example
 * checkPositive("ewma", "halflifeSeconds", 30); // 30
 * checkPositive("by", "idleSeconds", 0); // RangeError: by: idleSeconds must be a finite number > 0, got 0
 */
export function checkPositive(where: string, param: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${where}: ${param} must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

/**
 * Returns `value` if it is a finite number, else throws a `RangeError`.
 *
 * @example
 * checkFinite("scale", "factor", 0.001); // 0.001
 * checkFinite("scale", "factor", NaN); // RangeError: scale: factor must be a finite number, got NaN
 */
export function checkFinite(where: string, param: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(`${where}: ${param} must be a finite number, got ${String(value)}`);
  }
  return value;
}

/**
 * Returns `value` if it is a function, else throws a `TypeError`.
 *
 * @example
 * checkFunction("where", "pred", (e: Event) => e.metric !== undefined);
 * checkFunction("where", "pred", "metric"); // TypeError: where: pred must be a function, got string
 */
export function checkFunction<F>(where: string, param: string, value: F): F {
  if (typeof value !== "function") throw new TypeError(`${where}: ${param} must be a function, got ${describe(value)}`);
  return value;
}

/**
 * Normalises a tag argument (one tag or a list of tags) to a fresh array of
 * strings, or throws a `TypeError`.
 *
 * @example
 * tagList("tag", "tags", "maintenance"); // ["maintenance"]
 * tagList("tagged", "tags", ["a", "b"]); // ["a", "b"]
 */
export function tagList(where: string, param: string, tags: readonly string[] | string): string[] {
  const list: string[] | undefined = typeof tags === "string" ? [tags] : Array.isArray(tags) ? (tags as readonly string[]).slice() : undefined;
  if (list === undefined || list.some((t) => typeof t !== "string")) {
    throw new TypeError(`${where}: ${param} must be a string or an array of strings, got ${describe(tags)}`);
  }
  return list;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}
