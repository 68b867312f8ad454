#!/usr/bin/env node
// `satellite-collector`: the per-host agent alone. Runs the plain-JavaScript bundle that `npm ci`
// builds (dist/satellite-collector.mjs); without it, the TypeScript source through tsx.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bundle = fileURLToPath(new URL("../dist/satellite-collector.mjs", import.meta.url));
if (existsSync(bundle)) {
  await import(bundle);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  const { collectorMain } = await import("../cli/collector-main.ts");
  process.exitCode = await collectorMain(process.argv.slice(2));
}
