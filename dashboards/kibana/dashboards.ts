/**
 * Satellite's Kibana content: a data view per data stream and four
 * dashboards built from Lens visualizations — fleet overview, host detail,
 * alerts timeline, scheduler and whitelist state. Everything here is data;
 * `satelliteSavedObjects()` returns it in import order (data views, then
 * visualizations, then dashboards) and `toNdjson` (saved-objects.ts) turns
 * it into the file `satellite dashboards install` imports.
 */
import { dashboard, dataView, lens, type MetricSpec, type SavedObject } from "./saved-objects.ts";

const DATE = { op: "date_histogram" } as const;
const HOSTS_TOP10 = { op: "terms", field: "host.name", size: 10, label: "Host" } as const;
const pct = (op: MetricSpec["op"], field: string, label: string): MetricSpec => ({ op, field, label, format: "percent" });

/**
 * The data views, one per data stream.
 *
 * @example
 * dataViews().map((v) => v.attributes.title); // ["metrics-satellite.host-*", "logs-satellite.events-*", ...]
 */
export function dataViews(): SavedObject[] {
  return [
    dataView("metrics", "Satellite host metrics"),
    dataView("events", "Satellite events"),
    dataView("alerts", "Satellite alert history"),
    dataView("hosts", "Satellite host state changes"),
    dataView("tasks", "Satellite task events"),
  ];
}

function fleetOverview(): SavedObject[] {
  const id = (name: string): string => `satellite-fleet-${name}`;
  const parts = [
    lens({ id: id("hosts-reporting"), title: "Hosts reporting", stream: "metrics", chart: { kind: "metric", metric: { op: "unique_count", field: "host.name", label: "Hosts reporting" } } }),
    lens({ id: id("pages"), title: "Pages", stream: "alerts", query: 'event.action : "triggered"', chart: { kind: "metric", metric: { op: "count", label: "Pages" } } }),
    lens({ id: id("hosts-out"), title: "Hosts taken out", description: "Hosts drained or blacklisted at some point in the time range", stream: "hosts", query: "satellite.host.schedulable : false", chart: { kind: "metric", metric: { op: "unique_count", field: "host.name", label: "Hosts taken out" } } }),
    lens({ id: id("tasks-failed"), title: "Tasks failed", stream: "tasks", query: 'event.outcome : "failure"', chart: { kind: "metric", metric: { op: "count", label: "Tasks failed" } } }),
    lens({ id: id("cpu"), title: "CPU use (top 10 hosts)", stream: "metrics", chart: { kind: "xy", series: "line", x: DATE, split: HOSTS_TOP10, metrics: [pct("average", "system.cpu.total.norm.pct", "CPU")] } }),
    lens({ id: id("memory"), title: "Memory use (top 10 hosts)", stream: "metrics", chart: { kind: "xy", series: "line", x: DATE, split: HOSTS_TOP10, metrics: [pct("average", "system.memory.actual.used.pct", "Memory")] } }),
    lens({ id: id("swap"), title: "Swap in use (top 10 hosts)", stream: "metrics", chart: { kind: "xy", series: "line", x: DATE, split: HOSTS_TOP10, metrics: [pct("max", "system.memory.swap.used.pct", "Swap")] } }),
    lens({ id: id("disk"), title: "Fullest filesystem (top 10 hosts)", stream: "metrics", chart: { kind: "xy", series: "line", x: DATE, split: HOSTS_TOP10, metrics: [pct("max", "system.filesystem.used.pct", "Disk")] } }),
    lens({
      id: id("hosts-table"),
      title: "Hosts",
      stream: "metrics",
      chart: {
        kind: "table",
        rows: [{ op: "terms", field: "host.name", size: 500, label: "Host" }],
        metrics: [
          pct("last_value", "system.cpu.total.norm.pct", "CPU"),
          pct("last_value", "system.memory.actual.used.pct", "Memory"),
          pct("max", "system.memory.swap.used.pct", "Swap (max)"),
          pct("max", "system.filesystem.used.pct", "Disk (max)"),
          { op: "max", field: "system.load.norm.1", label: "Load / core (max)", format: "number" },
        ],
      },
    }),
    lens({ id: id("event-states"), title: "Events by state", stream: "events", chart: { kind: "xy", series: "bar_stacked", x: DATE, split: { op: "terms", field: "satellite.state", size: 5, label: "State" }, metrics: [{ op: "count", label: "Events" }] } }),
  ];
  const [hosts, pages, out, failed, cpu, memory, swap, disk, table, states] = parts as [SavedObject, SavedObject, SavedObject, SavedObject, SavedObject, SavedObject, SavedObject, SavedObject, SavedObject, SavedObject];
  return [
    ...parts,
    dashboard({
      id: "satellite-fleet-overview",
      title: "[Satellite] Fleet overview",
      description: "Every host at a glance: who reports, CPU, memory, swap and disk, pages, hosts taken out of scheduling, failing tasks.",
      from: "now-24h",
      panels: [
        { lens: hosts, w: 12, h: 6 },
        { lens: pages, w: 12, h: 6 },
        { lens: out, w: 12, h: 6 },
        { lens: failed, w: 12, h: 6 },
        { lens: cpu, w: 24, h: 12 },
        { lens: memory, w: 24, h: 12 },
        { lens: swap, w: 24, h: 12 },
        { lens: disk, w: 24, h: 12 },
        { lens: table, w: 48, h: 14 },
        { lens: states, w: 48, h: 10 },
      ],
    }),
  ];
}

