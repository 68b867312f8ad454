/**
 * Riemann's protobuf messages, loaded with protobufjs from our own
 * `proto/riemann.proto` (written from Riemann's documented definitions):
 * the TypeScript shapes of decoded messages, and `decodeMsg`/`encodeMsg`,
 * the only two places bytes become messages and back. Field names stay
 * snake_case as on the wire (`time_micros`, `metric_sint64`). Decoding
 * goes through `RiemannReader`, protobufjs' buffer reader with two changes
 * for the hot path: 64-bit varints come out as plain numbers instead of
 * `Long` objects, and short strings (hosts, services, states, tags repeat
 * endlessly) are interned, so an event kept in the index does not carry
 * its own copies. Values encoded elsewhere may still be `Long`s, so readers
 * go through `int64ToNumber`.
 */
import { readFileSync } from "node:fs";
import protobuf from "protobufjs";
import type { Root } from "protobufjs";

/** A decoded int64/sint64: a number, or a `Long` when protobufjs has the `long` package. */
export type Int64 = number | { toNumber(): number };

/** A custom attribute on the wire. Riemann's values are always strings. */
export interface PbAttribute {
  key: string;
  value?: string | null;
}

/**
 * One Riemann event as protobufjs decodes or encodes it. A decoded message
 * has an own property only for the fields present on the wire (defaults sit
 * on the prototype), which is how presence is tested.
 */
export interface PbEvent {
  time?: Int64 | null;
  state?: string | null;
  service?: string | null;
  host?: string | null;
  description?: string | null;
  tags?: string[] | null;
  ttl?: number | null;
  attributes?: PbAttribute[] | null;
  time_micros?: Int64 | null;
  metric_sint64?: Int64 | null;
  metric_d?: number | null;
  metric_f?: number | null;
}

/** A query message: the query-language text. */
export interface PbQuery {
  string?: string | null;
}

/** The one top-level message, in both directions. `states` is accepted and ignored, as Riemann does. */
export interface PbMsg {
  ok?: boolean | null;
  error?: string | null;
  states?: unknown[] | null;
  query?: PbQuery | null;
  events?: PbEvent[] | null;
}

const PROTO_SOURCE = readFileSync(new URL("./proto/riemann.proto", import.meta.url), "utf8");

/**
 * The parsed schema (protobufjs reflection root) holding `Msg`, `Event`,
 * `Query`, `State`, `Attribute`, resolved and ready to use.
 *
 * @example
 * riemannRoot.lookupType("Event").fields.time_micros.id; // 10
 */
export const riemannRoot: Root = protobuf.parse(PROTO_SOURCE, { keepCase: true }).root;
// Resolve now: protobufjs works out proto2 field features (such as
// Attribute.key being required) only when the tree is resolved.
riemannRoot.resolveAll();

const MsgType = riemannRoot.lookupType("Msg");

const TWO_32 = 4294967296;

interface ReaderState {
  buf: Uint8Array;
  pos: number;
  len: number;
}

function outOfRange(r: ReaderState): RangeError {
  return new RangeError(`index out of range: ${r.pos} + 1 > ${r.len}`);
}

/** Reads a base-128 varint of up to 10 bytes as two unsigned 32-bit halves into `halves`. */
function readVarint64(r: ReaderState, halves: Uint32Array): void {
  const buf = r.buf;
  const len = r.len;
  let pos = r.pos;
  let lo = 0;
  let b: number;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= len) throw outOfRange(r);
    b = buf[pos++]!;
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) {
      r.pos = pos;
      halves[0] = lo;
      halves[1] = 0;
      return;
    }
  }
  if (pos >= len) throw outOfRange(r);
  b = buf[pos++]!;
  lo |= (b & 0x7f) << 28;
  let hi = (b & 0x7f) >> 4;
  if (b >= 0x80) {
    for (let shift = 3; ; shift += 7) {
      if (shift > 31) throw new Error("invalid varint encoding");
      if (pos >= len) throw outOfRange(r);
      b = buf[pos++]!;
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
  }
  r.pos = pos;
  halves[0] = lo;
  halves[1] = hi;
}

