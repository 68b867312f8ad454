/**
 * Installing and exporting Satellite's dashboards: the Elasticsearch
 * templates (templates.ts) and the Kibana saved objects (kibana/). The
 * installer PUTs the templates, reports Satellite data streams still
 * running on an older or foreign template (and rolls them over on request
 * so the new mappings apply), then imports the saved objects into Kibana
 * with overwrite, reporting every object Kibana refused. The exporter
 * writes the same material to files for review or GitOps.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Client } from "@elastic/elasticsearch";
import { satelliteSavedObjects } from "./kibana/dashboards.ts";
import { describeImportFailure, importSavedObjects, kibanaStatus, type KibanaConnection } from "./kibana/import.ts";
import { toNdjson } from "./kibana/saved-objects.ts";
import { describeError, indexTemplateName, installTemplates, satelliteTemplates, streamPattern, type TemplateOptions } from "./es/templates.ts";
import { DATA_STREAMS, type DataStreamKey } from "./es/documents.ts";

/** What to install where. Either side may be left out. */
export interface InstallOptions {
  readonly elasticsearch?: { readonly client: Client; readonly url: string } | undefined;
  readonly kibana?: KibanaConnection | undefined;
  readonly templates?: TemplateOptions | undefined;
  /** Roll over Satellite data streams whose write index predates the installed templates. Default false. */
  readonly rollover?: boolean | undefined;
  /** Receives one line per step. */
  readonly log: (line: string) => void;
}

/** The outcome: `ok` is false when any step failed or Kibana refused any object. */
export interface InstallReport {
  readonly ok: boolean;
  readonly templates: readonly string[];
  readonly staleDataStreams: readonly string[];
  readonly rolledOver: readonly string[];
  readonly imported: number;
  readonly importErrors: readonly string[];
  readonly failures: readonly string[];
}

async function installElasticsearch(es: NonNullable<InstallOptions["elasticsearch"]>, options: InstallOptions, report: { templates: string[]; stale: string[]; rolled: string[]; failures: string[] }): Promise<void> {
  const { client, url } = es;
  const log = options.log;
  try {
    const info = await client.info();
    log(`Elasticsearch ${info.version.number} at ${url} (cluster ${info.cluster_name})`);
  } catch (err) {
    report.failures.push(`Elasticsearch at ${url}: ${describeError(err)}`);
    log(`error: Elasticsearch at ${url}: ${describeError(err)}`);
    return;
  }
  try {
    const done = await installTemplates(client, options.templates);
    for (const name of done.componentTemplates) log(`  component template ${name}: installed`);
    for (const name of done.indexTemplates) log(`  index template ${name}: installed`);
    report.templates.push(...done.componentTemplates, ...done.indexTemplates);
  } catch (err) {
    report.failures.push(describeError(err));
    log(`error: ${describeError(err)}`);
    return;
  }
  const patterns = (Object.keys(DATA_STREAMS) as DataStreamKey[]).map((s) => streamPattern(s));
  let streams: { name: string; template: string }[];
  try {
    const res = await client.indices.getDataStream({ name: patterns.join(","), expand_wildcards: "all" });
    streams = res.data_streams.map((d) => ({ name: d.name, template: d.template }));
  } catch (err) {
    report.failures.push(`listing data streams: ${describeError(err)}`);
    log(`error: listing data streams: ${describeError(err)}`);
    return;
  }
  const ours = new Map((Object.keys(DATA_STREAMS) as DataStreamKey[]).map((s) => [streamPattern(s).slice(0, -1), indexTemplateName(s)] as const));
  for (const ds of streams) {
    const expected = [...ours].find(([prefix]) => ds.name.startsWith(prefix))?.[1];
    if (expected === undefined || ds.template === expected) {
      log(`  data stream ${ds.name}: uses ${ds.template}`);
      continue;
    }
    report.stale.push(ds.name);
    if (!options.rollover) {
      log(`  data stream ${ds.name}: created from template ${ds.template}, not ${expected}; roll it over to apply the new mappings (--rollover, or POST ${ds.name}/_rollover)`);
      continue;
    }
    try {
      const r = await client.indices.rollover({ alias: ds.name });
      report.rolled.push(ds.name);
      log(`  data stream ${ds.name}: rolled over to ${r.new_index}`);
    } catch (err) {
      report.failures.push(`rollover of ${ds.name}: ${describeError(err)}`);
      log(`error: rollover of ${ds.name}: ${describeError(err)}`);
    }
  }
}

/**
 * Installs the templates into Elasticsearch and the saved objects into
 * Kibana (whichever is given), logging each step; never throws for a
 * failure of either service, which is reported in `failures`.
 *
 * @example
 * const report = await installDashboards({ elasticsearch: { client, url }, kibana: { url: kibanaUrl }, log: console.log });
 * process.exitCode = report.ok ? 0 : 1;
 */
export async function installDashboards(options: InstallOptions): Promise<InstallReport> {
  const acc = { templates: [] as string[], stale: [] as string[], rolled: [] as string[], failures: [] as string[] };
  const importErrors: string[] = [];
  let imported = 0;
  if (options.elasticsearch) await installElasticsearch(options.elasticsearch, options, acc);
  if (options.kibana) {
    const log = options.log;
    const kibana = options.kibana;
    try {
      const status = await kibanaStatus(kibana);
      log(`Kibana ${status.version} at ${kibana.url}: ${status.level}${status.summary ? ` (${status.summary})` : ""}`);
      const objects = satelliteSavedObjects();
      const result = await importSavedObjects(kibana, toNdjson(objects));
      imported = result.successCount;
      const overwritten = result.successResults.filter((r) => r.overwrite === true).length;
      log(`  imported ${result.successCount} of ${objects.length} saved objects${overwritten > 0 ? ` (${overwritten} replaced)` : ""}${kibana.space ? ` into space ${kibana.space}` : ""}`);
      for (const f of result.errors) {
        const line = describeImportFailure(f);
        importErrors.push(line);
        log(`error: Kibana refused ${line}`);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      acc.failures.push(message);
      log(`error: ${message}`);
    }
  }
  return {
    ok: acc.failures.length === 0 && importErrors.length === 0,
    templates: acc.templates,
    staleDataStreams: acc.stale,
    rolledOver: acc.rolled,
    imported,
    importErrors,
    failures: acc.failures,
  };
}

/**
 * Writes the templates as JSON (one file per template, named after the API
 * path: `elasticsearch/_component_template/<name>.json`,
 * `elasticsearch/_index_template/<name>.json`) and the saved objects as
 * `kibana/satellite.ndjson` under `dir`. Resolves with the files written.
 *
 * @example
 * await exportDashboards("out"); // then: curl -XPUT "$ES/_index_template/x" -H 'content-type: application/json' -d @out/elasticsearch/_index_template/x.json
 */
export async function exportDashboards(dir: string, options: TemplateOptions = {}): Promise<string[]> {
  const set = satelliteTemplates(options);
  const files: string[] = [];
  const write = async (file: string, content: string): Promise<void> => {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    files.push(file);
  };
  for (const t of set.componentTemplates) await write(path.join(dir, "elasticsearch", "_component_template", `${t.name}.json`), `${JSON.stringify(t.body, null, 2)}\n`);
  for (const t of set.indexTemplates) await write(path.join(dir, "elasticsearch", "_index_template", `${t.name}.json`), `${JSON.stringify(t.body, null, 2)}\n`);
  await write(path.join(dir, "kibana", "satellite.ndjson"), toNdjson(satelliteSavedObjects()));
  return files;
}
