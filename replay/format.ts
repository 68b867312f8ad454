/**
 * The trace format (version 1): what `TraceRecorder` writes and `readTrace`
 * reads. A trace is one or more files of JSON lines, gzip-compressed, each
 * file self-contained (its own string dictionary), so any file can be read
 * after older ones were rotated away or a newer one was cut off by a crash.
 * This file owns the encoding of events into lines (`TraceEncoder`), the
 * decoding back (`TraceDecoder`) and the file names; the I/O lives in
 * recorder.ts and reader.ts. docs/replay.md describes the format for people.
 *
 * Lines, in the order they appear in a file:
 *
 *     {"satelliteTrace":1,"seq":3,"start":1700000000.5,"host":"eng1","meta":{...}}   header (first line)
 *     ["d","web1","heartbeat","ok",["check"],{"mount_point":"/"}]                        dictionary: appends to the table
 *     [1700000001.25,[0,1,1700000001.2,2,3600,30],[0,5,null,null,0.93]]                batch: receive time, then events
 *     [1700000009]                                                                      tick: the clock reached this time
 *     ["gap",120,1700000002,1700000004]                                                 the recorder dropped 120 events
 *     ["end",1700000010,{"events":2,"dropped":120}]                                    the file was closed cleanly
 *
 * An event is `[host, service, time, state, metric, ttl, description, tags,
 * attributes]`, trailing absent fields left out and absent fields in the
 * middle `null`. A `null` time means "the same as the event before it on
 * this line", and for the first event "the line's receive time": the events
 * of one message usually share a time, and a client that sends none gets the
 * receive time. At the host,
 * service and state positions a number is an index into the file's
 * dictionary and a string is the value itself; at the tags and attributes
 * positions a number is an index and an array or object the value itself;
 * the description is always written out.
 */
import type { Event } from "../streams/event.ts";

/** The version number in a trace file's header. */
export const TRACE_VERSION = 1;

/** Name of trace files: `<prefix>-<seq>-<UTC time>.jsonl.gz`, e.g. `trace-000001-20250101T120000Z.jsonl.gz`. */
export const TRACE_FILE_PATTERN = /^(.+)-(\d{6,})-(\d{8}T\d{6}Z)\.jsonl(\.gz)?$/;

/** The first line of every trace file. */
export interface TraceHeader {
  /** Always `TRACE_VERSION`; a reader refuses other versions. */
  readonly satelliteTrace: number;
  /** The file's sequence number in its directory (1, 2, ...). */
  readonly seq: number;
  /** Clock time (unix seconds) when the file was opened. */
  readonly start: number;
  /** Host name of the recording process. */
  readonly host: string;
  /** Whatever the recording process added (e.g. the hashes of the loaded rules files). */
  readonly meta?: Readonly<Record<string, unknown>> | undefined;
}

/** Counters written on a file's `end` line. */
export interface TraceEndStats {
  /** Events written to this file. */
  readonly events: number;
  /** Events the recorder dropped while this file was open (see the `gap` lines). */
  readonly dropped: number;
}

/**
 * The name of trace file number `seq` opened at clock time `t` (unix seconds).
 *
 * @example
 * traceFileName("trace", 7, 1735732800); // "trace-000007-20250101T120000Z.jsonl.gz"
 */
export function traceFileName(prefix: string, seq: number, t: number): string {
  const iso = new Date(Math.floor(t) * 1000).toISOString(); // 2025-01-01T12:00:00.000Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return `${prefix}-${String(seq).padStart(6, "0")}-${stamp}.jsonl.gz`;
}

/**
 * The sequence number in a trace file's name, or undefined when the name is not one.
 *
 * @example
 * traceFileSeq("trace-000007-20250101T120000Z.jsonl.gz"); // 7
 * traceFileSeq("notes.txt");                              // undefined
 */
export function traceFileSeq(name: string): number | undefined {
  const m = TRACE_FILE_PATTERN.exec(name);
  return m === null ? undefined : Number(m[2]);
}

/** `String(x)` for a finite number (the shortest text that reads back as exactly `x`), `null` otherwise. */
function num(x: number): string {
  return Number.isFinite(x) ? String(x) : "null";
}

