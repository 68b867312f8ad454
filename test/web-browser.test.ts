/**
 * The web page in a real headless Chromium (Debian's chromium through
 * playwright-core) against a real all-in-one Satellite on 127.0.0.1: the
 * page loads and goes live; a host turning critical shows within 2 seconds;
 * hovering a tile shows its reason; a silence created on the page takes
 * effect (the alert it matches is muted and nobody is paged) while an
 * unsilenced host's alert is notified; a screenshot is written to
 * test-artifacts/ as the run's artifact.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { resolveConfig } from "../config/resolve.ts";
import { startSatellite, type Satellite } from "../cli/satellite.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = join(import.meta.dirname, "..", "test-artifacts");

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

describe("web page in Chromium", () => {
  let dir: string;
  let sat: Satellite;
  let browser: Browser;
  let page: Page;
  const now = (): number => Date.now() / 1000;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "sat-web-"));
    const config = resolveConfig({ dataDir: dir, server: { httpPort: 0, riemannPort: 0 }, rules: { dir: join(dir, "no-rules") } }, {});
    sat = await startSatellite(config, { log: () => {}, collector: false, env: {} });
    const events = [];
    for (let i = 1; i <= 40; i++) {
      const host = `web-${i}`;
      events.push({ host, service: "heartbeat", time: now(), state: "ok", ttl: 300 }, { host, service: "system.load.1", time: now(), state: "ok", metric: i / 10, ttl: 300 });
    }
    assert.equal((await post(`${sat.url}api/v1/events`, events)).status, 200);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await sat?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("loads, goes live and shows every host", async () => {
    await page.goto(sat.url);
    await page.waitForSelector("#conn.live", { timeout: 10_000 });
    await page.waitForFunction(`document.querySelectorAll("#fleet [data-host]").length === 40`, undefined, { timeout: 5_000 });
    assert.equal(await page.locator('#fleet [data-health="ok"]').count(), 40);
  });

  it("shows a host turning critical within 2 seconds, with its reason on hover", async () => {
    const sent = Date.now();
    assert.equal((await post(`${sat.url}api/v1/events`, [{ host: "web-7", service: "raid", time: now(), state: "critical", description: "disk 3 failed", ttl: 300 }])).status, 200);
    await page.waitForSelector('#fleet [data-host="web-7"][data-health="critical"]', { timeout: 2_000 });
    const elapsed = Date.now() - sent;
    assert.ok(elapsed <= 2_000, `shown after ${elapsed} ms`);
    await page.hover('#fleet [data-host="web-7"]');
    assert.match((await page.locator("#tooltip").textContent()) ?? "", /raid: disk 3 failed/);
  });

  it("a silence created on the page takes effect: the matching alert is muted and not paged, another host's is", async () => {
    await page.fill('#silence-form input[name="host"]', "web-9");
    await page.fill('#silence-form input[name="comment"]', "replacing the disk");
    await page.click('#silence-form button[type="submit"]');
    await page.waitForSelector("#silences li", { timeout: 5_000 });
    assert.match((await page.locator("#silences li").first().textContent()) ?? "", /host=web-9/);
    const full = (host: string): unknown => ({ host, service: "system.filesystem.used.pct /data", time: now(), state: "ok", metric: 0.97, ttl: 300, attributes: { mount_point: "/data" } });
    assert.equal((await post(`${sat.url}api/v1/events`, [full("web-9"), full("web-10")])).status, 200);
    const alertOf = async (host: string): Promise<{ state: string; muted: boolean; notified: boolean } | undefined> =>
      ((await (await fetch(`${sat.url}api/v1/alerts?host=${host}`)).json()) as { alerts: { state: string; muted: boolean; notified: boolean }[] }).alerts[0];
    const silenced = await alertOf("web-9");
    const loud = await alertOf("web-10");
    assert.deepEqual([silenced?.state, silenced?.muted, silenced?.notified], ["firing", true, false]);
    assert.deepEqual([loud?.state, loud?.muted, loud?.notified], ["firing", false, true]);
    await page.waitForSelector("#alerts tbody tr", { timeout: 5_000 });
  });

  it("stays usable with 5,000 hosts: every tile rendered, filtering works", async () => {
    const events = [];
    for (let i = 1; i <= 5000; i++) events.push({ host: `node-${String(i).padStart(4, "0")}`, service: "heartbeat", time: now(), state: i % 250 === 0 ? "warning" : "ok", ttl: 300 });
    assert.equal((await post(`${sat.url}api/v1/events`, events)).status, 200);
    const started = Date.now();
    await page.waitForFunction(`document.querySelectorAll("#fleet [data-host]").length === 5040`, undefined, { timeout: 20_000 });
    const rendered = Date.now() - started;
    await page.fill("#fleet-filter", "node-025");
    await page.waitForFunction(`document.querySelectorAll("#fleet [data-host]:not(.hidden)").length === 10`, undefined, { timeout: 5_000 });
    await page.fill("#fleet-filter", "");
    await page.waitForFunction(`document.querySelectorAll("#fleet .hidden").length === 0`, undefined, { timeout: 5_000 });
    assert.equal(await page.locator('#fleet [data-health="warning"]').count(), 20);
    process.stdout.write(`# 5,000 new hosts shown ${rendered} ms after the events were accepted\n`);
  });

  it("writes a screenshot", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, "web-page.png");
    await page.screenshot({ path: file, fullPage: true });
    assert.ok((await import("node:fs")).statSync(file).size > 10_000);
  });
});
