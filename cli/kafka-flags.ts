/**
 * The flags every Kafka-consuming command shares (`satellite engine`,
 * `satellite indexer`): brokers from `--kafka` or `KAFKA_BROKERS`, topic
 * names, durations in seconds, and a consumer heartbeat that fits the
 * session timeout. Each throws an `AppStartError` naming the flag.
 */
import { AppStartError } from "./app.ts";

/**
 * The brokers of `--kafka` (or `$KAFKA_BROKERS`): one or more host:port, comma-separated.
 *
 * @example
 * brokersFlag("k1:9092, k2:9092"); // ["k1:9092", "k2:9092"]
 */
export function brokersFlag(value: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const brokers = (value ?? env.KAFKA_BROKERS ?? "")
    .split(",")
    .map((b) => b.trim())
    .filter((b) => b !== "");
  if (brokers.length === 0) throw new AppStartError("--kafka BROKERS (or the KAFKA_BROKERS environment variable) is required, e.g. --kafka 127.0.0.1:9092");
  for (const b of brokers) if (!/^[^\s:]+:\d{1,5}$/.test(b)) throw new AppStartError(`--kafka: "${b}" is not host:port`);
  return brokers;
}

/**
 * A number of seconds given as `flag`, at least `min`.
 *
 * @example
 * secondsFlag("5", "--publish-interval", 0.1); // 5
 */
export function secondsFlag(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new AppStartError(`${flag} must be a number >= ${min}, got "${value}"`);
  return n;
}

/**
 * A Kafka topic name given as `flag`.
 *
 * @example
 * topicFlag("satellite.events", "--events-topic"); // "satellite.events"
 */
export function topicFlag(value: string, flag: string): string {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(value)) throw new AppStartError(`${flag} must be a Kafka topic name (letters, digits, ".", "_", "-"), got "${value}"`);
  return value;
}

/**
 * A consumer heartbeat interval well inside the session timeout, in milliseconds.
 *
 * @example
 * heartbeatOf(10_000); // 1000
 */
export function heartbeatOf(sessionTimeoutMs: number): number {
  return Math.max(100, Math.min(1000, Math.floor(sessionTimeoutMs / 3)));
}