/** Settings of a `TraceEncoder`. */
export interface TraceEncoderOptions {
  /** Most dictionary entries per file; past it values are written out in full. Default 65,536. */
  readonly maxDictionary?: number | undefined;
  /** Most events on one batch line. Default 1000. */
  readonly maxLineEvents?: number | undefined;
}

/**
 * Turns events into trace lines for one file. Events received at the same
 * clock time go on one batch line (up to `maxLineEvents`); host, service and
 * state names, tag lists and attribute maps are written once into the
 * file's dictionary and referred to by number afterwards. Output is text
 * appended to a caller's array, whole lines only, each ending in "\n".
 *
 * @example
 * const enc = new TraceEncoder();
 * const out: string[] = [enc.header({ satelliteTrace: 1, seq: 1, start: 100, host: "eng1" })];
 * enc.add(100.5, { host: "web1", service: "cpu", time: 100.4, metric: 0.93 }, out);
 * enc.flush(out);
 * out.join(""); // header, ["d","web1","cpu"], [100.5,[0,1,100.4,null,0.93]]
 */
export class TraceEncoder {
  private readonly strings = new Map<string, number>();
  private readonly objects = new Map<string, number>();
  private readonly maxDictionary: number;
  private readonly maxLineEvents: number;
  private size = 0;
  /** New dictionary entries (JSON texts) used by the open line. */
  private fresh = "";
  private line = "";
  private lineT = NaN;
  private lineEvents = 0;
  /** Time of the previous event on the open line (the line's receive time before the first). */
  private prevTime = NaN;
  /** Identity cache: the last tags array / attributes map seen and its encoding. */
  private lastTags: readonly string[] | undefined;
  private lastTagsText = "";
  private lastAttributes: Readonly<Record<string, string>> | undefined;
  private lastAttributesText = "";

  constructor(options: TraceEncoderOptions = {}) {
    this.maxDictionary = options.maxDictionary ?? 65_536;
    this.maxLineEvents = options.maxLineEvents ?? 1000;
  }

  /** Dictionary entries so far. */
  get dictionarySize(): number {
    return this.size;
  }

  /** The header line for `header`. */
  header(header: TraceHeader): string {
    return JSON.stringify(header) + "\n";
  }

  /** Adds `event`, received at clock time `t`; completed lines are pushed to `out`. */
  add(t: number, event: Event, out: string[]): void {
    if (t !== this.lineT || this.lineEvents >= this.maxLineEvents) {
      this.flush(out);
      this.lineT = t;
      this.prevTime = t;
      this.line = "[" + num(t);
    }
    this.line += "," + this.event(event);
    this.lineEvents++;
  }

  /** Closes the open batch line, if any, pushing it (after its dictionary line) to `out`. */
  flush(out: string[]): void {
    if (this.lineEvents === 0) return;
    if (this.fresh !== "") out.push('["d"' + this.fresh + "]\n");
    out.push(this.line + "]\n");
    this.fresh = "";
    this.line = "";
    this.lineEvents = 0;
    this.lineT = NaN;
  }

  /** A tick line: the clock reached `t` (flush first). */
  tick(t: number): string {
    return "[" + num(t) + "]\n";
  }

  /** A gap line: `dropped` events received from `from` to `to` were not written. */
  gap(dropped: number, from: number, to: number): string {
    return `["gap",${dropped},${num(from)},${num(to)}]\n`;
  }

  /** The end line of a cleanly closed file. */
  end(t: number, stats: TraceEndStats): string {
    return `["end",${num(t)},${JSON.stringify(stats)}]\n`;
  }

  private event(e: Event): string {
    // Events of one message share a time, often the receive time itself: `null` says "the same" in 4 characters.
    const same = e.time === this.prevTime;
    this.prevTime = e.time;
    let s = "[" + this.name(e.host) + "," + this.name(e.service) + "," + (same ? "null" : num(e.time));
    const { state, metric, ttl, description, tags, attributes } = e;
    const last = attributes !== undefined ? 8 : tags !== undefined ? 7 : description !== undefined ? 6 : ttl !== undefined ? 5 : metric !== undefined ? 4 : state !== undefined ? 3 : 2;
    if (last >= 3) s += state === undefined ? ",null" : "," + this.name(state);
    if (last >= 4) s += metric === undefined ? ",null" : "," + num(metric);
    if (last >= 5) s += ttl === undefined ? ",null" : "," + num(ttl);
    if (last >= 6) s += description === undefined ? ",null" : "," + JSON.stringify(description);
    if (last >= 7) {
      if (tags === undefined) s += ",null";
      else {
        if (tags !== this.lastTags) {
          this.lastTags = tags;
          this.lastTagsText = this.object(JSON.stringify(tags));
        }
        s += "," + this.lastTagsText;
      }
    }
    if (last >= 8) {
      if (attributes !== this.lastAttributes) {
        this.lastAttributes = attributes;
        this.lastAttributesText = this.object(JSON.stringify(attributes));
      }
      s += "," + this.lastAttributesText;
    }
    return s + "]";
  }