function hostDetail(): SavedObject[] {
  const id = (name: string): string => `satellite-host-${name}`;
  const xy = (name: string, title: string, stream: "metrics" | "tasks", metrics: MetricSpec[], split?: { field: string; label: string }, series: "line" | "bar_stacked" = "line"): SavedObject =>
    lens({ id: id(name), title, stream, chart: { kind: "xy", series, x: DATE, ...(split ? { split: { op: "terms", field: split.field, size: 10, label: split.label } } : {}), metrics } });
  const parts = [
    xy("cpu", "CPU use", "metrics", [pct("average", "system.cpu.total.norm.pct", "CPU")]),
    xy("load", "Load", "metrics", [
      { op: "average", field: "system.load.1", label: "1 min" },
      { op: "average", field: "system.load.5", label: "5 min" },
      { op: "average", field: "system.load.15", label: "15 min" },
    ]),
    xy("memory", "Memory and swap", "metrics", [pct("average", "system.memory.actual.used.pct", "Memory"), pct("average", "system.memory.swap.used.pct", "Swap in use")]),
    xy("swapping", "Swapping (pages/s)", "metrics", [{ op: "max", field: "system.memory.swap.pages_per_sec", label: "Pages in+out per second" }]),
    xy("filesystems", "Filesystems", "metrics", [pct("max", "system.filesystem.used.pct", "Used")], { field: "system.filesystem.mount_point", label: "Mount point" }),
    xy("network", "Network", "metrics", [
      { op: "sum", field: "host.network.ingress.bytes", label: "In", format: "bytes" },
      { op: "sum", field: "host.network.egress.bytes", label: "Out", format: "bytes" },
    ]),
    xy("blocked", "Threads blocked on I/O", "metrics", [{ op: "max", field: "system.process.summary.threads.blocked", label: "Blocked" }]),
    xy("tasks", "Tasks", "tasks", [{ op: "count", label: "Task events" }], { field: "event.action", label: "Event" }, "bar_stacked"),
    lens({
      id: id("services"),
      title: "Latest state of each service",
      stream: "events",
      chart: {
        kind: "table",
        rows: [{ op: "terms", field: "service.name", size: 500, label: "Service" }],
        metrics: [
          { op: "last_value", field: "satellite.state", label: "State" },
          { op: "last_value", field: "satellite.metric", label: "Metric" },
          { op: "count", label: "Events" },
        ],
      },
    }),
  ];
  return [
    ...parts,
    dashboard({
      id: "satellite-host-detail",
      title: "[Satellite] Host detail",
      description: 'One host in depth. Type host.name : "web1" in the query bar (or click a host on the fleet overview) to pick the host.',
      from: "now-6h",
      panels: parts.map((lens, i) => ({ lens, w: i === parts.length - 1 ? 48 : 24, h: i === parts.length - 1 ? 14 : 10 })),
    }),
  ];
}

