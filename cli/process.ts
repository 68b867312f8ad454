/**
 * What the long-running commands (`start`, `engine`) share about being a
 * process: a time-stamped log line on stdout, and waiting for SIGINT or
 * SIGTERM while keeping the process alive.
 */

/**
 * Writes one log line to stdout, prefixed with the wall-clock time.
 *
 * @example
 * logLine("ready"); // "2025-01-01T00:00:00.000Z ready"
 */
export function logLine(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

/**
 * Resolves with the name of the first SIGINT or SIGTERM; keeps the process
 * alive until then even when nothing else would.
 *
 * @example
 * const signal = await untilSignal();
 * logLine(`${signal}: stopping`);
 */
export function untilSignal(): Promise<string> {
  return new Promise<string>((resolve) => {
    const keepAlive = setInterval(() => {}, 1 << 30);
    const stop = (name: string): void => {
      clearInterval(keepAlive);
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(name);
    };
    const onInt = (): void => stop("SIGINT");
    const onTerm = (): void => stop("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
  });
}
