/**
 * Makes the README's screenshot: an all-in-one Satellite under the virtual
 * clock with 200 simulated hosts, driven 4 minutes into a swap storm on 30%
 * of them (one page, drains capped by the guard, the guard's page), then
 * photographed in headless Chromium. Run: `node --import tsx test/demo-screenshot.ts [out.png]`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startSatellite } from "../cli/satellite.ts";
import { resolveConfig } from "../config/resolve.ts";
import { startPagerDutyReceiver } from "../notify/receiver.ts";
import { VirtualClock } from "../streams/clock.ts";

const out = process.argv[2] ?? "docs/web-page.png";
const dir = mkdtempSync(join(tmpdir(), "sat-demo-"));
const receiver = await startPagerDutyReceiver({ port: 0 });
const clock = new VirtualClock(Math.floor(Date.now() / 1000) - 400);
const sat = await startSatellite(resolveConfig({ dataDir: dir, server: { httpPort: 0, riemannPort: 0 }, rules: { dir: join(dir, "none") } }, {}), {
  log: () => {},
  clock,
  collector: false,
  env: { PAGERDUTY_ROUTING_KEY: "0123456789abcdef0123456789abcdef", PAGERDUTY_EVENTS_URL: receiver.url },
  simulate: { hosts: 200, scenario: "swap-storm", seed: 1, settings: { start: 150, duration: 600 } },
});
for (let t = 0; t < 400; t++) {
  clock.advanceBy(1);
  for (let i = 0; i < 3; i++) {
    await sat.simulation?.idle();
    await sat.bus.idle();
    await sat.alerting.notifier.idle();
  }
}
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: 1400, height: 820 } });
await page.goto(sat.url);
await page.waitForSelector("#conn.live");
await page.waitForSelector("#alerts tbody tr");
await page.waitForTimeout(1500);
await page.hover('#fleet [data-health="critical"]');
await page.screenshot({ path: out });
await browser.close();
await sat.close();
await receiver.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`wrote ${out}\n`);
