/**
 * Waiting in integration tests that run real processes and sockets (real
 * time, not the virtual clock): poll a condition until it holds, with a
 * deadline, so a test never sleeps a fixed time and never hangs.
 */
import { setTimeout as delay } from "node:timers/promises";

/**
 * Waits for `test()` to hold, checking every 100 ms; rejects after `ms` with `what` and `describe()`.
 *
 * @example
 * await until("every event in Elasticsearch", () => es.documents(STREAM).length === 20, 60_000, () => output);
 */
export async function until(what: string, test: () => boolean | Promise<boolean>, ms: number, describe: () => string = () => ""): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms ${describe()}`);
    await delay(100);
  }
}
