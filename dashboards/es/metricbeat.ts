/**
 * The Metricbeat `system` (and ECS `host.*`) metric fields Satellite knows:
 * one table that says, for each field name a collector may use as an event's
 * service, which Metricbeat metricset it belongs to and how Elasticsearch
 * maps it. The document mapper (documents.ts) turns a metric event whose
 * service is one of these names into that nested field; the index templates
 * (templates.ts) map exactly these fields, so the two never drift apart.
 * Names and units follow Metricbeat's exported fields: `*.pct` is a ratio
 * (1.0 = 100%), bytes and counters are integers.
 */

/** How a metric field is mapped in Elasticsearch. */
export type MetricFieldType = "scaled_float" | "long" | "float";

/** One known metric field. */
export interface MetricField {
  /** The Metricbeat metricset (`metricset.name`), e.g. "memory". */
  readonly metricset: string;
  readonly type: MetricFieldType;
}

/**
 * Metricsets that report one document per device, mount or interface, and
 * the field that names it. A service "<field> <qualifier>" (for example
 * "system.filesystem.used.pct /data") puts the qualifier in that field
 * (`system.filesystem.mount_point: "/data"`).
 *
 * @example
 * QUALIFIER_FIELDS.filesystem; // "system.filesystem.mount_point"
 */
export const QUALIFIER_FIELDS: Readonly<Record<string, string>> = Object.freeze({
  filesystem: "system.filesystem.mount_point",
  network: "system.network.name",
  diskio: "system.diskio.name",
});

const STATES = ["user", "system", "nice", "idle", "iowait", "irq", "softirq", "steal", "total"] as const;

function build(): Record<string, MetricField> {
  const t: Record<string, MetricField> = {};
  const add = (metricset: string, type: MetricFieldType, ...names: string[]): void => {
    for (const name of names) t[name] = { metricset, type };
  };
  // cpu
  add("cpu", "long", "system.cpu.cores");
  for (const s of STATES) add("cpu", "scaled_float", `system.cpu.${s}.pct`, `system.cpu.${s}.norm.pct`);
  add("cpu", "scaled_float", "host.cpu.usage");
  // load
  add("load", "scaled_float", "system.load.1", "system.load.5", "system.load.15", "system.load.norm.1", "system.load.norm.5", "system.load.norm.15");
  add("load", "long", "system.load.cores");
  // memory (swap in/out pages are the Fleet integration's names; pages_per_sec is Satellite's rate of them)
  add("memory", "long", "system.memory.total", "system.memory.free", "system.memory.cached", "system.memory.used.bytes");
  add("memory", "long", "system.memory.actual.free", "system.memory.actual.used.bytes");
  add("memory", "long", "system.memory.swap.total", "system.memory.swap.used.bytes", "system.memory.swap.free");
  add("memory", "long", "system.memory.swap.in.pages", "system.memory.swap.out.pages");
  add("memory", "scaled_float", "system.memory.used.pct", "system.memory.actual.used.pct", "system.memory.swap.used.pct");
  add("memory", "float", "system.memory.swap.pages_per_sec");
  // filesystem, one document per mount point
  add("filesystem", "long", "system.filesystem.total", "system.filesystem.free", "system.filesystem.available", "system.filesystem.files", "system.filesystem.free_files", "system.filesystem.used.bytes");
  add("filesystem", "scaled_float", "system.filesystem.used.pct");
  // fsstat
  add("fsstat", "long", "system.fsstat.count", "system.fsstat.total_files", "system.fsstat.total_size.free", "system.fsstat.total_size.used", "system.fsstat.total_size.total");
  // network, one document per interface (cumulative counters), and ECS host-level gauges
  for (const dir of ["in", "out"]) for (const k of ["bytes", "packets", "errors", "dropped"]) add("network", "long", `system.network.${dir}.${k}`);
  add("network", "long", "host.network.ingress.bytes", "host.network.egress.bytes", "host.network.ingress.packets", "host.network.egress.packets");
  // diskio, one document per device
  for (const op of ["read", "write"]) for (const k of ["count", "bytes", "time"]) add("diskio", "long", `system.diskio.${op}.${k}`);
  add("diskio", "long", "system.diskio.io.time", "system.diskio.io.ops", "host.disk.read.bytes", "host.disk.write.bytes");
  // process_summary ("processes in D state" is threads.blocked)
  for (const k of ["total", "running", "idle", "sleeping", "stopped", "zombie", "dead", "unknown"]) add("process_summary", "long", `system.process.summary.${k}`);
  add("process_summary", "long", "system.process.summary.threads.running", "system.process.summary.threads.blocked");
  // uptime
  add("uptime", "long", "system.uptime.duration.ms");
  return t;
}

/**
 * Every known metric field by its full name. A metric event whose service
 * is a key here (optionally followed by " <qualifier>" for the metricsets in
 * `QUALIFIER_FIELDS`) is indexed as that field.
 *
 * @example
 * METRIC_FIELDS["system.memory.swap.used.pct"]; // { metricset: "memory", type: "scaled_float" }
 */
export const METRIC_FIELDS: Readonly<Record<string, MetricField>> = Object.freeze(build());

/** A service name resolved to a known metric field. */
export interface MetricService {
  /** Full field name, e.g. "system.filesystem.used.pct". */
  readonly field: string;
  readonly metricset: string;
  /** Field that names the device/mount/interface, when the metricset has one. */
  readonly qualifierField?: string | undefined;
  /** The device/mount/interface from the service name, if the service had one. */
  readonly qualifier?: string | undefined;
}

/**
 * Resolves a service name to a known metric field: "<field>" or, for
 * metricsets with one document per device/mount/interface, "<field> <qualifier>".
 * Undefined for anything else (an unknown field, or a qualifier on a
 * metricset that takes none).
 *
 * @example
 * metricService("system.filesystem.used.pct /data");
 * // { field: "system.filesystem.used.pct", metricset: "filesystem", qualifierField: "system.filesystem.mount_point", qualifier: "/data" }
 * metricService("heartbeat"); // undefined
 */
export function metricService(service: string): MetricService | undefined {
  const space = service.indexOf(" ");
  const field = space < 0 ? service : service.slice(0, space);
  const known = Object.hasOwn(METRIC_FIELDS, field) ? METRIC_FIELDS[field] : undefined;
  if (known === undefined) return undefined;
  const qualifierField = QUALIFIER_FIELDS[known.metricset];
  if (space < 0) return { field, metricset: known.metricset, qualifierField };
  const qualifier = service.slice(space + 1);
  if (qualifierField === undefined || qualifier.length === 0) return undefined;
  return { field, metricset: known.metricset, qualifierField, qualifier };
}
