/**
 * Bounded fuzzing of the Riemann protocol path. A seeded generator mutates
 * valid frames (bit flips, random bytes, inserts, deletes, truncation,
 * splices, garbage) and feeds them (1) straight to the handler, (2) as
 * whole byte streams, randomly chunked, through the frame decoder, and (3)
 * through real TCP connections to a running server. Throughout, nothing
 * throws or crashes, bad input is counted, every reply is a valid message,
 * and good input sent afterwards is processed.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { makeEvent } from "../streams/event.ts";
import { RiemannClient } from "./client.ts";
import { eventToRiemann } from "./codec.ts";
import { encodeFrame, FrameDecoder } from "./framing.ts";
import { RiemannHandler } from "./handler.ts";
import { decodeMsg, encodeMsg, type PbMsg } from "./schema.ts";
import { startRiemannServer } from "./server.ts";
import { recordingEngine, withTimeout } from "./test-support.ts";

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function corpus(now: number): Buffer[] {
  const msgs: PbMsg[] = [
    { events: [eventToRiemann(makeEvent({ host: "fz1", service: "cpu", time: now, metric: 0.5, state: "ok", ttl: 30, tags: ["a", "b"], description: "desc", attributes: { k: "v", env: "prod" } }))] },
    { events: [1, 2, 3, 4, 5].map((i) => eventToRiemann(makeEvent({ host: `fz${i}`, service: `svc${i}`, time: now + i / 1000, metric: i }))) },
    { events: [{ host: "fz6", service: "f", metric_f: 1.5, time: Math.floor(now) }] },
    { query: { string: 'host = "fz1" and service = "cpu"' } },
    { query: { string: 'tagged "a" and metric > 0.1 or state =~ "o%"' } },
    { query: { string: 'description ~= "de.c"' } },
    { events: [eventToRiemann(makeEvent({ host: "fz7", service: "q", time: now }))], query: { string: 'host = "fz7"' } },
    { states: [{ host: "old", service: "state" }] },
    {},
  ];
  return msgs.map((m) => Buffer.from(encodeMsg(m)));
}

/** One random mutation of `input` (never the same object). */
function mutate(input: Buffer, rand: () => number): Buffer {
  const n = (max: number): number => Math.floor(rand() * max);
  const b = Buffer.from(input);
  switch (n(8)) {
    case 0: {
      const flips = 1 + n(4);
      for (let i = 0; i < flips && b.length > 0; i++) b[n(b.length)]! ^= 1 << n(8);
      return b;
    }
    case 1: {
      const sets = 1 + n(4);
      for (let i = 0; i < sets && b.length > 0; i++) b[n(b.length)] = n(256);
      return b;
    }
    case 2: {
      const at = n(b.length + 1);
      const extra = Buffer.alloc(1 + n(8));
      for (let i = 0; i < extra.length; i++) extra[i] = n(256);
      return Buffer.concat([b.subarray(0, at), extra, b.subarray(at)]);
    }
    case 3: {
      const at = n(b.length + 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + n(8)))]);
    }
    case 4:
      return b.subarray(0, n(b.length + 1));
    case 5: {
      const at = n(b.length + 1);
      const from = n(b.length + 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(from, from + n(16)), b.subarray(at)]);
    }
    case 6: {
      const g = Buffer.alloc(n(64));
      for (let i = 0; i < g.length; i++) g[i] = n(256);
      return g;
    }
    default: {
      // Set a byte to a large varint-ish value where length fields tend to be.
      if (b.length > 1) b[1 + n(Math.min(4, b.length - 1))] = 0x80 | n(128);
      return b;
    }
  }
}

