/**
 * The contract between alerting/ and notify/, re-exported from its owner,
 * alerting/notifier.ts: what the alert lifecycle hands to a notifier
 * (`Notification`), what a notifier reports back per delivery attempt
 * (`NotificationAttempt`), and the one-method `Notifier` interface. Every
 * file of notify/ imports these types from here.
 */
export type { Notification, NotificationAttempt, Notifier, NotificationPayload, NotificationSeverity } from "../alerting/notifier.ts";
export type { NotificationSeverity as Severity } from "../alerting/notifier.ts";
