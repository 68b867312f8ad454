/**
 * A smoke test of the Riemann benchmark (bench/riemann.ts) and its forked
 * load generator at tiny sizes: the run completes, every event sent is
 * acked without error, and the lines it prints keep the benchmark output
 * contract. The figures themselves are not judged here.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { benchRiemann } from "../bench/riemann.ts";
import { lineProblem } from "../bench/output.ts";
import { benchFrames } from "./load-generator.ts";
import { decodeMsg } from "./schema.ts";

describe("benchRiemann", () => {
  it("runs at tiny sizes and prints three valid lines", { timeout: 60_000 }, async () => {
    const lines: Record<string, unknown>[] = [];
    await benchRiemann((line) => lines.push(line as Record<string, unknown>), { warmupMs: 100, durationMs: 300, latencyCount: 200, latencyWarmup: 20 });
    assert.deepEqual(
      lines.map((l) => l.name),
      ["riemann_tcp_events_per_s", "riemann_tcp_ack_p50_ms", "riemann_tcp_ack_p99_ms"],
    );
    for (const line of lines) assert.equal(lineProblem(line), undefined, JSON.stringify(line));
    assert.ok((lines[0]!.value as number) > 0);
    assert.equal(lines[0]!.error_replies, 0);
    assert.equal(lines[1]!.samples, 200);
    assert.equal(lines[2]!.error_replies, 0);
  });
});

describe("benchFrames", () => {
  it("makes distinct, decodable messages of the asked size", () => {
    const frames = benchFrames(3, 100, 1_700_000_000);
    assert.equal(frames.length, 3);
    const hosts = new Set<string>();
    for (const f of frames) {
      assert.equal(f.readUInt32BE(0), f.length - 4);
      const msg = decodeMsg(f.subarray(4));
      assert.equal(msg.events!.length, 100);
      for (const e of msg.events!) hosts.add(`${e.host}/${e.service}`);
    }
    assert.equal(hosts.size, 300);
  });
});
