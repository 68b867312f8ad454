/**
 * The self-metrics of the engine's own parts: events in and rejected (by
 * reason), expiries, rule errors and timers, index size, the Riemann
 * protocol server and the bus. The other parts (outbox, sink, scheduler,
 * collector) describe theirs beside their code or in the app wiring with
 * the same `SelfMetric` shape.
 */
import type { BusStats } from "../../bus/bus.ts";
import type { RiemannStats } from "../../riemann/handler.ts";
import type { RuleStatus } from "../../rules/manager.ts";
import type { Engine } from "../../streams/engine.ts";
import { counterMetrics, type LabelledValue, type SelfMetric } from "./self-metrics.ts";

/**
 * Engine metrics: events accepted, rejected by code, expired, stream errors, index size.
 *
 * @example
 * createMetricsRegistry(engineMetrics(app.engine));
 */
export function engineMetrics(engine: Engine): SelfMetric[] {
  return [
    { name: "satellite_events_accepted_total", help: "Events accepted by the engine (validated, indexed, run through the rules).", type: "counter", read: () => engine.stats.accepted },
    {
      name: "satellite_events_rejected_total",
      help: "Events rejected by validation, by rejection code.",
      type: "counter",
      labelNames: ["code"],
      read: () => [...engine.stats.rejected].map(([code, n]): LabelledValue => [{ code }, n]),
    },
    { name: "satellite_events_expired_total", help: "Expired events the index emitted (TTL ran out).", type: "counter", read: () => engine.stats.expired },
    { name: "satellite_stream_errors_total", help: "Throws caught inside rules' streams.", type: "counter", read: () => engine.stats.streamErrors },
    { name: "satellite_index_events", help: "Events held in the index (latest per host and service).", type: "gauge", read: () => engine.index.size },
  ];
}

/**
 * Rule metrics per rules file: errors since load and pending timers; plus how many files run.
 *
 * @example
 * rulesMetrics(() => app.rules.flatMap((m) => m.status()));
 */
export function rulesMetrics(status: () => readonly RuleStatus[]): SelfMetric[] {
  return [
    { name: "satellite_rules_loaded", help: "Rules files running.", type: "gauge", read: () => status().length },
    {
      name: "satellite_rule_errors",
      help: "Errors thrown by a rules file since it was (re)loaded.",
      type: "gauge",
      labelNames: ["rule"],
      read: () => status().map((s): LabelledValue => [{ rule: s.name }, s.errors]),
    },
    {
      name: "satellite_rule_pending_timers",
      help: "Timers a rules file's streams have pending (windows, throttles, expiries).",
      type: "gauge",
      labelNames: ["rule"],
      read: () => status().map((s): LabelledValue => [{ rule: s.name }, s.pendingTimers]),
    },
  ];
}

/**
 * Riemann protocol server metrics.
 *
 * @example
 * riemannMetrics(() => app.riemann!.stats);
 */
export function riemannMetrics(stats: () => RiemannStats): SelfMetric[] {
  return counterMetrics("satellite_riemann", stats, {
    messages: ["counter", "Riemann protocol messages handled."],
    invalidMessages: ["counter", "Riemann messages that were not valid protobuf."],
    eventsAccepted: ["counter", "Events accepted over the Riemann protocol."],
    eventsRejected: ["counter", "Events rejected over the Riemann protocol."],
    queries: ["counter", "Riemann queries answered."],
    queryErrors: ["counter", "Riemann queries that failed."],
    openConnections: ["gauge", "Riemann TCP/TLS connections open now."],
    connectionsRejected: ["counter", "Riemann connections refused at the connection limit."],
  });
}

/**
 * Bus metrics (in-process or Kafka).
 *
 * @example
 * busMetrics(() => bus.stats);
 */
export function busMetrics(stats: () => Readonly<BusStats>): SelfMetric[] {
  return counterMetrics("satellite_bus", stats, {
    publishedEvents: ["counter", "Events published to the bus."],
    queuedEvents: ["gauge", "Events published and not yet handed over."],
    deliveredEvents: ["counter", "Events handed to consumers."],
    rejectedEvents: ["counter", "Events consumers rejected (validation)."],
    handlerErrors: ["counter", "Batches whose consumer failed."],
    malformedMessages: ["counter", "Bus messages that could not be decoded."],
    deadLettered: ["counter", "Bus messages set aside to the dead-letter topic."],
    duplicatesSkipped: ["counter", "Redelivered messages skipped (at-least-once)."],
  });
}
