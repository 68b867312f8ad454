/**
 * The collector, the public face: the per-host agent (probes every
 * interval, heartbeat, checks on their schedules), the checks (command
 * checks in Satellite's style and the default set), shipping (Kafka,
 * Riemann to every engine, HTTP; bounded disk buffer; counters), the
 * settings and the wiring (`openCollector`). `satellite collector` is the
 * command (cli/commands/collector.ts).
 */
export { Agent, AGENT_DEFAULTS, type AgentOptions, type AgentProbe, type AgentStats, type ProbeStats } from "./agent.ts";
export { heartbeatEvent, HEARTBEAT, HEARTBEAT_INTERVAL_SECONDS, HEARTBEAT_TTL_SECONDS } from "./heartbeat.ts";
export { COLLECTOR_DEFAULTS, resolveCollectorOptions, type CollectorOptions, type ResolvedCollectorOptions } from "./options.ts";
export { collectorTransports, openCollector, type OpenCollector, type OpenCollectorSettings } from "./collector.ts";
export { assertUniqueNames, CHECK_DEFAULTS, resolveCheck, resolveChecks, type Check, type CheckOutput, type CheckResult, type CheckRunContext, type CheckSchedule, type CommandCheckDefinition } from "./checks/check.ts";
export { runCommand, type CommandResult, type CommandSpec } from "./checks/command.ts";
export { cronError, nextCronTime } from "./checks/cron.ts";
export { DEFAULT_CHECKS_DEFAULTS, defaultChecks, resolveDefaultChecksOptions, type DefaultChecksOptions, type ResolvedDefaultChecksOptions } from "./checks/defaults.ts";
export { exitCodeResults, jsonLinesResults, stateOfExit } from "./checks/output.ts";
export { CheckScheduler, checkEvent, checkTtl, type CheckSchedulerOptions, type CheckStats } from "./checks/scheduler.ts";
export { MemoryBuffer, type BatchBuffer, type BufferStats } from "./ship/buffer.ts";
export { DISK_BUFFER_DEFAULTS, DiskBuffer, type DiskBufferOptions, type DiskBufferStats } from "./ship/disk-buffer.ts";
export { EngineTransport, type SubmitAll } from "./ship/engine.ts";
export { HTTP_TRANSPORT_DEFAULTS, HttpTransport, ingestUrl, type HttpTransportOptions } from "./ship/http.ts";
export { KAFKA_TRANSPORT_DEFAULTS, KafkaTransport, type KafkaTransportOptions } from "./ship/kafka.ts";
export { parseEndpoint, RIEMANN_TRANSPORT_DEFAULTS, RiemannTransport, riemannTransports, type RiemannEndpoint, type RiemannTransportOptions } from "./ship/riemann.ts";
export { Shipper, SHIPPER_DEFAULTS, type ShipperOptions, type ShipperStats } from "./ship/shipper.ts";
export { bufferDirName, jsonLinesSink, openShipping, Shipping, type ShippingOptions, type ShippingStats } from "./ship/shipping.ts";
export { PermanentSendError, type Batch, type SendResult, type Transport } from "./ship/transport.ts";
export { defaultProbes, resolveProbeOptions, type Probe, type ProbeContext, type ProbeOptions, type ResolvedProbeOptions } from "./probes/index.ts";
