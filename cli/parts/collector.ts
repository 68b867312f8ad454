/**
 * Wiring of this host's collector in the all-in-one process: the probes,
 * checks and heartbeat ship into the in-process bus, and the task executor
 * heartbeats to the scheduler in the same process and runs the tasks it is
 * given, publishing task events to the bus's tasks topic.
 */
import os from "node:os";
import { join } from "node:path";
import type { Bus } from "../../bus/bus.ts";
import { openCollector, type OpenCollector } from "../../collector/collector.ts";
import { startExecutorAgent, type ExecutorAgent } from "../../collector/executor/index.ts";
import { resolveCollectorOptions } from "../../collector/options.ts";
import type { Batch, SendResult, Transport } from "../../collector/ship/transport.ts";
import { inProcessSchedulerClient, type Scheduler } from "../../scheduler/index.ts";
import type { Clock } from "../../streams/clock.ts";

/** Ships collector batches into the in-process bus (which never refuses them). */
class BusTransport implements Transport {
  readonly name = "bus (in process)";
  constructor(private readonly bus: Bus) {}
  async send(batch: Batch): Promise<SendResult> {
    await this.bus.publish("events", batch.events);
    return { rejected: 0 };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** What `startLocalCollector` needs. */
export interface CollectorPartOptions {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly dataDir: string;
  /** The `collector` section of the config. */
  readonly collector: Readonly<Record<string, unknown>>;
  /** The scheduler in this process, whose tasks this host runs; undefined: no executor. */
  readonly scheduler?: Scheduler | undefined;
  readonly log: (line: string) => void;
}

/** This host's collector and executor, running. */
export interface CollectorPart {
  readonly host: string;
  readonly collector: OpenCollector;
  readonly executor: ExecutorAgent | undefined;
  /** Stops probing and the executor (its tasks are killed); unsent events stay in the buffer. */
  close(): Promise<void>;
}

/**
 * Starts the collector (and the executor) for this host.
 *
 * @example
 * const local = await startLocalCollector({ bus, clock, dataDir: "data", collector: {}, scheduler, log: console.log });
 */
export async function startLocalCollector(options: CollectorPartOptions): Promise<CollectorPart> {
  const resolved = resolveCollectorOptions({ bufferDir: join(options.dataDir, "collector-buffer"), ...options.collector });
  const collector = await openCollector({ options: resolved, clock: options.clock, transports: [new BusTransport(options.bus)], log: (line) => options.log(`collector: ${line}`) });
  collector.agent.start();
  const host = resolved.host;
  const executor =
    options.scheduler === undefined
      ? undefined
      : startExecutorAgent({
          host,
          scheduler: inProcessSchedulerClient(options.scheduler),
          clock: options.clock,
          publish: options.bus,
          workDir: os.tmpdir(),
          onError: (err) => options.log(`executor: ${err instanceof Error ? err.message : String(err)}`),
        });
  return {
    host,
    collector,
    executor,
    close: async () => {
      await executor?.stop();
      await collector.close();
    },
  };
}
