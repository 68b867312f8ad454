/**
 * The event index and cluster aggregates, the public face: the latest event
 * per (host, service) with exact TTL expiry, the expiry queue under it, and
 * the "fraction of live hosts" streams.
 */
export { EventIndex, type EventIndexOptions } from "./index-store.ts";
export { ExpiryQueue, DEFAULT_SLICE_SIZE, UNQUEUED, toDueMs, type ExpiryEntry, type ExpiryQueueOptions } from "./expiry.ts";
export { clusterCount, clusterFraction, type ClusterSpec } from "./cluster.ts";
export { bindIndexStreams } from "./api.ts";
