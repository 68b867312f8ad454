/**
 * Reports of a replay: a text report for people (every page, resolve and
 * host action on a timeline with ISO and relative times, then totals and the
 * trace's problems), the same as JSON for programs, and the comparison of
 * two rule sets run on one trace (`compareRuns`): pages and host take-outs
 * only in A, only in B, and in both with their time shifts, under a one-line
 * headline such as "B pages 3 times fewer than A (4 vs 12) and takes out 2
 * more hosts (7 vs 5)."
 */
import type { DecisionCounts, DecisionReport, HostEpisode, ReplayPage } from "./decisions.ts";
import { iso } from "./reader.ts";
import type { ReplayResult, ReplayRun } from "./replay.ts";

/**
 * A duration in seconds, short: "0s", "45s", "12m03s", "5h02m", "3d04h".
 *
 * @example
 * formatDuration(108);    // "1m48s"
 * formatDuration(19_800); // "5h30m"
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const sign = seconds < 0 ? "-" : "";
  let s = Math.abs(seconds);
  if (s < 60) return `${sign}${s < 10 && s % 1 !== 0 ? s.toFixed(1) : Math.round(s)}s`;
  s = Math.round(s);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number): string => String(n).padStart(2, "0");
  if (d > 0) return `${sign}${d}d${two(h)}h`;
  if (h > 0) return `${sign}${h}h${two(m)}m`;
  return `${sign}${m}m${two(sec)}s`;
}

/**
 * Time since the start of the replay as `+H:MM:SS` (`+Dd HH:MM:SS` past a day), tenths when not whole.
 *
 * @example
 * formatRelative(3723);   // "+1:02:03"
 * formatRelative(0.5);    // "+0:00:00.5"
 */
export function formatRelative(seconds: number): string {
  if (!Number.isFinite(seconds)) return "+?";
  const sign = seconds < 0 ? "-" : "+";
  // Round to tenths first, so 7.96 s is "+0:00:08", not "+0:00:07" with its fraction dropped.
  const inTenths = Math.round(Math.abs(seconds) * 10);
  const whole = Math.floor(inTenths / 10);
  const tenths = inTenths % 10;
  const d = Math.floor(whole / 86400);
  const h = Math.floor((whole % 86400) / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const two = (n: number): string => String(n).padStart(2, "0");
  const frac = tenths > 0 ? `.${tenths}` : "";
  return d > 0 ? `${sign}${d}d ${two(h)}:${two(m)}:${two(s)}${frac}` : `${sign}${h}:${two(m)}:${two(s)}${frac}`;
}

/** `n` with thousands separators. */
function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 2 ** 20) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 2 ** 30) return `${(n / 2 ** 20).toFixed(1)} MB`;
  return `${(n / 2 ** 30).toFixed(2)} GB`;
}

/** One row of the timeline. */
interface TimelineRow {
  readonly time: number;
  readonly order: number;
  readonly what: string;
  readonly text: string;
}

/** Every page, resolve and host action of `report`, in time order, as rows. */
function timeline(report: DecisionReport): TimelineRow[] {
  const rows: TimelineRow[] = [];
  let order = 0;
  for (const p of report.pages) {
    rows.push({ time: p.time, order: order++, what: "PAGE", text: `${p.severity} ${p.key}: ${p.summary}${p.repeats > 0 ? ` (+${p.repeats} repeats)` : ""}` });
    if (p.resolvedAt !== undefined) {
      rows.push({ time: p.resolvedAt, order: order++, what: "RESOLVE", text: `${p.key} after ${formatDuration(p.resolvedAt - p.time)}${p.resolveSummary === undefined ? "" : `: ${p.resolveSummary}`}` });
    }
  }
  for (const a of report.hostActions) {
    const ttl = a.ttl === undefined ? "" : ` for ${formatDuration(a.ttl)}`;
    rows.push({ time: a.time, order: order++, what: a.kind.toUpperCase(), text: `${a.host}${ttl} (${a.rule}): ${a.reason}` });
  }
  for (const e of report.episodes) {
    if (e.endedBy === "ttl" && e.until !== undefined) rows.push({ time: e.until, order: order++, what: "RETURNS", text: `${e.host} (${e.rule}): its ${e.kind} ran out after ${formatDuration(e.until - e.from)}` });
  }
  rows.sort((a, b) => a.time - b.time || a.order - b.order);
  return rows;
}