  /** A name's dictionary index (adding it if there is room) or its JSON text. */
  private name(value: string): string {
    const id = this.strings.get(value);
    if (id !== undefined) return String(id);
    const text = JSON.stringify(value);
    if (this.size >= this.maxDictionary) return text;
    this.strings.set(value, this.size);
    this.fresh += "," + text;
    return String(this.size++);
  }

  /** An array's or object's dictionary index (by its JSON text) or the text itself. */
  private object(text: string): string {
    const id = this.objects.get(text);
    if (id !== undefined) return String(id);
    if (this.size >= this.maxDictionary) return text;
    this.objects.set(text, this.size);
    this.fresh += "," + text;
    return String(this.size++);
  }
}

/** One decoded line, as `TraceDecoder.line` returns it. */
export type TraceLine =
  | { readonly kind: "header"; readonly header: TraceHeader }
  | { readonly kind: "dictionary" }
  | { readonly kind: "batch"; readonly t: number; readonly count: number }
  | { readonly kind: "gap"; readonly dropped: number; readonly from: number; readonly to: number }
  | { readonly kind: "end"; readonly t: number; readonly stats: TraceEndStats };

/** A line the decoder cannot use; the message says why. */
export class TraceFormatError extends Error {
  override readonly name = "TraceFormatError";
}

const DICTIONARY_LINE: TraceLine = Object.freeze({ kind: "dictionary" });

/** Reference of an absent field in a `PackedBatchSink`. */
export const ABSENT_REF = -1;

/**
 * Where a `TraceDecoder` made with one writes batches in packed form
 * instead of building `Event` objects (batch-codec.ts's `ChunkWriter`; the
 * reader thread uses it). References: a dictionary index (the sink keeps
 * the same table, fed by `dictionary`), `ABSENT_REF`, or what `inline`
 * returned for a value written out in full. Numbers: NaN for an absent
 * metric or ttl. A batch is `begin`, one `event` per event, then `end`;
 * `abort` drops the batch begun (a bad event rejects its whole line).
 */
export interface PackedBatchSink {
  /** Entries appended to the file's dictionary, in order. */
  dictionary(values: readonly unknown[]): void;
  begin(t: number): void;
  /** A reference to `value`, valid for the batch being written. */
  inline(value: unknown): number;
  event(host: number, service: number, state: number, description: number, tags: number, attributes: number, time: number, metric: number, ttl: number): void;
  end(): void;
  abort(): void;
}

/**
 * Reads the lines of one trace file back, in order (the dictionary builds
 * up as it goes; use a new decoder per file). `line(text)` decodes one line;
 * for a batch, the decoded events are in `events` (a reused array: the first
 * `count` entries are this line's; copy what you keep). Throws a
 * `TraceFormatError` for a line it cannot decode (nothing of it is used),
 * including any event in a batch that is not a valid event: a batch is
 * decoded all or nothing.
 *
 * @example
 * const dec = new TraceDecoder();
 * for (const text of lines) {
 *   const l = dec.line(text);
 *   if (l.kind === "batch") for (let i = 0; i < l.count; i++) engine.process(dec.events[i]!);
 * }
 */
export class TraceDecoder {
  /** The decoded events of the last batch line (first `count` entries). */
  readonly events: Event[] = [];
  private readonly dictionary: unknown[] = [];
  /** What each dictionary entry can stand for (`NAME`, `TAGS`, `ATTRIBUTES` or `OTHER`), checked once. */
  private readonly kinds: number[] = [];
  private sawHeader = false;

  /**
   * @param pack When given, batch lines are written to it in packed form
   *   and `events` is left alone (the line's `count` still says how many).
   */
  constructor(private readonly pack?: PackedBatchSink) {}

