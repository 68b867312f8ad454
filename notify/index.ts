/**
 * notify/'s public face: the PagerDuty notifier with its durable outbox,
 * its settings and routing-key sources, the Events v2 body rules, and the
 * PagerDuty-compatible receiver used by tests and the local demo.
 */
export type { Notification, NotificationAttempt, Notifier, Severity } from "./notification.ts";
export { PagerDutyNotifier, stderrNotifyLog, type NotifyLog, type NotifyLogLevel, type PagerDutyNotifierConfig, type PagerDutyStats, type RoutingStats } from "./pagerduty.ts";
export { Outbox, type OutboxRow, type OutboxStatus } from "./outbox.ts";
export {
  PAGERDUTY_DEFAULTS,
  PAGERDUTY_EVENTS_URL,
  MAX_PAYLOAD_BYTES,
  resolvePagerDutyOptions,
  routingKeysFromEnv,
  routingKeysFromMap,
  routingKeyVariable,
  eventsUrlFromEnv,
  type PagerDutyOptions,
  type RoutingKeyResolver,
} from "./options.ts";
export { MAX_SUMMARY, MAX_DEDUP_KEY, SEVERITIES, normalise, toBody, truncate, wireDedupKey, type EventV2Body, type EventPayload, type StoredMessage } from "./events-v2.ts";
export { startPagerDutyReceiver, type PagerDutyReceiver, type ReceiverMode, type ReceivedEvent, type ReceiverIncident, type ReceiverRequest, type ScriptedResponse } from "./receiver.ts";
export { validateEventV2, RECEIVER_MAX_BYTES } from "./receiver-schema.ts";