function traceLines(result: ReplayResult<unknown>, traceName: string): string[] {
  const t = result.trace;
  const lines = [`Replay of ${traceName}: ${plural(t.files.length, "file")}, ${plural(t.events, "event")}, ${bytes(t.bytes)} compressed`];
  const run = result.runs[0];
  if (run !== undefined) lines.push(`  from ${iso(run.startedAt)} to ${iso(run.endedAt)} (${formatDuration(run.endedAt - run.startedAt)} of recorded time)`);
  const perRun = result.runs.length > 1 ? ` per rule set, ${result.runs.length} rule sets` : "";
  lines.push(
    `  replayed in ${(result.wallMs / 1000).toFixed(2)} s: ${count(result.eventsPerSecond)} events/s${perRun}, ${count(result.realTimeFactor)}× real time (rules loaded in ${(result.loadMs / 1000).toFixed(1)} s)`,
  );
  if (t.dropped > 0) lines.push(`  the recorder dropped ${plural(t.dropped, "event")} while recording (see problems): those are missing from the replay`);
  return lines;
}

function rulesLine(run: ReplayRun<unknown>): string {
  const dirs = run.rules.map((r) => `${r.dir} (${r.files.length === 0 ? "no files" : r.files.join(", ")})`);
  return `Rules "${run.label}": ${dirs.length === 0 ? "none" : dirs.join("; ")}`;
}

function byRule(pages: readonly ReplayPage[]): string {
  const n = new Map<string, number>();
  for (const p of pages) n.set(p.rule, (n.get(p.rule) ?? 0) + 1);
  return [...n.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([rule, k]) => `${rule} ${k}`)
    .join(", ");
}

function summaryLines(run: ReplayRun<DecisionReport>): string[] {
  const c = run.decisions.counts;
  const lines = [
    `  pages: ${count(c.pages)} opened, ${count(c.resolves)} resolved, ${count(c.openAtEnd)} open at the end` +
      (c.repeatedPages + c.idleResolves > 0 ? ` (not counted: ${plural(c.repeatedPages, "repeat")} of open alerts, ${plural(c.idleResolves, "resolve")} of no open alert)` : ""),
  ];
  if (c.pages > 0) lines.push(`    by rule: ${byRule(run.decisions.pages)}`);
  lines.push(
    `  host actions: ${plural(c.drains, "drain")}, ${plural(c.blacklists, "blacklist")}, ${plural(c.restores, "restore")}; ` +
      `${plural(c.hostsTakenOut, "host")} taken out, ${count(c.hostsOutAtEnd)} still out at the end` +
      (c.idleHostIntents > 0 ? ` (${plural(c.idleHostIntents, "host intent")} changed nothing)` : ""),
  );
  const errors = Object.entries(run.ruleErrors);
  lines.push(
    `  engine: ${plural(run.engine.accepted, "event")}, ${plural(run.engine.expired, "expiry", "expiries")}, ${plural(run.engine.streamErrors, "stream error")}; rule errors: ` +
      (errors.length === 0 ? "none" : `${errors.map(([r, n]) => `${r} ${n}`).join(", ")} (last: ${run.lastRuleError ?? "?"})`),
  );
  if (run.lateBatches > 0) lines.push(`  ${plural(run.lateBatches, "batch", "batches")} arrived with an earlier time than the one before (the recording clock went back): replayed at the later time`);
  return lines;
}

function problemLines(result: ReplayResult<unknown>): string[] {
  const problems = result.trace.problems;
  if (problems.length === 0) return [];
  return [`Problems in the trace (${problems.length}):`, ...problems.map((p) => `  ${p.file}${p.line > 0 ? `:${p.line}` : ""}: ${p.message}`)];
}

/**
 * The text report of a one-rule-set replay: what was replayed and how fast,
 * every page, resolve and host action in time order (ISO time and time since
 * the start), totals, and the trace's problems. `traceName` is how the
 * trace is named in the first line (what the user typed).
 *
 * @example
 * process.stdout.write(formatReport(await replayTrace({ trace: "traces", rulesDir: "rules.d" }), "traces"));
 */
export function formatReport(result: ReplayResult<DecisionReport>, traceName: string): string {
  const run = result.runs[0];
  if (run === undefined) throw new Error("formatReport: the result has no run");
  const lines = [...traceLines(result, traceName), rulesLine(run), ""];
  const rows = timeline(run.decisions);
  const c = run.decisions.counts;
  lines.push(`Timeline: ${plural(c.pages, "page")}, ${plural(c.resolves, "resolve")}, ${plural(run.decisions.hostActions.length, "host action")}`);
  if (rows.length === 0) lines.push("  (nothing: these rules paged no one and moved no host)");
  for (const r of rows) lines.push(`  ${iso(r.time)}  ${formatRelative(r.time - run.startedAt).padStart(10)}  ${r.what.padEnd(9)} ${r.text}`);
  lines.push("", "Summary", ...summaryLines(run));
  const problems = problemLines(result);
  if (problems.length > 0) lines.push("", ...problems);
  return lines.join("\n") + "\n";
}