  /** Dictionary entries so far. */
  get dictionarySize(): number {
    return this.dictionary.length;
  }

  /** Decodes one line (without its "\n"). */
  line(text: string): TraceLine {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new TraceFormatError(`not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (Array.isArray(value)) {
      const head: unknown = value[0];
      if (typeof head === "number") return this.batch(value);
      if (!this.sawHeader) throw new TraceFormatError("the first line is not a trace header");
      if (head === "d") {
        const from = this.dictionary.length;
        for (let i = 1; i < value.length; i++) {
          const v: unknown = value[i];
          this.dictionary.push(typeof v === "object" && v !== null ? Object.freeze(v) : v);
          this.kinds.push(kindOf(v));
        }
        this.pack?.dictionary(this.dictionary.slice(from));
        return DICTIONARY_LINE;
      }
      if (head === "gap") {
        const [, dropped, from, to] = value as unknown[];
        if (!isCount(dropped) || !isTime(from) || !isTime(to)) throw new TraceFormatError("a gap line needs a count and two times");
        return { kind: "gap", dropped, from, to };
      }
      if (head === "end") {
        const [, t, stats] = value as unknown[];
        if (!isTime(t)) throw new TraceFormatError("an end line needs a time");
        const s = (typeof stats === "object" && stats !== null ? stats : {}) as Record<string, unknown>;
        return { kind: "end", t, stats: { events: isCount(s.events) ? s.events : 0, dropped: isCount(s.dropped) ? s.dropped : 0 } };
      }
      throw new TraceFormatError(`unknown line type ${JSON.stringify(head)}`);
    }
    if (typeof value === "object" && value !== null && "satelliteTrace" in value) {
      const h = value as Partial<TraceHeader>;
      if (h.satelliteTrace !== TRACE_VERSION) throw new TraceFormatError(`trace format version ${String(h.satelliteTrace)} is not supported (this reader reads version ${TRACE_VERSION})`);
      // A header also starts each member of concatenated files (`cat a.gz b.gz`): a fresh dictionary.
      this.sawHeader = true;
      this.dictionary.length = 0;
      this.kinds.length = 0;
      return {
        kind: "header",
        header: {
          satelliteTrace: TRACE_VERSION,
          seq: typeof h.seq === "number" ? h.seq : 0,
          start: typeof h.start === "number" ? h.start : NaN,
          host: typeof h.host === "string" ? h.host : "",
          meta: typeof h.meta === "object" && h.meta !== null ? h.meta : undefined,
        },
      };
    }
    throw new TraceFormatError("not a trace line");
  }

  private batch(value: unknown[]): TraceLine {
    if (!this.sawHeader) throw new TraceFormatError("the first line is not a trace header");
    const t = value[0] as number;
    if (!Number.isFinite(t)) throw new TraceFormatError("the receive time is not a finite number");
    if (this.pack !== undefined) return this.packBatch(value, t, this.pack);
    const events = this.events;
    const n = value.length - 1;
    let time = t;
    for (let i = 0; i < n; i++) {
      const a = value[i + 1];
      if (!Array.isArray(a)) throw new TraceFormatError(`event ${i + 1} is not an array`);
      const e = this.event(a as unknown[], i + 1, time);
      events[i] = e;
      time = e.time;
    }
    return { kind: "batch", t, count: n };
  }

  /**
   * Decodes one event; `previous` is the time a `null` time stands for. The
   * fast path: names, tag lists and attribute maps from the dictionary
   * (checked once, when the dictionary line was read). Anything else, and
   * anything wrong, goes to `checkedEvent`, which takes values written out in
   * full and throws the precise reason for a bad one.
   */
  private event(a: unknown[], position: number, previous: number): Event {
    const dict = this.dictionary;
    const kinds = this.kinds;
    const n = a.length;
    const h = a[0];
    const s = a[1];
    const host = typeof h === "number" ? (kinds[h] === NAME ? dict[h] : undefined) : h;
    const service = typeof s === "number" ? (kinds[s] === NAME ? dict[s] : undefined) : s;
    if (typeof host !== "string" || typeof service !== "string" || host === "" || service === "") return this.checkedEvent(a, position, previous);
    let time = previous;
    let state: string | undefined;
    let metric: number | undefined;
    let ttl: number | undefined;
    let description: string | undefined;
    let tags: readonly string[] | undefined;
    let attributes: Readonly<Record<string, string>> | undefined;
    let x: unknown;
    if (n > 2 && (x = a[2]) !== null) {
      if (typeof x !== "number" || !Number.isFinite(x)) return this.checkedEvent(a, position, previous);
      time = x;
    }
    if (n > 3 && (x = a[3]) !== null) {
      const v = typeof x === "number" ? (kinds[x] === NAME ? dict[x] : undefined) : x;
      if (typeof v !== "string") return this.checkedEvent(a, position, previous);
      state = v;
    }
    if (n > 4 && (x = a[4]) !== null) {
      if (typeof x !== "number" || !Number.isFinite(x)) return this.checkedEvent(a, position, previous);
      metric = x;
    }
    if (n > 5 && (x = a[5]) !== null) {
      if (typeof x !== "number" || !(x > 0) || x === Infinity) return this.checkedEvent(a, position, previous);
      ttl = x;
    }
    if (n > 6 && (x = a[6]) !== null) {
      if (typeof x !== "string") return this.checkedEvent(a, position, previous);
      description = x;
    }
    if (n > 7 && (x = a[7]) !== null) {
      if (typeof x !== "number" || kinds[x] !== TAGS) return this.checkedEvent(a, position, previous);
      tags = dict[x] as readonly string[];
    }
    if (n > 8 && (x = a[8]) !== null) {
      if (typeof x !== "number" || kinds[x] !== ATTRIBUTES) return this.checkedEvent(a, position, previous);
      attributes = dict[x] as Readonly<Record<string, string>>;
    }
    // Every field present, in makeEvent's order: one object shape for the engine's hot paths.
    return { host, service, time, state, description, metric, tags, ttl, attributes };
  }

  /** `batch` into the packed sink: the same checks, the same events, no objects made (bar the rare `checkedEvent`). */
  private packBatch(value: unknown[], t: number, out: PackedBatchSink): TraceLine {
    const n = value.length - 1;
    let time = t;
    out.begin(t);
    try {
      for (let i = 0; i < n; i++) {
        const a = value[i + 1];
        if (!Array.isArray(a)) throw new TraceFormatError(`event ${i + 1} is not an array`);
        time = this.packEvent(a as unknown[], i + 1, time, out);
      }
    } catch (err) {
      out.abort();
      throw err;
    }
    out.end();
    return { kind: "batch", t, count: n };
  }

  /** `event` into the packed sink; returns the event's time. Anything irregular goes through `checkedEvent`. */
  private packEvent(a: unknown[], position: number, previous: number, out: PackedBatchSink): number {
    const dict = this.dictionary;
    const kinds = this.kinds;
    const n = a.length;
    const h = a[0];
    const s = a[1];
    const host = typeof h === "number" ? (kinds[h] === NAME && dict[h] !== "" ? h : -2) : typeof h === "string" && h !== "" ? out.inline(h) : -2;
    const service = typeof s === "number" ? (kinds[s] === NAME && dict[s] !== "" ? s : -2) : typeof s === "string" && s !== "" ? out.inline(s) : -2;
    let ok = host !== -2 && service !== -2;
    let time = previous;
    let state = ABSENT_REF;
    let metric = NaN;
    let ttl = NaN;
    let description = ABSENT_REF;
    let tags = ABSENT_REF;
    let attributes = ABSENT_REF;
    let x: unknown;
    if (ok && n > 2 && (x = a[2]) !== null) {
      if (typeof x === "number" && Number.isFinite(x)) time = x;
      else ok = false;
    }
    if (ok && n > 3 && (x = a[3]) !== null) {
      if (typeof x === "number" ? kinds[x] === NAME : typeof x === "string") state = typeof x === "number" ? x : out.inline(x);
      else ok = false;
    }
    if (ok && n > 4 && (x = a[4]) !== null) {
      if (typeof x === "number" && Number.isFinite(x)) metric = x;
      else ok = false;
    }
    if (ok && n > 5 && (x = a[5]) !== null) {
      if (typeof x === "number" && x > 0 && x !== Infinity) ttl = x;
      else ok = false;
    }
    if (ok && n > 6 && (x = a[6]) !== null) {
      if (typeof x === "string") description = out.inline(x);
      else ok = false;
    }
    if (ok && n > 7 && (x = a[7]) !== null) {
      if (typeof x === "number" && kinds[x] === TAGS) tags = x;
      else ok = false;
    }
    if (ok && n > 8 && (x = a[8]) !== null) {
      if (typeof x === "number" && kinds[x] === ATTRIBUTES) attributes = x;
      else ok = false;
    }
    if (ok) {
      out.event(host, service, state, description, tags, attributes, time, metric, ttl);
      return time;
    }
    // Values written out in full, or something wrong (checkedEvent throws the precise reason).
    const e = this.checkedEvent(a, position, previous);
    const ref = (v: unknown): number => (v === undefined ? ABSENT_REF : out.inline(v));
    out.event(ref(e.host), ref(e.service), ref(e.state), ref(e.description), ref(e.tags), ref(e.attributes), e.time, e.metric ?? NaN, e.ttl ?? NaN);
    return e.time;
  }

  /** Decodes one event field by field, throwing a `TraceFormatError` that names the first bad field. */
  private checkedEvent(a: unknown[], position: number, previous: number): Event {
    const host = this.name(a[0], "host", position, true)!;
    const service = this.name(a[1], "service", position, true)!;
    const time = a[2] ?? previous;
    if (typeof time !== "number" || !Number.isFinite(time)) throw new TraceFormatError(`event ${position}: time is not a finite number`);
    const state = this.name(a[3], "state", position, false);
    const metric = a[4] ?? undefined;
    if (metric !== undefined && (typeof metric !== "number" || !Number.isFinite(metric))) throw new TraceFormatError(`event ${position}: metric is not a finite number`);
    const ttl = a[5] ?? undefined;
    if (ttl !== undefined && (typeof ttl !== "number" || !(ttl > 0) || ttl === Infinity)) throw new TraceFormatError(`event ${position}: ttl is not a positive number`);
    const description = a[6] ?? undefined;
    if (description !== undefined && typeof description !== "string") throw new TraceFormatError(`event ${position}: description is not a string`);
    let tags: unknown = a[7] ?? undefined;
    if (typeof tags === "number") tags = this.entry(tags, "tags", position);
    if (tags !== undefined && kindOf(tags) !== TAGS) throw new TraceFormatError(`event ${position}: tags are not a list of strings`);
    let attributes: unknown = a[8] ?? undefined;
    if (typeof attributes === "number") attributes = this.entry(attributes, "attributes", position);
    if (attributes !== undefined && kindOf(attributes) !== ATTRIBUTES) throw new TraceFormatError(`event ${position}: attributes are not an object of strings`);
    return {
      host,
      service,
      time,
      state,
      description,
      metric,
      tags: tags as readonly string[] | undefined,
      ttl,
      attributes: attributes as Readonly<Record<string, string>> | undefined,
    };
  }

  private entry(index: number, field: string, position: number): unknown {
    const v = this.dictionary[index];
    if (v === undefined) throw new TraceFormatError(`event ${position}: ${field} refers to dictionary entry ${index}, which does not exist`);
    return v;
  }

  private name(value: unknown, field: string, position: number, required: boolean): string | undefined {
    const v = typeof value === "number" ? this.entry(value, field, position) : value;
    if (typeof v === "string" && (v !== "" || !required)) return v;
    if ((v === undefined || v === null) && !required) return undefined;
    throw new TraceFormatError(`event ${position}: ${field} is not a ${required ? "non-empty " : ""}string`);
  }
}

/** Kinds of dictionary entries (and of values written out in full). */
const OTHER = 0;
const NAME = 1;
const TAGS = 2;
const ATTRIBUTES = 3;

/** What `value` can be used as in an event: a name, a tag list, an attribute map, or nothing. */
function kindOf(value: unknown): number {
  if (typeof value === "string") return NAME;
  if (Array.isArray(value)) {
    for (const s of value) if (typeof s !== "string") return OTHER;
    return TAGS;
  }
  if (typeof value === "object" && value !== null) {
    for (const k in value) if (typeof (value as Record<string, unknown>)[k] !== "string") return OTHER;
    return ATTRIBUTES;
  }
  return OTHER;
}

function isTime(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

function isCount(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 0;
}
