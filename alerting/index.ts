/**
 * The alerting part's public face: the alert lifecycle (`Alerting`), its
 * settings, its HTTP router and client, and the `Notifier` contract the
 * notify part implements. See docs/alerting.md.
 */
export { Alerting, DEFAULT_HISTORY_LIMIT, LIST_LIMITS } from "./alerting.ts";
export type { AlertFilter, AlertingDeps, AlertState, AlertView, CommittedHistoryEntry, HistoryAlert, HistoryEntry, HistoryFilter, MaintenanceView, Mutes, SilenceView } from "./alerting.ts";
export { ALERTING_DEFAULTS, policyFor, resolveAlertingOptions } from "./options.ts";
export type { AlertingOptions, AlertPolicy } from "./options.ts";
export { alertsRouter, type AlertsRouterOptions } from "./router.ts";
export { AlertingClient, ApiError, DEFAULT_API_URL, type NewMaintenance, type NewSilence } from "./client.ts";
export { AlertingInputError } from "./errors.ts";
export { compileMatchers, formatMatcher, parseMatcher, validateMatchers, type Labels, type Matcher } from "./matchers.ts";
export { formatDuration, parseDuration } from "./input.ts";
export { dedupKeyFor, MAX_DEDUP_KEY_LENGTH, MAX_NOTIFICATION_BYTES } from "./payload.ts";
export { ALERTING_MIGRATIONS } from "./schema.ts";
export type { Notification, NotificationAttempt, NotificationPayload, NotificationSeverity, Notifier } from "./notifier.ts";
