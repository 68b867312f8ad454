/**
 * Satellite's self-metrics in the Prometheus text format, through
 * prom-client. Each part already keeps plain counters (`Engine.stats`,
 * `RiemannStats`, `BusStats`, the outbox's and the sink's `stats()`); here
 * they are described once as `SelfMetric`s that are read at scrape time, so
 * the hot paths pay nothing for being observable.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

/** One labelled value of a metric. */
export type LabelledValue = readonly [labels: Readonly<Record<string, string>>, value: number];

/** A metric read at scrape time. Names follow Prometheus conventions (`satellite_<part>_<what>_<unit|total>`). */
export interface SelfMetric {
  readonly name: string;
  readonly help: string;
  /** "counter" for totals that only grow, "gauge" for levels. */
  readonly type: "counter" | "gauge";
  /** Label names when `read` returns labelled values. */
  readonly labelNames?: readonly string[];
  /** The current value, or one value per label set. */
  read(): number | readonly LabelledValue[];
}

function apply(target: { reset(): void; set?: (l: Record<string, string>, v: number) => void }, metric: SelfMetric, put: (labels: Record<string, string> | undefined, value: number) => void): void {
  const value = metric.read();
  target.reset();
  if (typeof value === "number") put(undefined, value);
  else for (const [labels, v] of value) put({ ...labels }, v);
}

/**
 * A registry with Node's process metrics (prefixed `satellite_`) and the
 * given self-metrics. Throws on a duplicate metric name.
 *
 * @example
 * const registry = createMetricsRegistry([...engineMetrics(engine)]);
 * const text = await registry.metrics(); // Prometheus text format
 */
export function createMetricsRegistry(metrics: readonly SelfMetric[], options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "satellite_" });
  for (const metric of metrics) {
    const config = { name: metric.name, help: metric.help, labelNames: [...(metric.labelNames ?? [])], registers: [registry] };
    if (metric.type === "counter") {
      new Counter({
        ...config,
        collect() {
          apply(this, metric, (labels, v) => (labels === undefined ? this.inc(Math.max(0, v)) : this.inc(labels, Math.max(0, v))));
        },
      });
    } else {
      new Gauge({
        ...config,
        collect() {
          apply(this, metric, (labels, v) => (labels === undefined ? this.set(v) : this.set(labels, v)));
        },
      });
    }
  }
  return registry;
}

/**
 * Self-metrics of a counters object: one metric per listed field, read on scrape.
 *
 * @example
 * counterMetrics("satellite_riemann", riemann.stats, { messages: ["counter", "Riemann messages handled"] });
 */
export function counterMetrics<S extends object>(prefix: string, source: () => S, fields: { readonly [K in keyof S]?: readonly ["counter" | "gauge", string, string?] }): SelfMetric[] {
  const out: SelfMetric[] = [];
  for (const key of Object.keys(fields) as (keyof S & string)[]) {
    const spec = fields[key];
    if (spec === undefined) continue;
    const [type, help, name] = spec;
    out.push({ name: `${prefix}_${name ?? snake(key)}${type === "counter" ? "_total" : ""}`, help, type, read: () => Number(source()[key]) || 0 });
  }
  return out;
}

function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