/** A page in both runs: A's and B's, and how far B's moved. */
export interface PagePair {
  readonly key: string;
  readonly a: ReplayPage;
  readonly b: ReplayPage;
  /** B's open time minus A's, seconds. */
  readonly shift: number;
  /** B's resolve time minus A's, when both resolved. */
  readonly resolveShift: number | undefined;
}

/** A host take-out in both runs. */
export interface EpisodePair {
  readonly rule: string;
  readonly host: string;
  readonly a: HostEpisode;
  readonly b: HostEpisode;
  readonly shift: number;
  readonly returnShift: number | undefined;
}

/** The differences between two runs on one trace (A the baseline, B the candidate). */
export interface Comparison {
  readonly a: string;
  readonly b: string;
  readonly headline: string;
  readonly pages: { readonly onlyA: readonly ReplayPage[]; readonly onlyB: readonly ReplayPage[]; readonly both: readonly PagePair[] };
  readonly takeOuts: { readonly onlyA: readonly HostEpisode[]; readonly onlyB: readonly HostEpisode[]; readonly both: readonly EpisodePair[] };
  readonly counts: { readonly a: DecisionCounts; readonly b: DecisionCounts };
}

interface Span {
  readonly start: number;
  readonly end: number | undefined;
}

/**
 * Pairs two time-ordered lists of spans of one key: a pair is an A span
 * and a B span that overlap (a span still open at the end runs forever),
 * taken in order; the rest are only in A or only in B.
 */
function pairSpans<T>(as: readonly T[], bs: readonly T[], span: (x: T) => Span, both: (a: T, b: T) => void, onlyA: (a: T) => void, onlyB: (b: T) => void): void {
  let i = 0;
  let j = 0;
  while (i < as.length && j < bs.length) {
    const a = span(as[i]!);
    const b = span(bs[j]!);
    const aEnd = a.end ?? Infinity;
    const bEnd = b.end ?? Infinity;
    if (a.start <= bEnd && b.start <= aEnd) both(as[i++]!, bs[j++]!);
    else if (aEnd < b.start) onlyA(as[i++]!);
    else onlyB(bs[j++]!);
  }
  while (i < as.length) onlyA(as[i++]!);
  while (j < bs.length) onlyB(bs[j++]!);
}

function groupBy<T>(items: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of items) {
    const k = key(x);
    let list = m.get(k);
    if (list === undefined) m.set(k, (list = []));
    list.push(x);
  }
  return m;
}

function ratioText(r: number): string {
  return r >= 10 ? String(Math.round(r)) : String(Math.round(r * 10) / 10);
}

/**
 * The one-sentence verdict of a comparison: how often B pages against A
 * (as a ratio when it is at least 2, else as a difference) and how many more
 * or fewer hosts it takes out.
 *
 * @example
 * headline({ pages: 12, hostsTakenOut: 5 }, { pages: 4, hostsTakenOut: 7 });
 * // "B pages 3 times fewer than A (4 vs 12) and takes out 2 more hosts (7 vs 5)."
 */
export function headline(a: Pick<DecisionCounts, "pages" | "hostsTakenOut">, b: Pick<DecisionCounts, "pages" | "hostsTakenOut">): string {
  let pages: string;
  const pa = a.pages;
  const pb = b.pages;
  if (pa === pb) pages = pa === 0 ? "B pages no one, as A" : `B pages as often as A (${count(pb)} times)`;
  else if (pb === 0) pages = `B never pages where A pages ${plural(pa, "time")}`;
  else if (pa === 0) pages = `B pages ${plural(pb, "time")} where A never pages`;
  else if (pb < pa) pages = pa / pb >= 2 ? `B pages ${ratioText(pa / pb)} times fewer than A (${count(pb)} vs ${count(pa)})` : `B pages ${count(pa - pb)} fewer times than A (${count(pb)} vs ${count(pa)})`;
  else pages = pb / pa >= 2 ? `B pages ${ratioText(pb / pa)} times more than A (${count(pb)} vs ${count(pa)})` : `B pages ${count(pb - pa)} more times than A (${count(pb)} vs ${count(pa)})`;
  const ha = a.hostsTakenOut;
  const hb = b.hostsTakenOut;
  let hosts: string;
  if (ha === hb) hosts = ha === 0 ? "takes out no host, as A" : `takes out as many hosts (${count(hb)})`;
  else if (hb > ha) hosts = `takes out ${plural(hb - ha, "more host", "more hosts")} (${count(hb)} vs ${count(ha)})`;
  else hosts = `takes out ${plural(ha - hb, "fewer host", "fewer hosts")} (${count(hb)} vs ${count(ha)})`;
  return `${pages} and ${hosts}.`;
}

