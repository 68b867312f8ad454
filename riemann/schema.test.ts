/**
 * Tests of the message schema and `RiemannReader`: messages round-trip,
 * 64-bit varints read as numbers agree with protobufjs' own reader on every
 * valid input, truncated input throws, and string interning never returns
 * a wrong string (slot collisions, invalid UTF-8, clipped lengths).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import protobuf from "protobufjs";
import { decodeMsg, encodeMsg, RiemannReader } from "./schema.ts";

type Kind = "int64" | "sint64" | "uint64";

function encodeVarint(kind: Kind, value: number): Buffer {
  const w = protobuf.Writer.create();
  w[kind](value);
  return Buffer.from(w.finish());
}

function readWith(reader: protobuf.Reader, kind: Kind): number {
  const v: unknown = reader[kind]();
  return typeof v === "number" ? v : (v as { toNumber(unsigned?: boolean): number }).toNumber(kind === "uint64");
}

describe("RiemannReader 64-bit varints", () => {
  const values = [0, 1, -1, 127, 128, 300, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 32, 2 ** 32 + 5, 1_700_000_000_123_456, -1_700_000_000_123_456, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
  for (const kind of ["int64", "sint64", "uint64"] as const) {
    it(`reads ${kind} values exactly, as numbers`, () => {
      for (const v of values) {
        if (kind === "uint64" && v < 0) continue;
        const bytes = encodeVarint(kind, v);
        const reader = new RiemannReader(bytes);
        assert.equal(reader[kind](), v, `${kind} ${v}`);
        assert.equal(reader.pos, bytes.length);
      }
    });
  }

  it("agrees with protobufjs' reader on 30,000 random complete varints", () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    for (let i = 0; i < 10_000; i++) {
      const len = 1 + (rand() % 10);
      const bytes = Buffer.alloc(len);
      for (let j = 0; j < len; j++) bytes[j] = (rand() & 0x7f) | (j < len - 1 ? 0x80 : 0);
      for (const kind of ["int64", "sint64", "uint64"] as const) {
        const ours = readWith(new RiemannReader(bytes), kind);
        const theirs = readWith(protobuf.Reader.create(bytes), kind);
        assert.equal(ours, theirs, `${kind} of ${bytes.toString("hex")}`);
      }
    }
  });

  it("throws on a truncated varint and on one longer than 10 bytes", () => {
    assert.throws(() => new RiemannReader(Buffer.from([0x80, 0x80])).int64(), RangeError);
    assert.throws(() => new RiemannReader(Buffer.from([0xff, 0xff, 0xff, 0xff])).int64(), RangeError);
    assert.throws(() => new RiemannReader(Buffer.alloc(11, 0xff)).int64(), /invalid varint/);
  });
});

describe("RiemannReader strings", () => {
  it("returns the right string for many distinct short strings (slot collisions included)", () => {
    const strings = Array.from({ length: 20_000 }, (_, i) => `host-${i}.example`);
    for (let round = 0; round < 2; round++) {
      for (const s of strings) {
        const msg = decodeMsg(encodeMsg({ events: [{ host: s }] }));
        assert.equal(msg.events![0]!.host, s);
      }
    }
  });

  it("decodes non-ASCII, empty, long and invalid UTF-8 strings", () => {
    for (const s of ["", "héllo wörld ✓", "x".repeat(48), "y".repeat(49), "z".repeat(5000)]) {
      assert.equal(decodeMsg(encodeMsg({ error: s })).error, s);
      assert.equal(decodeMsg(encodeMsg({ error: s })).error, s, "second time, from the intern table");
    }
    // field 3 (error), length 2, bytes 0xff 0xfe: invalid UTF-8 becomes replacement characters
    assert.equal(decodeMsg(Buffer.from([0x1a, 0x02, 0xff, 0xfe])).error, "\ufffd\ufffd");
  });

  it("round-trips a whole message", () => {
    const msg = decodeMsg(encodeMsg({ ok: false, error: "e", query: { string: 'host = "a"' }, events: [{ host: "a", service: "b", tags: ["t"] }] }));
    assert.equal(msg.ok, false);
    assert.equal(msg.error, "e");
    assert.equal(msg.query?.string, 'host = "a"');
    assert.deepEqual(msg.events![0]!.tags, ["t"]);
  });

  it("decodes a Uint8Array that is not a Buffer", () => {
    const bytes = new Uint8Array(encodeMsg({ error: "plain" }));
    assert.equal(decodeMsg(bytes).error, "plain");
  });
});
