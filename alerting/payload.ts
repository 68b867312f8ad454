/**
 * What alerting tells PagerDuty: stable dedup keys, the trigger of one alert,
 * the trigger of a group (one page listing a rule's hosts), and the guard that
 * keeps every event under PagerDuty's 512 KB by trimming `custom_details`
 * (listing a count plus the first hosts, never all of them).
 */
import { createHash } from "node:crypto";
import { MAX_SUMMARY_LENGTH, SEVERITIES, truncateSummary, type Severity } from "../rules/intents.ts";
import type { Event } from "../streams/event.ts";
import { iso } from "./input.ts";
import type { Notification, NotificationPayload } from "./notifier.ts";

/** Longest PagerDuty `dedup_key`, characters. */
export const MAX_DEDUP_KEY_LENGTH = 255;

/**
 * Largest notification, in bytes of JSON. PagerDuty takes 512 KB per event
 * (Alertmanager enforces 512,000 bytes); 12 KB are left for the routing key
 * and the envelope the notifier adds.
 */
export const MAX_NOTIFICATION_BYTES = 500_000;

/**
 * The dedup key of an alert identity (`rule:subject`, or a rule for a
 * group): the identity itself when it fits in 255 characters, otherwise its
 * first 190 characters, "#" and its SHA-256 in hex (stable, and still readable).
 *
 * @example
 * dedupKeyFor("disk/full:web1:/var"); // "disk/full:web1:/var"
 * dedupKeyFor("x".repeat(300)).length; // 255
 */
export function dedupKeyFor(identity: string): string {
  if (identity.length <= MAX_DEDUP_KEY_LENGTH) return identity;
  return `${identity.slice(0, 190)}#${createHash("sha256").update(identity, "utf8").digest("hex")}`;
}

/** What a trigger needs to know about one alert. */
export interface AlertFacts {
  readonly id: number;
  readonly rule: string;
  readonly subject: string;
  readonly key: string;
  readonly host: string | undefined;
  readonly service: string | undefined;
  readonly severity: Severity;
  readonly summary: string;
  readonly dedupKey: string;
  readonly routing: string;
  readonly firingAt: number | undefined;
  readonly startedAt: number;
  readonly evidence: readonly Event[];
  readonly labels: Readonly<Record<string, string>>;
}

/** Settings of the builders. */
export interface PayloadSettings {
  /** `payload.source` when there is no single host. */
  readonly source: string;
  /** Base URL of the Satellite API/UI for links (no trailing slash needed). */
  readonly webUrl?: string | undefined;
  /** Hosts listed by name in a group page. */
  readonly groupListLimit: number;
}

function ruleFile(rule: string): string {
  const slash = rule.indexOf("/");
  return slash < 0 ? rule : rule.slice(0, slash);
}

function links(settings: PayloadSettings, id: number): Notification["links"] {
  if (settings.webUrl === undefined) return undefined;
  return [{ href: `${settings.webUrl.replace(/\/+$/, "")}/api/v1/alerts/${id}?include=history`, text: "Satellite alert and its history" }];
}

function withLinks(n: Notification, l: Notification["links"]): Notification {
  return l === undefined ? n : { ...n, links: l };
}

/**
 * The trigger for one alert. `source` is the host (the settings' source for
 * a cluster alert), `component` the service, `group` the rule file, `class`
 * the rule; `custom_details` carries the identity, the labels and the last
 * evidence events.
 *
 * @example
 * const n = alertTrigger(alert, { source: "satellite", groupListLimit: 100 });
 * n.payload?.severity; // alert.severity
 */
export function alertTrigger(a: AlertFacts, settings: PayloadSettings): Notification {
  const payload: NotificationPayload = {
    summary: truncateSummary(a.summary),
    source: a.host ?? settings.source,
    severity: a.severity,
    timestamp: iso(a.firingAt ?? a.startedAt) ?? undefined,
    ...(a.service === undefined ? {} : { component: a.service }),
    group: ruleFile(a.rule),
    class: a.rule,
    custom_details: {
      alert_id: a.id,
      rule: a.rule,
      subject: a.subject,
      key: a.key,
      ...(a.host === undefined ? {} : { host: a.host }),
      ...(a.service === undefined ? {} : { service: a.service }),
      firing_since: iso(a.firingAt ?? a.startedAt),
      labels: a.labels,
      evidence: a.evidence,
    },
  };
  return boundNotification(withLinks({ action: "trigger", dedupKey: a.dedupKey, routing: a.routing, payload }, links(settings, a.id)));
}

/**
 * A follow-up (`resolve` or `acknowledge`) for a dedup key: no payload, the
 * trigger's routing name.
 *
 * @example
 * followUp("resolve", "disk/full:web1:/var", "default"); // { action: "resolve", dedupKey: "disk/full:web1:/var", routing: "default" }
 */
export function followUp(action: "resolve" | "acknowledge", dedupKey: string, routing: string): Notification {
  return { action, dedupKey, routing };
}

/** One member of a group page. */
export type GroupMemberFacts = Pick<AlertFacts, "id" | "host" | "subject" | "severity" | "summary" | "firingAt" | "startedAt">;