/**
 * Compares two runs of one replay (`replayTraceWith` with two rule sets):
 * pages are matched by alert key, host take-outs by (rule, host); a match is
 * an A one and a B one whose open spells overlap in time. Unmatched ones are
 * only in A or only in B; matched ones carry B's time shift.
 *
 * @example
 * const result = await replayTraceWith({ trace: "traces" }, [{ rulesDir: "rules.d" }, { rulesDir: "rules.new" }]);
 * compareRuns(result.runs[0]!, result.runs[1]!).headline;
 */
export function compareRuns(a: ReplayRun<DecisionReport>, b: ReplayRun<DecisionReport>): Comparison {
  const pages = { onlyA: [] as ReplayPage[], onlyB: [] as ReplayPage[], both: [] as PagePair[] };
  const pa = groupBy(a.decisions.pages, (p) => p.key);
  const pb = groupBy(b.decisions.pages, (p) => p.key);
  const pageSpan = (p: ReplayPage): Span => ({ start: p.time, end: p.resolvedAt });
  for (const key of new Set([...pa.keys(), ...pb.keys()])) {
    pairSpans(
      pa.get(key) ?? [],
      pb.get(key) ?? [],
      pageSpan,
      (x, y) =>
        pages.both.push({ key, a: x, b: y, shift: y.time - x.time, resolveShift: x.resolvedAt !== undefined && y.resolvedAt !== undefined ? y.resolvedAt - x.resolvedAt : undefined }),
      (x) => pages.onlyA.push(x),
      (y) => pages.onlyB.push(y),
    );
  }
  const takeOuts = { onlyA: [] as HostEpisode[], onlyB: [] as HostEpisode[], both: [] as EpisodePair[] };
  const id = (e: HostEpisode): string => `${e.rule}\u0000${e.host}`;
  const ea = groupBy(a.decisions.episodes, id);
  const eb = groupBy(b.decisions.episodes, id);
  const episodeSpan = (e: HostEpisode): Span => ({ start: e.from, end: e.endedBy === undefined ? undefined : e.until });
  for (const key of new Set([...ea.keys(), ...eb.keys()])) {
    pairSpans(
      ea.get(key) ?? [],
      eb.get(key) ?? [],
      episodeSpan,
      (x, y) =>
        takeOuts.both.push({
          rule: x.rule,
          host: x.host,
          a: x,
          b: y,
          shift: y.from - x.from,
          returnShift: x.endedBy !== undefined && y.endedBy !== undefined && x.until !== undefined && y.until !== undefined ? y.until - x.until : undefined,
        }),
      (x) => takeOuts.onlyA.push(x),
      (y) => takeOuts.onlyB.push(y),
    );
  }
  const byTime = <T>(list: T[], time: (x: T) => number): void => void list.sort((x, y) => time(x) - time(y));
  byTime(pages.onlyA, (p) => p.time);
  byTime(pages.onlyB, (p) => p.time);
  byTime(pages.both, (p) => p.a.time);
  byTime(takeOuts.onlyA, (e) => e.from);
  byTime(takeOuts.onlyB, (e) => e.from);
  byTime(takeOuts.both, (e) => e.a.from);
  return { a: a.label, b: b.label, headline: headline(a.decisions.counts, b.decisions.counts), pages, takeOuts, counts: { a: a.decisions.counts, b: b.decisions.counts } };
}

function shiftText(s: number | undefined): string {
  if (s === undefined) return "?";
  return s === 0 ? "same time" : `${s > 0 ? "+" : "-"}${formatDuration(Math.abs(s))}`;
}

/**
 * The text report of a comparison: the headline, then pages and host
 * take-outs only in A, only in B and in both (with B's shifts), then both
 * runs' totals side by side.
 *
 * @example
 * const result = await replayTraceWith({ trace: "traces" }, [{ rulesDir: "a" }, { rulesDir: "b" }]);
 * process.stdout.write(formatComparison(result, "traces"));
 */
