/**
 * Cron schedules for checks, driven by the injected clock. node-cron 4
 * parses and validates the expressions (`parse`, `validateDetailed`) and
 * decides whether a day matches (`ScheduledTask.match`, which knows its
 * `L`, `W` and `#` tokens), but its only "next run" functions
 * (`getNextRun`, `getNextRuns`, `msToNext`) start from the wall clock
 * (`new Date()`) and its `schedule` fires with its own wall-time timers. So
 * the next fire time is computed here, from any instant, by walking the
 * parsed fields; the scheduler arms `Clock.setTimer` with it, and a test
 * moves a `VirtualClock`. cron.test.ts checks that this walk agrees with
 * node-cron's own `getNextRuns`.
 */
import { createTask, parse, validateDetailed, type ParsedFields } from "node-cron";

/** How far ahead `nextCronTime` looks before it concludes an expression never fires (weekday/date combinations repeat every 28 years). */
export const MAX_SEARCH_YEARS = 30;

/**
 * Why `expression` is not a valid node-cron expression, or undefined when it is.
 *
 * @example
 * cronError("*\/15 * * * * *"); // undefined
 * cronError("61 * * * *");     // "minute: 61 is a invalid expression for minute"
 */
export function cronError(expression: string): string | undefined {
  let result;
  try {
    result = validateDetailed(expression);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  if (result.valid) return nextCronTime(expression, 0) === undefined ? "it never fires (no date matches all its fields)" : undefined;
  return result.errors.map((e) => `${e.field}: ${e.message}`).join("; ") || "invalid expression";
}

/** The parsed fields as sets, plus a day matcher. */
interface Matcher {
  readonly seconds: ReadonlySet<number>;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  dayMatches(year: number, month: number, day: number): boolean;
}

function numbers(values: readonly (number | string)[]): number[] | undefined {
  const out: number[] = [];
  for (const v of values) {
    if (typeof v !== "number") return undefined;
    out.push(v);
  }
  return out;
}

function matcherOf(fields: ParsedFields, match: (d: Date) => boolean): Matcher {
  const dom = numbers(fields.dayOfMonth);
  const dow = numbers(fields.dayOfWeek);
  const h0 = Math.min(...fields.hour);
  const m0 = Math.min(...fields.minute);
  const s0 = Math.min(...fields.second);
  let dayMatches: Matcher["dayMatches"];
  if (dom !== undefined && dow !== undefined) {
    // Plain numbers: node-cron requires both the day of month and the day of week to match (dow 7 is Sunday).
    const domSet = new Set(dom);
    const dowSet = new Set(dow.map((d) => d % 7));
    dayMatches = (y, m, d) => domSet.has(d) && dowSet.has(new Date(y, m, d).getDay());
  } else {
    // L, W, # tokens: ask node-cron, at a time of day the other fields allow.
    dayMatches = (y, m, d) => match(new Date(y, m, d, h0, m0, s0));
  }
  return { seconds: new Set(fields.second), minutes: new Set(fields.minute), hours: new Set(fields.hour), months: new Set(fields.month), dayMatches };
}

/**
 * The first time strictly after `after` (unix seconds) at which
 * `expression` fires, in unix seconds (whole seconds, local time zone), or
 * undefined when it does not fire within `MAX_SEARCH_YEARS`. Throws on an
 * invalid expression (use `cronError` first).
 *
 * Across a daylight-saving change it follows the local wall clock: a time
 * in the skipped hour does not fire, a time in the repeated hour fires once.
 *
 * @example
 * nextCronTime("0 *\/5 * * * *", clock.now()); // the next whole 5 minutes
 */
export function nextCronTime(expression: string, after: number): number | undefined {
  const fields = parse(expression);
  const task = createTask(expression, () => undefined);
  try {
    const m = matcherOf(fields, (d) => task.match(d));
    let d = new Date((Math.floor(after) + 1) * 1000);
    const limit = d.getTime() + MAX_SEARCH_YEARS * 366 * 86_400_000;
    // Each step moves to the start of the next month, day, hour, minute or second the fields could allow.
    const step = (next: Date): Date => (next.getTime() > d.getTime() ? next : new Date(d.getTime() + 1000));
    while (d.getTime() <= limit) {
      const y = d.getFullYear();
      const mo = d.getMonth();
      const day = d.getDate();
      const h = d.getHours();
      const mi = d.getMinutes();
      const s = d.getSeconds();
      if (!m.months.has(mo + 1)) d = step(new Date(y, mo + 1, 1, 0, 0, 0));
      else if (!m.dayMatches(y, mo, day)) d = step(new Date(y, mo, day + 1, 0, 0, 0));
      else if (!m.hours.has(h)) d = step(new Date(y, mo, day, h + 1, 0, 0));
      else if (!m.minutes.has(mi)) d = step(new Date(y, mo, day, h, mi + 1, 0));
      else if (!m.seconds.has(s)) d = step(new Date(y, mo, day, h, mi, s + 1));
      else return d.getTime() / 1000;
    }
    return undefined;
  } finally {
    void task.destroy();
  }
}
