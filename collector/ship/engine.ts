/**
 * The in-process transport: hands batches straight to an engine in the
 * same process (`satellite start`, the all-in-one mode, where the
 * collector for this host and the engine share one process). Validation
 * is the engine's (`submitAll`), as on every other entry point.
 */
import type { HandlerResult } from "../../bus/bus.ts";
import type { Batch, SendResult, Transport } from "./transport.ts";

/** What this transport needs of the engine (`Engine` satisfies it). */
export interface SubmitAll {
  submitAll(raws: readonly unknown[]): HandlerResult;
}

/**
 * Sends to an engine in this process; never fails.
 *
 * @example
 * const shipping = await openShipping({ clock, transports: [new EngineTransport(app.engine)] });
 */
export class EngineTransport implements Transport {
  readonly name = "engine (in process)";

  constructor(private readonly engine: SubmitAll) {}

  send(batch: Batch): Promise<SendResult> {
    const result = this.engine.submitAll(batch.events);
    return Promise.resolve({ rejected: result.rejected.length });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
