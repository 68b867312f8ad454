/**
 * End-to-end test of a host's task agent at scale: `satellite collector
 * --scheduler URL` heartbeats to a running Satellite's scheduler (here
 * `satellite start`, whose API `satellite control` shares), runs the task
 * the scheduler places on its host, and ships the task's events with its
 * other events, so the engine sees them. Real processes, sockets and time,
 * bounded: every wait is on an API answer with a deadline.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { SatelliteProcess } from "./satellite-process.ts";
import { until } from "./until.ts";

const HOST = "agent-1";

interface JobView {
  readonly job?: { readonly state?: string; readonly tasks?: readonly { readonly host?: string; readonly exitCode?: number; readonly stdoutTail?: string }[] };
}

describe("satellite collector --scheduler", () => {
  const processes: SatelliteProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), "satellite-agent-"));

  after(() => {
    for (const p of processes) p.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs the task the scheduler places on its host and ships the task's events", { timeout: 120_000 }, async () => {
    const satellite = new SatelliteProcess("start", ["start", "--no-collector", "--http-port", "0", "--riemann-port", "0", "--data-dir", join(dir, "data"), "--rules", join(dir, "no-rules")], { SATELLITE_API_TOKEN: "" });
    processes.push(satellite);
    await satellite.until("the ready line", (o) => /ready: open http:\/\/127\.0\.0\.1:\d+\//.test(o), 60_000);
    const api = /ready: open (http:\/\/127\.0\.0\.1:\d+)\//.exec(satellite.output)![1]!;

    const agent = new SatelliteProcess("collector", ["collector", "--http", api, "--scheduler", api, "--host", HOST, "--no-default-checks", "--interval", "1", "--buffer-dir", join(dir, "buffer")], { SATELLITE_API_TOKEN: "" });
    processes.push(agent);
    await until("the agent registered", async () => JSON.stringify(await (await fetch(`${api}/api/v1/hosts`)).json()).includes(HOST), 30_000, () => agent.output);

    const submitted = await fetch(`${api}/api/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ uuid: "job-1", user: "alice", command: "echo hello", cpus: 0.1, mem: 16 }) });
    assert.equal(submitted.status, 201, await submitted.text());
    let view: JobView = {};
    await until(
      "the job completed",
      async () => {
        view = (await (await fetch(`${api}/api/v1/jobs/job-1`)).json()) as JobView;
        return view.job?.state === "completed";
      },
      60_000,
      () => `${JSON.stringify(view)}\n${agent.output}\n${satellite.output}`,
    );
    const task = view.job?.tasks?.[0];
    assert.equal(task?.host, HOST, JSON.stringify(view));
    assert.equal(task?.exitCode, 0, JSON.stringify(view));
    assert.equal(task?.stdoutTail, "hello\n");

    // The task's events came with the collector's other events: the engine's index has them under the host.
    await until(
      "the task events in the engine's index",
      async () => {
        const res = await fetch(`${api}/api/v1/fleet/${HOST}`);
        return res.status === 200 && (await res.text()).includes("task finished");
      },
      30_000,
      () => agent.output,
    );

    assert.equal(await agent.stop(), 0, agent.output);
    assert.equal(await satellite.stop(), 0, satellite.output);
  });
});
