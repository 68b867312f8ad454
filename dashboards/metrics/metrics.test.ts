/**
 * Tests of /metrics: the text format over a real HTTP socket, values read at
 * scrape time from the engine (accepted, rejected by code, index size),
 * counters and gauges typed as such, and labelled values.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startApiServer } from "../../api/server.ts";
import { VirtualClock } from "../../streams/clock.ts";
import { Engine } from "../../streams/engine.ts";
import { createMetricsRegistry, engineMetrics, metricsRouter, rulesMetrics } from "./index.ts";

describe("/metrics", () => {
  it("serves the engine's counters in Prometheus text format, read at scrape time", async () => {
    const engine = new Engine({ clock: new VirtualClock(1000) });
    const registry = createMetricsRegistry([
      ...engineMetrics(engine),
      ...rulesMetrics(() => [{ name: "swap.rules.ts", file: "/x", hash: "h", loadedAt: 0, errors: 2, pendingTimers: 3 }]),
    ]);
    const api = await startApiServer({ engine, port: 0, mounts: [{ path: "/metrics", handler: metricsRouter(registry) }] });
    try {
      const scrape = async (): Promise<string> => {
        const r = await fetch(`http://127.0.0.1:${api.port}/metrics`);
        assert.equal(r.status, 200);
        assert.match(r.headers.get("content-type") ?? "", /^text\/plain/);
        return r.text();
      };
      let text = await scrape();
      assert.match(text, /^# TYPE satellite_events_accepted_total counter$/m);
      assert.match(text, /^satellite_events_accepted_total 0$/m);
      engine.submitAll([{ host: "h1", service: "s", time: 1000 }, { host: "h2", service: "s", time: 1000 }, { service: "no host", time: 1000 }]);
      text = await scrape();
      assert.match(text, /^satellite_events_accepted_total 2$/m);
      assert.match(text, /^satellite_events_rejected_total\{code="[a-z_-]+"\} 1$/m);
      assert.match(text, /^# TYPE satellite_index_events gauge$/m);
      assert.match(text, /^satellite_index_events 2$/m);
      assert.match(text, /^satellite_rule_errors\{rule="swap.rules.ts"\} 2$/m);
      assert.match(text, /^satellite_rule_pending_timers\{rule="swap.rules.ts"\} 3$/m);
      assert.match(text, /^satellite_process_resident_memory_bytes \d+/m);
    } finally {
      await api.close();
    }
  });

  it("refuses two metrics with the same name", () => {
    const m = { name: "satellite_x", help: "x", type: "gauge" as const, read: () => 1 };
    assert.throws(() => createMetricsRegistry([m, m], { processMetrics: false }), /already been registered/);
  });
});
