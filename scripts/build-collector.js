// Bundles the per-host collector (cli/collector-main.ts) into plain JavaScript at dist/, with
// esbuild (already installed for tsx), so `satellite-collector` runs without tsx's loader and
// the TypeScript compiler: about 60 MB resident instead of ~90-280 MB. Run by `npm ci`
// ("prepare") and `npm run build:collector`. Dependencies stay in node_modules (not bundled).
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
await build({
  absWorkingDir: root,
  stdin: {
    contents: 'import { collectorMain } from "./cli/collector-main.ts";\nprocess.exitCode = await collectorMain(process.argv.slice(2));\n',
    resolveDir: root,
    sourcefile: "satellite-collector.ts",
    loader: "ts",
  },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  outfile: "dist/satellite-collector.mjs",
  logLevel: "warning",
});
// The Riemann protocol's schema is read at run time, next to the code that reads it.
mkdirSync(`${root}dist/proto`, { recursive: true });
copyFileSync(`${root}riemann/proto/riemann.proto`, `${root}dist/proto/riemann.proto`);
