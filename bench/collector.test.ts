/**
 * A toy-sized run of the collector benchmark: it prints contract lines
 * (named figures with units, targets judged), with node_exporter when the
 * Debian package is installed and a skip line when it is not.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { benchCollector, NODE_EXPORTER } from "./collector.ts";
import { parseLine, type BenchLine } from "./output.ts";

describe("benchCollector", () => {
  it("prints our figures and node_exporter's (or a skip line) as contract lines", async () => {
    const lines: BenchLine[] = [];
    await benchCollector((line) => lines.push(parseLine(JSON.stringify(line))), { scrapes: 3, samples: 3, warmup: 2, rounds: 1, js: false, siCalls: 0 });
    const names = lines.map((l) => `${l.name} ${l.unit}`);
    assert.ok(names.includes("collector_probes_cpu_per_sample s"));
    assert.ok(names.includes("collector_probes_rss_mb MB"));
    const cpu = lines.find((l) => l.name === "collector_probes_cpu_per_sample")!;
    assert.equal(cpu.probe_errors, 0);
    assert.ok((cpu.events_per_sample as number) > 10);
    if (existsSync(NODE_EXPORTER)) {
      assert.ok(names.includes("collector_node_exporter_cpu_per_scrape s"));
      assert.equal(typeof cpu.ratio_to_node_exporter, "number");
      assert.equal(typeof cpu.met, "boolean");
    } else {
      assert.ok(names.includes("collector_node_exporter_skipped skipped"));
    }
  });
});
