/**
 * The dashboards part's public face: Elasticsearch documents, data streams
 * and templates, the bulk sink with backpressure, the Kibana saved objects,
 * and the installer/exporter. The local Elasticsearch and Kibana servers
 * for tests live in dashboards/testing/ and are not exported here.
 * docs/elasticsearch.md explains the whole.
 */
export {
  DATA_STREAMS,
  DEFAULT_NAMESPACE,
  ECS_VERSION,
  alertDocument,
  checkNamespace,
  dataStreamName,
  eventDocument,
  hostStateDocument,
  isTaskEvent,
  isoTime,
  metricDocument,
  taskDocument,
  type AlertRecord,
  type DataStreamKey,
  type DataStreamKind,
  type DocumentOptions,
  type EsDocument,
  type HostStateRecord,
} from "./es/documents.ts";
export { METRIC_FIELDS, QUALIFIER_FIELDS, metricService, type MetricField, type MetricService } from "./es/metricbeat.ts";
export {
  DEFAULT_RETENTION,
  TEMPLATE_PRIORITY,
  TEMPLATE_VERSION,
  describeError,
  indexTemplateName,
  installTemplates,
  satelliteTemplates,
  streamMappings,
  streamPattern,
  type TemplateOptions,
  type TemplateSet,
} from "./es/templates.ts";
export { createElasticsearchClient, type ClientSettings } from "./es/client.ts";
export { ELASTICSEARCH_DEFAULTS, resolveElasticsearchOptions, type ElasticsearchOptions, type ResolvedElasticsearchOptions } from "./es/options.ts";
export { ElasticsearchSink, type ElasticsearchSinkOptions, type SinkStats } from "./es/sink.ts";
export { DASHBOARD_IDS, satelliteSavedObjects } from "./kibana/dashboards.ts";
export { toNdjson, type SavedObject } from "./kibana/saved-objects.ts";
export { KibanaError, describeImportFailure, importSavedObjects, kibanaStatus, type ImportResult, type KibanaConnection } from "./kibana/import.ts";
export { exportDashboards, installDashboards, type InstallOptions, type InstallReport } from "./install.ts";