function signedNumber(lo: number, hi: number): number {
  if (hi >>> 31) {
    lo = (~lo + 1) >>> 0;
    hi = ~hi >>> 0;
    if (lo === 0) hi = (hi + 1) >>> 0;
    return -(lo + hi * TWO_32);
  }
  return (lo >>> 0) + (hi >>> 0) * TWO_32;
}

const halves = new Uint32Array(2);

function readInt64Number(this: ReaderState): number {
  readVarint64(this, halves);
  return signedNumber(halves[0]!, halves[1]!);
}

function readSint64Number(this: ReaderState): number {
  readVarint64(this, halves);
  const lo = halves[0]!;
  const hi = halves[1]!;
  const mask = -(lo & 1);
  return signedNumber(((lo >>> 1) | (hi << 31)) ^ mask, (hi >>> 1) ^ mask);
}

function readUint64Number(this: ReaderState): number {
  readVarint64(this, halves);
  return halves[0]! + halves[1]! * TWO_32;
}

/** Longest string (bytes) the intern table holds. */
const INTERN_MAX_BYTES = 48;
/** Slots of the direct-mapped intern table (a power of two). */
const INTERN_SLOTS = 8192;
const internBytes = new Uint8Array(INTERN_SLOTS * INTERN_MAX_BYTES);
const internLengths = new Int32Array(INTERN_SLOTS).fill(-1);
const internStrings: string[] = new Array<string>(INTERN_SLOTS).fill("");

interface BufferReaderState extends ReaderState {
  buf: Buffer;
  uint32(): number;
}

/**
 * Reads a length-delimited UTF-8 string. Strings of up to 48 bytes go
 * through a direct-mapped table keyed by an FNV-1a hash of their bytes: a
 * hit returns the string decoded earlier (no allocation), a miss decodes and
 * replaces the slot. Like protobufjs, a length past the end is clipped.
 */
function readStringInterned(this: BufferReaderState): string {
  const len = this.uint32();
  const buf = this.buf;
  const start = this.pos;
  const end = Math.min(start + len, this.len);
  this.pos = end;
  const n = end - start;
  if (n === 0) return "";
  if (n > INTERN_MAX_BYTES) return buf.toString("utf8", start, end);
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  const slot = (h >>> 0) & (INTERN_SLOTS - 1);
  const base = slot * INTERN_MAX_BYTES;
  if (internLengths[slot] === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (internBytes[base + i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return internStrings[slot]!;
  }
  const s = buf.toString("utf8", start, end);
  for (let i = 0; i < n; i++) internBytes[base + i] = buf[start + i]!;
  internLengths[slot] = n;
  internStrings[slot] = s;
  return s;
}

/**
 * protobufjs' Node buffer reader with 64-bit varints (`int64`, `sint64`,
 * `uint64`) read as JavaScript numbers (exact up to 2^53 in magnitude) and
 * short strings interned (see the file header).
 *
 * @example
 * MsgType.decode(new RiemannReader(buffer));
 */
export class RiemannReader extends protobuf.BufferReader {}
Object.assign(RiemannReader.prototype, { int64: readInt64Number, sint64: readSint64Number, uint64: readUint64Number, string: readStringInterned });

/**
 * Decodes one `Msg` from `bytes` (no length prefix). Throws an Error naming
 * the problem when the bytes are not a valid message (truncated, bad wire
 * type, missing required attribute key, invalid UTF-8 is replaced, not thrown).
 *
 * @example
 * const msg = decodeMsg(frame);
 * msg.events?.length;
 */
export function decodeMsg(bytes: Uint8Array): PbMsg {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return MsgType.decode(new RiemannReader(buffer)) as unknown as PbMsg;
}

/**
 * Encodes `msg` as protobuf bytes (no length prefix). Fields that are
 * undefined or null are left out; int64 fields accept plain numbers.
 *
 * @example
 * const bytes = encodeMsg({ ok: true });
 */
export function encodeMsg(msg: PbMsg): Uint8Array {
  return MsgType.encode(msg).finish();
}

/**
 * A decoded 64-bit field as a JavaScript number. Values beyond 2^53 lose
 * precision (unix microseconds stay exact until the year 2255).
 *
 * @example
 * int64ToNumber(decodeMsg(frame).events![0]!.time_micros!); // 1700000000123456
 */
export function int64ToNumber(value: Int64): number {
  return typeof value === "number" ? value : value.toNumber();
}
