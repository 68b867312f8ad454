/**
 * End-to-end test of `satellite start` as a user runs it: a child process
 * with the built-in rules and a data directory, events in over HTTP and over
 * the Riemann protocol, a page recorded by alerting, the web page and
 * /metrics served, a query back over the Riemann protocol, a clean shutdown
 * on SIGTERM, and a second start that resumes from the data directory.
 * Bounded: every wait has a timeout.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { RiemannClient } from "../riemann/index.ts";
import { makeEvent } from "../streams/event.ts";

const BIN = fileURLToPath(new URL("../bin/satellite.js", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Resolves with the first stdout match of `pattern`, or rejects after `ms`. */
function waitFor(child: ChildProcessWithoutNullStreams, pattern: RegExp, output: { text: string }, ms = 30_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const m = output.text.match(pattern);
      if (m) {
        clearTimeout(timer);
        child.stdout.off("data", check);
        resolve(m);
      }
      return m !== null;
    };
    const timer = setTimeout(() => {
      child.stdout.off("data", check);
      reject(new Error(`timed out waiting for ${String(pattern)}; output so far:\n${output.text}`));
    }, ms);
    child.stdout.on("data", check);
    check();
  });
}

function startChild(dataDir: string): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [BIN, "start", "--http-port", "0", "--riemann-port", "0", "--rules", "test/fixtures/rules", "--data-dir", dataDir, "--no-collector"], {
    cwd: ROOT,
    env: { ...process.env, PAGERDUTY_ROUTING_KEY: "", SATELLITE_API_TOKEN: "" },
  });
}

interface AlertsBody {
  alerts: { key: string; state: string; host: string | null; episode: number }[];
}

describe("satellite start", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "sat-start-"));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("takes events over HTTP and the Riemann protocol, pages, answers queries, serves the page and /metrics, and stops cleanly on SIGTERM", async () => {
    const child = startChild(dataDir);
    const output = { text: "" };
    child.stdout.on("data", (chunk: Buffer) => (output.text += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output.text += chunk.toString()));
    try {
      const riemannPort = Number((await waitFor(child, /riemann protocol: tcp 127\.0\.0\.1:(\d+)/, output))[1]);
      const httpPort = Number((await waitFor(child, /http api: http:\/\/127\.0\.0\.1:(\d+)\//, output))[1]);
      await waitFor(child, /ready: open http:\/\/127\.0\.0\.1:\d+\//, output);
      assert.match(output.text, /no PAGERDUTY_ROUTING_KEY: pages are recorded/);
      assert.match(output.text, /loaded 6 rules file\(s\) from .*builtin/);
      assert.match(output.text, /loaded 2 rules file\(s\) from test\/fixtures\/rules/);

      const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([{ host: "web1", service: "nginx", state: "critical" }, { service: "no host" }]),
      });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { accepted: number; rejected: { index: number; code: string }[] };
      assert.equal(body.accepted, 1);
      assert.deepEqual(body.rejected.map((r) => [r.index, r.code]), [[1, "missing_host"]]);
      // The fixture rule `down` pages on a critical state: alerting records it (no routing key: not sent).
      const alerts = (await (await fetch(`http://127.0.0.1:${httpPort}/api/v1/alerts?host=web1`)).json()) as AlertsBody;
      assert.deepEqual(alerts.alerts.map((a) => [a.key, a.state]), [["down/down:web1/nginx", "firing"]]);
      const page = await fetch(`http://127.0.0.1:${httpPort}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<title>Satellite<\/title>/);
      const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      assert.match(metrics, /^satellite_alerts_firing 1$/m);
      assert.match(metrics, /^satellite_events_rejected_total\{code="missing_host"\} 1$/m);

      const client = await RiemannClient.connect({ port: riemannPort });
      try {
        const ack = await client.sendEvents([makeEvent({ host: "db1", service: "load", metric: 3.5, time: Date.now() / 1000 })]);
        assert.equal(ack.ok, true);
        const found = await client.query('host = "web1" or service = "load"');
        assert.deepEqual(found.events?.map((e) => `${e.host}/${e.service}`).sort(), ["db1/load", "web1/nginx"]);
      } finally {
        client.close();
      }

      child.kill("SIGTERM");
      const [code] = (await once(child, "exit")) as [number | null];
      assert.equal(code, 0, output.text);
      assert.match(output.text, /SIGTERM: stopping/);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("a second start on the same data directory resumes: the alert is still firing, in the same episode", async () => {
    const child = startChild(dataDir);
    const output = { text: "" };
    child.stdout.on("data", (chunk: Buffer) => (output.text += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output.text += chunk.toString()));
    try {
      const httpPort = Number((await waitFor(child, /http api: http:\/\/127\.0\.0\.1:(\d+)\//, output))[1]);
      await waitFor(child, /ready: open/, output);
      const alerts = (await (await fetch(`http://127.0.0.1:${httpPort}/api/v1/alerts?host=web1`)).json()) as AlertsBody;
      assert.deepEqual(alerts.alerts.map((a) => [a.key, a.state, a.episode]), [["down/down:web1/nginx", "firing", 1]]);
      child.kill("SIGINT");
      const [code] = (await once(child, "exit")) as [number | null];
      assert.equal(code, 0, output.text);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
