/**
 * The narrow interface through which the cluster aggregates (`clusterFraction`,
 * `clusterCount`) take part in a cluster-wide count when the engine runs as
 * several processes that share the hosts. The streams part owns it; the
 * `cluster/` folder implements it over Kafka. Each engine sees only the hosts
 * of the partitions it consumes: an aggregate keeps its per-host state as
 * always, sorts its hosts into *slots* (one slot per partition the host's
 * events arrive on), hands the link its counts per slot when asked, and emits
 * what the link merged from every engine's counts instead of its own. With no
 * link in the context, the aggregates behave exactly as on one engine.
 */

/** An aggregate's counts over a set of hosts (one slot, or the merged whole). */
export interface ClusterPartial {
  /** Live hosts. */
  readonly live: number;
  /** Live hosts whose latest event matches the predicate (≤ `live`). */
  readonly matching: number;
  /** Some matching host names, in the order they started matching (a bounded list, possibly cut). */
  readonly hosts: readonly string[];
}

/** What an aggregate offers the link when it registers. The link calls these; the aggregate never calls them itself. */
export interface ClusterAggregateSource {
  /** This aggregate's counts over the hosts it placed in `slot`; undefined when it has none there. */
  partial(slot: string): ClusterPartial | undefined;
  /**
   * Forgets every host placed in one of `slots`, emitting nothing: their
   * partitions now belong to another engine, which counts them.
   */
  drop(slots: ReadonlySet<string>): void;
  /**
   * The cluster-wide counts merged from every engine's partials; called
   * whenever they change. The aggregate emits from these (subject to its own
   * change check and `minHosts`), never from its local counts.
   */
  merged(total: ClusterPartial): void;
}

/** Returned by `ClusterLink.register`. */
export interface ClusterRegistration {
  /** Tells the link that this aggregate's counts changed in some slot; the link republishes soon. O(1). */
  changed(): void;
}

/**
 * How a cluster aggregate reaches the rest of the cluster. Put in the
 * `StreamContext` (`ctx.cluster`) by whoever runs the engine as one of
 * several; absent on a single engine.
 *
 * @example
 * const link = ctx.cluster;
 * if (link !== undefined) {
 *   const registration = link.register("swapping hosts", { partial, drop, merged });
 *   const slot = link.currentSlot() ?? known?.slot ?? link.slotOf(host) ?? link.localSlot;
 *   // on every change of a host's state:
 *   registration.changed();
 * }
 */
export interface ClusterLink {
  /**
   * The slot of the bus batch being processed: every event processed, or
   * made by a rule, while it is processed belongs to it (e.g. "events/3",
   * partition 3 of the events topic). Undefined outside a batch (a timer,
   * an index expiry).
   */
  currentSlot(): string | undefined;
  /** The slot `host`'s latest bus event came through, or undefined when the link has not seen the host on the bus. */
  slotOf(host: string): string | undefined;
  /** The slot for hosts the link knows nothing about; owned by this engine alone. */
  readonly localSlot: string;
  /**
   * Registers one aggregate under `name` (unique within the rules file;
   * the link makes it unique in the cluster). Every engine running the same
   * rules registers the same names, which is how partials find each other.
   */
  register(name: string, source: ClusterAggregateSource): ClusterRegistration;
}
