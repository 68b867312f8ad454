/**
 * The bus's public face: the `Bus` contract, its two implementations (the
 * in-process bus, the embedded default; the Kafka bus, for engines that
 * scale out), the message format, and the Kafka settings. docs/bus.md
 * describes all of it; the CLI/app assembly picks the implementation.
 */
export { BUS_TOPICS, DEFAULT_GROUPS, emptyStats } from "./bus.ts";
export type { BatchHandler, Bus, BusStats, BusTopic, EventPublisher, EventSource, HandlerResult, Origin, SubscribeOptions, Subscription } from "./bus.ts";
export { InProcessBus, KEEP_DEAD_LETTERS } from "./inprocess.ts";
export type { InProcessBusOptions, InProcessDeadLetter } from "./inprocess.ts";
export { DLQ_HEADERS, KafkaBus } from "./kafka.ts";
export type { KafkaBusStats } from "./kafka.ts";
export { DEFAULT_TOPICS, KAFKA_DEFAULTS, resolveKafkaOptions } from "./kafka-options.ts";
export type { KafkaBusOptions, KafkaConsumerOptions, KafkaLog, KafkaLogLevel, KafkaProducerOptions } from "./kafka-options.ts";
export { decodeMessage, DEFAULT_MESSAGE_LIMITS, encodeMessage, MESSAGE_VERSION } from "./codec.ts";
export type { BusMessage, Decoded, Malformed, MalformedCode, MessageLimits } from "./codec.ts";
