/**
 * The heartbeat: one event per host every `HEARTBEAT_INTERVAL_SECONDS`
 * saying "this collector is alive", with a ttl of `HEARTBEAT_TTL_SECONDS`
 * so that a host that goes silent (machine down, agent dead, network cut)
 * expires in the engine's index and the built-in rules see it. The names
 * and numbers come from rules/builtin/services.ts, the contract between the
 * collector and the rules.
 */
import { HEARTBEAT, HEARTBEAT_INTERVAL_SECONDS, HEARTBEAT_TTL_SECONDS } from "../rules/builtin/services.ts";
import { makeEvent, type Event } from "../streams/event.ts";

export { HEARTBEAT, HEARTBEAT_INTERVAL_SECONDS, HEARTBEAT_TTL_SECONDS };

/**
 * The heartbeat of `host` at `now`: service "heartbeat", state "ok", ttl 30,
 * metric = seconds since the collector started.
 *
 * @example
 * heartbeatEvent("web1", 1_700_000_100, 1_700_000_000);
 * // { host: "web1", service: "heartbeat", state: "ok", metric: 100, ttl: 30, time: 1700000100, description: "collector alive" }
 */
export function heartbeatEvent(host: string, now: number, startedAt: number): Event {
  return makeEvent({ host, service: HEARTBEAT, time: now, state: "ok", metric: Math.max(0, now - startedAt), ttl: HEARTBEAT_TTL_SECONDS, description: "collector alive" });
}