function alertsTimeline(): SavedObject[] {
  const id = (name: string): string => `satellite-alerts-${name}`;
  const triggered = 'event.action : "triggered"';
  const parts = [
    lens({ id: id("changes"), title: "Alert changes by state", stream: "alerts", chart: { kind: "xy", series: "bar_stacked", x: DATE, split: { op: "terms", field: "event.action", size: 10, label: "State" }, metrics: [{ op: "count", label: "Changes" }] } }),
    lens({ id: id("severity"), title: "Pages by severity", stream: "alerts", query: triggered, chart: { kind: "xy", series: "bar_stacked", x: DATE, split: { op: "terms", field: "log.level", size: 4, label: "Severity" }, metrics: [{ op: "count", label: "Pages" }] } }),
    lens({ id: id("rules"), title: "Rules that page most", stream: "alerts", query: triggered, chart: { kind: "xy", series: "bar_horizontal", x: { op: "terms", field: "rule.name", size: 10, label: "Rule" }, metrics: [{ op: "count", label: "Pages" }] } }),
    lens({
      id: id("table"),
      title: "Alerts",
      stream: "alerts",
      chart: {
        kind: "table",
        rows: [
          { op: "terms", field: "rule.name", size: 100, label: "Rule" },
          { op: "terms", field: "satellite.alert.key", size: 500, label: "Alert" },
        ],
        metrics: [
          { op: "last_value", field: "satellite.alert.state", label: "State" },
          { op: "last_value", field: "log.level", label: "Severity" },
          { op: "last_value", field: "host.name", label: "Host" },
          { op: "count", label: "Changes" },
        ],
      },
    }),
  ];
  const [changes, severity, rules, table] = parts as [SavedObject, SavedObject, SavedObject, SavedObject];
  return [
    ...parts,
    dashboard({
      id: "satellite-alerts-timeline",
      title: "[Satellite] Alerts timeline",
      description: "Every alert state change (triggered, acknowledged, resolved, silenced) over time, by rule and severity.",
      from: "now-7d",
      panels: [
        { lens: changes, w: 48, h: 10 },
        { lens: severity, w: 24, h: 12 },
        { lens: rules, w: 24, h: 12 },
        { lens: table, w: 48, h: 16 },
      ],
    }),
  ];
}

function schedulerAndWhitelist(): SavedObject[] {
  const id = (name: string): string => `satellite-scheduler-${name}`;
  const parts = [
    lens({ id: id("changes"), title: "Host state changes", stream: "hosts", chart: { kind: "xy", series: "bar_stacked", x: DATE, split: { op: "terms", field: "satellite.host.flag", size: 10, label: "New state" }, metrics: [{ op: "count", label: "Changes" }] } }),
    lens({ id: id("actors"), title: "Who changes host states", stream: "hosts", chart: { kind: "xy", series: "bar_horizontal", x: { op: "terms", field: "satellite.host.actor", size: 10, label: "Actor" }, metrics: [{ op: "count", label: "Changes" }] } }),
    lens({
      id: id("hosts"),
      title: "Host states (latest change)",
      stream: "hosts",
      chart: {
        kind: "table",
        rows: [{ op: "terms", field: "host.name", size: 500, label: "Host" }],
        metrics: [
          { op: "last_value", field: "satellite.host.flag", label: "State" },
          { op: "last_value", field: "satellite.host.schedulable", label: "Schedulable" },
          { op: "last_value", field: "satellite.host.actor", label: "Changed by" },
          { op: "count", label: "Changes" },
        ],
      },
    }),
    lens({ id: id("tasks"), title: "Task events", stream: "tasks", chart: { kind: "xy", series: "bar_stacked", x: DATE, split: { op: "terms", field: "event.action", size: 10, label: "Event" }, metrics: [{ op: "count", label: "Task events" }] } }),
    lens({ id: id("failing-hosts"), title: "Hosts where tasks fail", stream: "tasks", query: 'event.outcome : "failure"', chart: { kind: "xy", series: "bar_horizontal", x: { op: "terms", field: "host.name", size: 10, label: "Host" }, metrics: [{ op: "count", label: "Failed tasks" }] } }),
  ];
  const [changes, actors, hosts, tasks, failing] = parts as [SavedObject, SavedObject, SavedObject, SavedObject, SavedObject];
  return [
    ...parts,
    dashboard({
      id: "satellite-scheduler-whitelist",
      title: "[Satellite] Scheduler and whitelist",
      description: "Hosts drained, blacklisted and restored, by whom (rules or operators), and how the tasks placed on them fare.",
      from: "now-7d",
      panels: [
        { lens: changes, w: 24, h: 12 },
        { lens: actors, w: 24, h: 12 },
        { lens: hosts, w: 48, h: 14 },
        { lens: tasks, w: 24, h: 12 },
        { lens: failing, w: 24, h: 12 },
      ],
    }),
  ];
}

/**
 * Every saved object Satellite ships, in import order: data views, then
 * each dashboard's Lens visualizations followed by the dashboard.
 *
 * @example
 * toNdjson(satelliteSavedObjects()); // the file `satellite dashboards export` writes
 */
export function satelliteSavedObjects(): SavedObject[] {
  return [...dataViews(), ...fleetOverview(), ...hostDetail(), ...alertsTimeline(), ...schedulerAndWhitelist()];
}

/**
 * The ids of the four dashboards.
 *
 * @example
 * DASHBOARD_IDS[0]; // "satellite-fleet-overview"
 */
export const DASHBOARD_IDS: readonly string[] = Object.freeze(["satellite-fleet-overview", "satellite-host-detail", "satellite-alerts-timeline", "satellite-scheduler-whitelist"]);
