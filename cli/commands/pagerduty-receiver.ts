/**
 * `satellite pagerduty-receiver --port 6000`: a local stand-in for
 * PagerDuty's Events API v2, for the demo and for trying rules without a
 * PagerDuty account. It validates events as PagerDuty does, de-duplicates
 * them into incidents by dedup key, and prints one line per event (routing
 * keys are never printed). Point Satellite at it with
 * PAGERDUTY_EVENTS_URL=http://127.0.0.1:6000/v2/enqueue and any 32-character
 * PAGERDUTY_ROUTING_KEY.
 */
import type { Command } from "commander";
import { startPagerDutyReceiver, type ReceiverMode } from "../../notify/receiver.ts";
import type { ExitCode } from "../main.ts";
import { logLine as log, untilSignal } from "../process.ts";

/** Options of `pagerduty-receiver`, as commander parses them. */
interface ReceiverCommandOptions {
  readonly port: string;
  readonly host: string;
  readonly mode: string;
}

const MODES: readonly ReceiverMode[] = ["ok", "429", "500", "slow"];

/**
 * Registers `pagerduty-receiver` on `program`.
 *
 * @example
 * registerPagerDutyReceiver(program, exit); // then: satellite pagerduty-receiver --port 6000
 */
export function registerPagerDutyReceiver(program: Command, exit: ExitCode): void {
  program
    .command("pagerduty-receiver")
    .description("run a local PagerDuty-compatible Events API v2 endpoint that prints every event it gets")
    .option("-p, --port <port>", "port to listen on (0 = any free port)", "6000")
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--mode <mode>", `how to answer valid events: ${MODES.join(", ")} (to watch Satellite retry)`, "ok")
    .addHelpText(
      "after",
      `
Then start Satellite against it:

  PAGERDUTY_EVENTS_URL=http://127.0.0.1:6000/v2/enqueue \\
  PAGERDUTY_ROUTING_KEY=0123456789abcdef0123456789abcdef npx satellite start

GET http://127.0.0.1:6000/ shows the incidents it holds.`,
    )
    .action(async (opts: ReceiverCommandOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer from 0 to 65535, got "${opts.port}"`);
      if (!MODES.includes(opts.mode as ReceiverMode)) throw new Error(`--mode must be one of ${MODES.join(", ")}, got "${opts.mode}"`);
      const receiver = await startPagerDutyReceiver({
        port,
        host: opts.host,
        onEvent: (e, incident) => {
          const summary = typeof e.payload?.summary === "string" ? `: ${e.payload.summary}` : "";
          const severity = typeof e.payload?.severity === "string" ? ` ${e.payload.severity}` : "";
          log(`${e.action}${severity} ${e.dedupKey} -> ${e.effect}${incident ? ` (incident ${incident.id.slice(0, 8)}, ${incident.status})` : ""}${summary}`);
        },
      });
      receiver.setMode(opts.mode as ReceiverMode);
      log(`PagerDuty-compatible receiver on ${receiver.url} (mode ${opts.mode}); set PAGERDUTY_EVENTS_URL=${receiver.url}`);
      const signal = await untilSignal();
      log(`${signal}: stopping`);
      await receiver.close();
      exit.code = 0;
    });
}
