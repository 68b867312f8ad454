/**
 * End-to-end test of Satellite at scale with paging: on librdkafka's mock
 * cluster, a `satellite control` process (alerting, PagerDuty outbox,
 * scheduler, web API) and a `satellite engine` process, with a
 * PagerDuty-compatible receiver on a real socket. 20 hosts report swap
 * rates and heartbeats every second; 6 of them start swapping → the
 * engine's swap-storm rule decides, its intent travels over
 * `satellite.intents`, and the control process pages exactly once (one
 * critical incident at the receiver) and lists the alert as firing; one host
 * falls silent → the engine's drain reaches the control process's host
 * health; the fleet recovers → the incident is resolved. Then SIGTERM stops
 * both cleanly. Real processes, sockets and time, bounded: every wait is on
 * output or an API answer with a deadline. Skipped, with the reason, only
 * when gcc or librdkafka-dev is missing.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { KafkaBus } from "../bus/kafka.ts";
import { startPagerDutyReceiver, type PagerDutyReceiver } from "../notify/receiver.ts";
import { HEARTBEAT, SWAP_PAGES_PER_SECOND } from "../rules/builtin/services.ts";
import { makeEvent, type Event } from "../streams/event.ts";
import { mockClusterMissing, startMockCluster, type MockCluster } from "./kafka/mock-cluster.ts";
import { SatelliteProcess } from "./satellite-process.ts";
import { until } from "./until.ts";

const HOSTS = 20;
const SWAPPING = 6;
const SILENT = "host-silent";
const STORM_KEY = "swap-storm/swap storm:*";
const ROUTING_KEY = "R0123456789abcdef0123456789abcde";

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  return res.status === 200 ? res.json() : undefined;
}

describe("satellite control: alerting and the scheduler beside the engines", { skip: mockClusterMissing() }, () => {
  let cluster: MockCluster | undefined;
  let producer: KafkaBus | undefined;
  let receiver: PagerDutyReceiver | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const processes: SatelliteProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), "satellite-control-"));

  after(async () => {
    clearInterval(ticker);
    for (const p of processes) p.kill("SIGKILL");
    await producer?.close();
    await receiver?.close();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("pages once through the control process, drains a silent host there, and resolves when the fleet recovers", { timeout: 180_000 }, async () => {
    cluster = await startMockCluster({
      brokers: 3,
      topics: [
        { name: "satellite.events", partitions: 4 },
        { name: "satellite.tasks", partitions: 4 },
        { name: "satellite.dlq", partitions: 1 },
        { name: "satellite.aggregates", partitions: 1 },
        { name: "satellite.intents", partitions: 1 },
      ],
    });
    const brokers = cluster.bootstrap.join(",");
    receiver = await startPagerDutyReceiver({ port: 0 });
    const pd = receiver;
    // A resolve takes effect after 2 s of resolving (default 120 s, too long for a test in real time).
    // A satellite.config.ts outside any package, as an operator keeps one (config/evaluate.ts).
    const configFile = join(dataDir, "satellite.config.ts");
    writeFileSync(configFile, 'import { defineConfig } from "satellite/config";\nexport default defineConfig({ alerting: { resolveAfterSeconds: 2 } });\n');
    const control = new SatelliteProcess("control", ["control", "--config", configFile, "--kafka", brokers, "--data-dir", dataDir, "--http-port", "0", "--riemann-port", "0", "--session-timeout", "6000"], {
      PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
      PAGERDUTY_EVENTS_URL: pd.url,
      SATELLITE_API_TOKEN: "",
    });
    processes.push(control);
    await control.until("its group joined", (o) => /control: joined group satellite-control/.test(o) && /control ready/.test(o), 60_000);
    const api = /open (http:\/\/127\.0\.0\.1:\d+)\//.exec(control.output)?.[1];
    assert.ok(api !== undefined, control.output);

    const engine = new SatelliteProcess("engine", [
      "engine", "--kafka", brokers, "--engine-id", "engine-a", "--rules", "test/fixtures/no-such-dir", "--log-aggregates",
      "--publish-interval", "1", "--partial-ttl", "20", "--warmup", "1", "--session-timeout", "6000",
    ]);
    processes.push(engine);
    await engine.until("the leadership", (o) => /\(leader\)/.test(o), 60_000);

    // Every second: each host's swap rate and heartbeat; the silent host's heartbeat (ttl 3 s) until it stops.
    let swapping = 0;
    let silentReports = true;
    producer = new KafkaBus({ brokers: cluster.bootstrap, logLevel: "nothing", producer: { lingerMs: 5 } });
    const bus = producer;
    const report = (): void => {
      const now = Date.now() / 1000;
      const events: Event[] = [];
      for (let n = 0; n < HOSTS; n++) {
        events.push(makeEvent({ host: `host-${n}`, service: SWAP_PAGES_PER_SECOND, time: now, metric: n < swapping ? 500 : 0, ttl: 30 }));
        events.push(makeEvent({ host: `host-${n}`, service: HEARTBEAT, time: now, state: "ok", ttl: 30 }));
      }
      if (silentReports) events.push(makeEvent({ host: SILENT, service: HEARTBEAT, time: now, state: "ok", ttl: 3 }));
      void bus.publish("events", events).then(() => bus.flush());
    };
    report();
    ticker = setInterval(report, 1000);
    await engine.until("every host counted", (o) => new RegExp(`swapping hosts: 0 of ${HOSTS} hosts`).test(o), 30_000);

    // The storm: the engine decides, the control process pages, exactly once.
    swapping = SWAPPING;
    const triggers = (): number => pd.received.filter((r) => r.action === "trigger" && r.dedupKey.includes("swap storm")).length;
    await until("the swap storm page at the receiver", () => triggers() > 0, 60_000, () => `engine:\n${engine.output}\ncontrol:\n${control.output}`);
    assert.match(engine.output, /page critical swap-storm\/swap storm:\*/, "the engine decided");
    const incidents = pd.incidents().filter((i) => i.dedupKey.includes("swap storm"));
    assert.equal(incidents.length, 1, JSON.stringify(pd.received));
    assert.equal(incidents[0]!.severity, "critical");
    assert.equal(incidents[0]!.routingKey, ROUTING_KEY);
    const firing = (await getJson(`${api}/api/v1/alerts?state=firing`)) as { alerts?: { key?: string; dedupKey?: string; rule?: string }[] } | undefined;
    assert.ok(JSON.stringify(firing).includes("swap storm"), `the control process lists the alert as firing: ${JSON.stringify(firing)}`);

    // A host falls silent: the engine drains it, the control process's host health records it.
    silentReports = false;
    await until(
      "the silent host's drain in the control process",
      async () => JSON.stringify(await getJson(`${api}/api/v1/hosts/${SILENT}/history`) ?? "").includes("silent"),
      60_000,
      () => `engine:\n${engine.output}\ncontrol:\n${control.output}`,
    );
    assert.match(engine.output, new RegExp(`drain ${SILENT} \\(host-expired\\): silent`));

    // Recovery: the incident is resolved, and there never was a second one.
    swapping = 0;
    await until("the resolve at the receiver", () => pd.incidents().some((i) => i.dedupKey.includes("swap storm") && i.status === "resolved"), 60_000, () => `engine:\n${engine.output}\ncontrol:\n${control.output}`);
    assert.equal(pd.incidents().filter((i) => i.dedupKey.includes("swap storm")).length, 1, "one incident in all");
    assert.equal(triggers(), 1, "one trigger in all");
    const resolved = await getJson(`${api}/api/v1/alerts?state=resolved`);
    assert.ok(JSON.stringify(resolved).includes(STORM_KEY), `the control process lists the alert as resolved: ${JSON.stringify(resolved)}`);

    clearInterval(ticker);
    assert.equal(await engine.stop(), 0, engine.output);
    assert.equal(await control.stop(), 0, control.output);
    assert.match(control.output, /stopped; state is in the data directory/);
  });
});