export function formatComparison(result: ReplayResult<DecisionReport>, traceName: string): string {
  const [a, b] = result.runs;
  if (a === undefined || b === undefined) throw new Error("formatComparison: the result needs two runs");
  const cmp = compareRuns(a, b);
  const start = a.startedAt;
  const at = (t: number): string => `${iso(t)}  ${formatRelative(t - start).padStart(10)}`;
  const lines = [...traceLines(result, traceName), `A: ${rulesLine(a)}`, `B: ${rulesLine(b)}`, "", cmp.headline, ""];
  const pageRow = (p: ReplayPage): string => `  ${at(p.time)}  ${p.severity} ${p.key}: ${p.summary}${p.resolvedAt === undefined ? " (open at the end)" : ` (resolved after ${formatDuration(p.resolvedAt - p.time)})`}`;
  const outRow = (e: HostEpisode): string =>
    `  ${at(e.from)}  ${e.kind} ${e.host} (${e.rule}): ${e.reason}${e.endedBy === undefined ? " (still out at the end)" : ` (back after ${formatDuration(e.until! - e.from)})`}`;
  lines.push(`Pages only in A (${cmp.pages.onlyA.length}):`, ...cmp.pages.onlyA.map(pageRow));
  lines.push(`Pages only in B (${cmp.pages.onlyB.length}):`, ...cmp.pages.onlyB.map(pageRow));
  lines.push(
    `Pages in both (${cmp.pages.both.length}):`,
    ...cmp.pages.both.map((p) => `  ${at(p.a.time)}  ${p.key}: B opens ${shiftText(p.shift)}${p.resolveShift === undefined ? "" : `, resolves ${shiftText(p.resolveShift)}`}`),
  );
  lines.push(`Hosts taken out only by A (${cmp.takeOuts.onlyA.length}):`, ...cmp.takeOuts.onlyA.map(outRow));
  lines.push(`Hosts taken out only by B (${cmp.takeOuts.onlyB.length}):`, ...cmp.takeOuts.onlyB.map(outRow));
  lines.push(
    `Hosts taken out by both (${cmp.takeOuts.both.length}):`,
    ...cmp.takeOuts.both.map((e) => `  ${at(e.a.from)}  ${e.a.kind} ${e.host} (${e.rule}): B ${shiftText(e.shift)}${e.returnShift === undefined ? "" : `, back ${shiftText(e.returnShift)}`}`),
  );
  const ca = cmp.counts.a;
  const cb = cmp.counts.b;
  const table: [string, number, number][] = [
    ["pages opened", ca.pages, cb.pages],
    ["resolved", ca.resolves, cb.resolves],
    ["open at the end", ca.openAtEnd, cb.openAtEnd],
    ["repeats not counted", ca.repeatedPages, cb.repeatedPages],
    ["drains", ca.drains, cb.drains],
    ["blacklists", ca.blacklists, cb.blacklists],
    ["restores", ca.restores, cb.restores],
    ["hosts taken out", ca.hostsTakenOut, cb.hostsTakenOut],
    ["hosts out at the end", ca.hostsOutAtEnd, cb.hostsOutAtEnd],
  ];
  lines.push("", `Totals${" ".repeat(16)}${"A".padStart(10)}${"B".padStart(10)}`);
  for (const [name, x, y] of table) lines.push(`  ${name.padEnd(20)}${count(x).padStart(10)}${count(y).padStart(10)}`);
  for (const run of [a, b]) {
    const errors = Object.entries(run.ruleErrors);
    if (errors.length > 0) lines.push(`  rule errors in ${run.label}: ${errors.map(([r, n]) => `${r} ${n}`).join(", ")} (last: ${run.lastRuleError ?? "?"})`);
  }
  const problems = problemLines(result);
  if (problems.length > 0) lines.push("", ...problems);
  return lines.join("\n") + "\n";
}

/**
 * The replay as one JSON-ready object: trace summary, speed, and every
 * run with its decisions; with two runs, the comparison too.
 *
 * @example
 * process.stdout.write(JSON.stringify(reportJson(result), null, 2));
 */
export function reportJson(result: ReplayResult<DecisionReport>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    trace: result.trace,
    speed: {
      loadMs: result.loadMs,
      wallMs: result.wallMs,
      cpuMs: result.cpuMs,
      eventsPerSecond: result.eventsPerSecond,
      virtualSeconds: result.virtualSeconds,
      realTimeFactor: result.realTimeFactor,
    },
    runs: result.runs,
  };
  if (result.runs.length === 2) out.comparison = compareRuns(result.runs[0]!, result.runs[1]!);
  return out;
}