/** Most members described one by one (summary, severity, since) in a group page; the rest are counted. */
export const GROUP_DETAILED_MEMBERS = 20;

/**
 * The trigger of a group: one PagerDuty alert for all the firing alerts of
 * `rule`. The summary names the count and the first hosts; `custom_details`
 * holds `alert_count`, `host_count`, the first `groupListLimit` hosts
 * (sorted), `hosts_not_listed`, and the first 20 alerts with their summaries.
 * The severity is the most urgent of the members'.
 *
 * @example
 * const n = groupTrigger("task-black-hole/task black hole", "task-black-hole/task black hole", "default", members, openedAt, settings);
 * n.payload?.custom_details?.host_count; // e.g. 1000
 */
export function groupTrigger(rule: string, dedupKey: string, routing: string, members: readonly GroupMemberFacts[], openedAt: number, settings: PayloadSettings): Notification {
  const hostSet = new Set<string>();
  let severity = SEVERITIES.length - 1;
  for (const m of members) {
    hostSet.add(m.host ?? m.subject);
    severity = Math.min(severity, SEVERITIES.indexOf(m.severity));
  }
  const hosts = [...hostSet].sort();
  const listed = hosts.slice(0, settings.groupListLimit);
  const detailed = [...members]
    .sort((a, b) => (a.host ?? a.subject).localeCompare(b.host ?? b.subject) || a.subject.localeCompare(b.subject))
    .slice(0, GROUP_DETAILED_MEMBERS)
    .map((m) => ({ alert_id: m.id, host: m.host ?? null, subject: m.subject, severity: m.severity, summary: m.summary, firing_since: iso(m.firingAt ?? m.startedAt) }));
  const head = `${rule}: ${members.length} alert${members.length === 1 ? "" : "s"} on ${hosts.length} host${hosts.length === 1 ? "" : "s"}: `;
  let names = "";
  for (let i = 0; i < hosts.length; i++) {
    const more = hosts.length - i;
    const next = (i === 0 ? "" : ", ") + hosts[i]!;
    if (head.length + names.length + next.length + 16 > MAX_SUMMARY_LENGTH) {
      names += ` (+${more} more)`;
      break;
    }
    names += next;
  }
  const payload: NotificationPayload = {
    summary: truncateSummary(head + names),
    source: hosts.length === 1 ? hosts[0]! : settings.source,
    severity: SEVERITIES[severity]!,
    timestamp: iso(openedAt) ?? undefined,
    group: ruleFile(rule),
    class: rule,
    custom_details: {
      rule,
      alert_count: members.length,
      host_count: hosts.length,
      hosts: listed,
      hosts_not_listed: hosts.length - listed.length,
      alerts: detailed,
      alerts_not_detailed: members.length - detailed.length,
    },
  };
  return boundNotification({ action: "trigger", dedupKey, routing, payload });
}

function bytes(n: Notification): number {
  return Buffer.byteLength(JSON.stringify(n), "utf8");
}

/**
 * Keeps a notification under `maxBytes` of JSON: first drops the evidence
 * and per-alert details, then halves the host list, and as a last resort
 * replaces `custom_details` with a note (as Alertmanager does).
 *
 * @example
 * bytesOf(boundNotification(huge)) <= MAX_NOTIFICATION_BYTES; // true
 */
export function boundNotification(n: Notification, maxBytes = MAX_NOTIFICATION_BYTES): Notification {
  const details = n.payload?.custom_details;
  if (n.payload === undefined || details === undefined) return n;
  const size = bytes(n);
  if (size <= maxBytes) return n;
  const payload = n.payload;
  let d: Record<string, unknown> = { ...details, truncated: `details cut to stay under PagerDuty's 512 KB (were ${size} bytes)` };
  const omit = (key: string, note: string) => {
    if (d[key] !== undefined) d = { ...d, [key]: undefined, [`${key}_omitted`]: note };
  };
  omit("evidence", "too large");
  omit("alerts", "too large");
  omit("labels", "too large");
  let candidate: Notification = { ...n, payload: { ...payload, custom_details: d } };
  while (bytes(candidate) > maxBytes && Array.isArray(d.hosts) && d.hosts.length > 1) {
    const hosts = d.hosts as unknown[];
    const keep = Math.floor(hosts.length / 2);
    d = { ...d, hosts: hosts.slice(0, keep), hosts_not_listed: Number(d.hosts_not_listed ?? 0) + hosts.length - keep };
    candidate = { ...n, payload: { ...payload, custom_details: d } };
  }
  if (bytes(candidate) <= maxBytes) return candidate;
  return { ...n, payload: { ...payload, custom_details: { truncated: `details dropped: the event was ${size} bytes, over PagerDuty's 512 KB` } } };
}

/**
 * Bytes of a notification's JSON (what `boundNotification` limits).
 *
 * @example
 * bytesOf({ action: "resolve", dedupKey: "k", routing: "default" }); // 51
 */
export function bytesOf(n: Notification): number {
  return bytes(n);
}
