#!/usr/bin/env node
// The `satellite` command: registers the TypeScript loader (tsx) and hands over to cli/main.ts.
import { register } from "tsx/esm/api";

register();
// `satellite ... | head` closes the pipe early: that is not an error.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
