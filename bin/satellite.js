#!/usr/bin/env node
// The `satellite` command: registers the TypeScript loader (tsx) and hands over to cli/main.ts.
import { register } from "tsx/esm/api";

register();
// `replay` is a batch job with its own Node flags (replay/node-flags.ts): re-run with them unless already given.
if (process.argv[2] === "replay") {
  const { REPLAY_NODE_FLAGS } = await import("../replay/node-flags.ts");
  if (!REPLAY_NODE_FLAGS.every((flag) => process.execArgv.includes(flag))) {
    const { spawnSync } = await import("node:child_process");
    const { fileURLToPath } = await import("node:url");
    const run = spawnSync(process.execPath, [...REPLAY_NODE_FLAGS, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
    if (run.error) throw run.error;
    const { constants } = await import("node:os");
    // Killed by a signal (Ctrl-C): exit as the shell expects, 128 + the signal's number.
    process.exit(run.status ?? 128 + (constants.signals[run.signal] ?? 0));
  }
}
// `satellite ... | head` closes the pipe early: that is not an error.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
