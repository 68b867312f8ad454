/**
 * Tests of the length-prefix framing: frames come out whole and in order
 * however the stream is chunked, an oversized prefix stops the decoder
 * before anything is buffered, and `encodeFrame` writes the prefix.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeFrame, FrameDecoder } from "./framing.ts";

function collector(max = 1 << 20): { decoder: FrameDecoder; frames: string[]; oversize: number[] } {
  const frames: string[] = [];
  const oversize: number[] = [];
  const decoder = new FrameDecoder(max, { onFrame: (f) => frames.push(f.toString("latin1")), onOversize: (len) => oversize.push(len) });
  return { decoder, frames, oversize };
}

describe("FrameDecoder", () => {
  const bodies = ["", "a", "hello", "x".repeat(300), "\u0000\u0001\u0002\u00ff", "y".repeat(70_000)];
  const stream = Buffer.concat(bodies.map((b) => encodeFrame(Buffer.from(b, "latin1"))));

  it("delivers every frame of one chunk, in order", () => {
    const { decoder, frames } = collector();
    decoder.push(stream);
    assert.deepEqual(frames, bodies);
    assert.equal(decoder.pendingBytes, 0);
  });

  it("delivers the same frames when the stream is split at every possible point", () => {
    const small = Buffer.concat(bodies.slice(0, 5).map((b) => encodeFrame(Buffer.from(b, "latin1"))));
    for (let cut = 0; cut <= small.length; cut++) {
      const { decoder, frames } = collector();
      decoder.push(small.subarray(0, cut));
      decoder.push(small.subarray(cut));
      assert.deepEqual(frames, bodies.slice(0, 5), `cut at ${cut}`);
    }
  });

  it("delivers the same frames when fed one byte at a time", () => {
    const { decoder, frames } = collector();
    for (let i = 0; i < stream.length; i++) decoder.push(stream.subarray(i, i + 1));
    assert.deepEqual(frames, bodies);
  });

  it("does not deliver a frame before its last byte", () => {
    const { decoder, frames } = collector();
    const frame = encodeFrame(Buffer.from("abcdef"));
    decoder.push(frame.subarray(0, frame.length - 1));
    assert.deepEqual(frames, []);
    assert.equal(decoder.pendingBytes, frame.length - 1);
    decoder.push(frame.subarray(frame.length - 1));
    assert.deepEqual(frames, ["abcdef"]);
  });

  it("stops at a prefix over the limit, after the frames before it, and ignores later input", () => {
    const { decoder, frames, oversize } = collector(10);
    const big = Buffer.alloc(4);
    big.writeUInt32BE(11);
    decoder.push(Buffer.concat([encodeFrame(Buffer.from("ok")), big, encodeFrame(Buffer.from("never"))]));
    assert.deepEqual(frames, ["ok"]);
    assert.deepEqual(oversize, [11]);
    assert.equal(decoder.stopped, true);
    decoder.push(encodeFrame(Buffer.from("later")));
    assert.deepEqual(frames, ["ok"]);
    assert.equal(decoder.pendingBytes, 0);
  });

  it("accepts a frame exactly at the limit", () => {
    const { decoder, frames, oversize } = collector(10);
    decoder.push(encodeFrame(Buffer.alloc(10, 0x61)));
    assert.deepEqual(frames, ["a".repeat(10)]);
    assert.deepEqual(oversize, []);
  });

  it("rejects the largest possible prefix without buffering", () => {
    const { decoder, oversize } = collector();
    decoder.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    assert.deepEqual(oversize, [0xffffffff]);
  });

  it("stop() called from onFrame drops the rest of the chunk", () => {
    const frames: string[] = [];
    const decoder: FrameDecoder = new FrameDecoder(100, {
      onFrame: (f) => {
        frames.push(f.toString());
        decoder.stop();
      },
      onOversize: () => assert.fail("no oversize"),
    });
    decoder.push(Buffer.concat([encodeFrame(Buffer.from("1")), encodeFrame(Buffer.from("2"))]));
    assert.deepEqual(frames, ["1"]);
  });
});

describe("encodeFrame", () => {
  it("prefixes the body with its big-endian length", () => {
    const frame = encodeFrame(Buffer.from("abc"));
    assert.deepEqual([...frame], [0, 0, 0, 3, 0x61, 0x62, 0x63]);
    assert.deepEqual([...encodeFrame(new Uint8Array(0))], [0, 0, 0, 0]);
    assert.equal(encodeFrame(Buffer.alloc(0x010203)).readUInt32BE(0), 0x010203);
  });
});