describe("Riemann fuzzing", () => {
  it("survives 120,000 mutated messages fed to the handler, counting the bad ones", () => {
    const rec = recordingEngine();
    const handler = new RiemannHandler(rec.engine, { maxQueryEvents: 100 });
    const rand = prng(1);
    const seeds = corpus(rec.clock.now());
    let badReplies = 0;
    for (let i = 0; i < 120_000; i++) {
      let frame = seeds[i % seeds.length]!;
      const rounds = 1 + Math.floor(rand() * 3);
      for (let r = 0; r < rounds; r++) frame = mutate(frame, rand);
      const reply = handler.handleFrame(frame);
      assert.equal(reply.readUInt32BE(0), reply.length - 4);
      if (decodeMsg(reply.subarray(4)).ok !== true) badReplies++;
    }
    const s = handler.stats;
    assert.equal(s.messages, 120_000);
    assert.equal(s.internalErrors, 0);
    assert.ok(s.invalidMessages > 10_000, `invalid messages counted: ${s.invalidMessages}`);
    assert.ok(s.eventsRejected > 0, `rejected events counted: ${s.eventsRejected}`);
    assert.ok(badReplies >= s.invalidMessages);
    assert.equal(rec.engine.stats.rejected.get("riemann_invalid_message"), s.invalidMessages);

    const reply = decodeMsg(handler.handleFrame(encodeMsg({ events: [eventToRiemann(makeEvent({ host: "after-fuzz", service: "s", time: rec.clock.now() }))] })).subarray(4));
    assert.equal(reply.ok, true);
    assert.ok(rec.engine.index.lookup("after-fuzz", "s"));
  });

  it("survives 20,000 mutated, randomly chunked byte streams through the frame decoder", () => {
    const rec = recordingEngine();
    const handler = new RiemannHandler(rec.engine, { maxQueryEvents: 100 });
    const rand = prng(2);
    const frames = corpus(rec.clock.now()).map((b) => encodeFrame(b));
    let stopped = 0;
    let replies = 0;
    for (let i = 0; i < 20_000; i++) {
      const parts: Buffer[] = [];
      for (let k = 0; k < 4; k++) parts.push(frames[Math.floor(rand() * frames.length)]!);
      const stream = mutate(Buffer.concat(parts), rand);
      const decoder = new FrameDecoder(4096, {
        onFrame: (f) => {
          replies++;
          handler.handleFrame(f);
        },
        onOversize: () => stopped++,
      });
      for (let at = 0; at < stream.length; ) {
        const size = 1 + Math.floor(rand() * 64);
        decoder.push(stream.subarray(at, at + size));
        at += size;
      }
    }
    assert.equal(handler.stats.internalErrors, 0);
    assert.ok(stopped > 0, "some mutations broke the framing and stopped the decoder");
    assert.ok(replies > 20_000, `frames handled: ${replies}`);
  });

  it("a running server survives thousands of mutated frames over TCP and then processes good input", async () => {
    const rec = recordingEngine();
    const server = await startRiemannServer({ engine: rec.engine, port: 0, udp: false, maxFrameBytes: 64 * 1024, maxQueryEvents: 100, closeGraceMs: 200 });
    const rand = prng(3);
    const seeds = corpus(rec.clock.now());
    try {
      // Mutated bodies with intact length prefixes, pipelined on two connections: every one gets a reply.
      const clients = [await RiemannClient.connect({ port: server.tcpPort! }), await RiemannClient.connect({ port: server.tcpPort! })];
      for (let batch = 0; batch < 20; batch++) {
        const pending: Promise<Buffer>[] = [];
        for (let i = 0; i < 150; i++) pending.push(clients[i % 2]!.request(mutate(seeds[i % seeds.length]!, rand)));
        const replies = await withTimeout(Promise.all(pending), 10_000, `fuzz batch ${batch}`);
        for (const r of replies) decodeMsg(r);
      }
      assert.equal(server.stats.messages, 3000);
      assert.ok(server.stats.invalidMessages > 0);

      // Mutated whole streams (prefixes included) on short-lived connections: the server may close them.
      for (let c = 0; c < 40; c++) {
        const socket = net.connect({ port: server.tcpPort!, host: "127.0.0.1" });
        socket.on("error", () => {});
        socket.on("data", () => {});
        await withTimeout(new Promise<void>((r) => socket.once("connect", () => r())), 5000, "connect");
        const stream = mutate(Buffer.concat([encodeFrame(seeds[0]!), encodeFrame(seeds[1]!), encodeFrame(seeds[3]!)]), rand);
        const closed = new Promise<void>((r) => socket.once("close", () => r()));
        socket.end(stream);
        await withTimeout(closed, 5000, "fuzz connection closing");
      }
      assert.equal(server.stats.internalErrors, 0);

      // Good input afterwards, on the old connections and on a new one.
      const now = rec.clock.now();
      for (const [i, client] of clients.entries()) {
        const reply = await withTimeout(client.sendEvents([makeEvent({ host: `good-${i}`, service: "s", time: now })]), 5000, "ack");
        assert.equal(reply.ok, true);
        client.close();
      }
      const fresh = await RiemannClient.connect({ port: server.tcpPort! });
      const reply = await withTimeout(fresh.sendEvents([makeEvent({ host: "good-new", service: "s", time: now, metric: 42 })]), 5000, "ack");
      assert.equal(reply.ok, true);
      assert.equal(rec.engine.index.lookup("good-new", "s")?.metric, 42);
      assert.ok(rec.engine.index.lookup("good-0", "s") && rec.engine.index.lookup("good-1", "s"));
      fresh.close();
    } finally {
      await server.close();
    }
  });
});
