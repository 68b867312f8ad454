/**
 * Satellite's duration strings for manual whitelist events: the `ttl` of
 * `POST /whitelist/host/{host}/event/{id}` is written like "30sec", "5min",
 * "2hour", "7day" or "1week" (Satellite's `add-time-and-ttl` accepted
 * `^(\d+)(minute|hour|day|week)s?$`), or as plain seconds. One parser turns
 * them into seconds for the HTTP router and the settings.
 */

const UNIT_SECONDS: Readonly<Record<string, number>> = Object.freeze({
  s: 1,
  sec: 1,
  second: 1,
  m: 60,
  min: 60,
  minute: 60,
  h: 3600,
  hr: 3600,
  hour: 3600,
  d: 86_400,
  day: 86_400,
  w: 604_800,
  week: 604_800,
});

const DURATION = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/;

/**
 * Seconds in `raw`: a positive finite number (seconds), a string of digits
 * (seconds), or a positive number followed by a unit — `s`/`sec`/`second`,
 * `m`/`min`/`minute`, `h`/`hr`/`hour`, `d`/`day`, `w`/`week`, the words with an
 * optional plural "s" (so Satellite's "7days" and "2weeks" work), case
 * insensitive. Throws a RangeError saying what was expected otherwise
 * (zero and negative durations included).
 *
 * Differs from Satellite: seconds, `sec` and the one-letter units are
 * accepted too (Satellite knew minute, hour, day and week only).
 *
 * @example
 * parseDuration("7day"); // 604800
 * parseDuration("30sec"); // 30
 * parseDuration("2hours"); // 7200
 * parseDuration(90); // 90
 * parseDuration("soon"); // throws RangeError
 */
export function parseDuration(raw: unknown): number {
  if (typeof raw === "number") {
    if (Number.isFinite(raw) && raw > 0) return raw;
    throw new RangeError(`a duration must be positive, got ${raw}`);
  }
  if (typeof raw !== "string") throw new RangeError(`a duration must be a number of seconds or a string like "30sec", "5min", "2hour", "7day", got ${JSON.stringify(raw) ?? String(raw)}`);
  const match = DURATION.exec(raw.trim().toLowerCase());
  let seconds: number | undefined;
  if (match !== null) {
    const amount = Number(match[1]);
    let unit = match[2]!;
    if (unit === "") unit = "s";
    // A plural "s" only after a word ("mins", "days"), so "ms" is not read as minutes.
    else if (!(unit in UNIT_SECONDS) && unit.length > 2 && unit.endsWith("s") && unit.slice(0, -1) in UNIT_SECONDS) unit = unit.slice(0, -1);
    const factor = UNIT_SECONDS[unit];
    if (factor !== undefined) seconds = amount * factor;
  }
  if (seconds === undefined) throw new RangeError(`a duration must be a number of seconds or a string like "30sec", "5min", "2hour", "7day", got ${JSON.stringify(raw)}`);
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError(`a duration must be positive, got ${JSON.stringify(raw)}`);
  return seconds;
}
