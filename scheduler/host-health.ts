/**
 * The seam between the scheduler core and host health (scheduler/health/):
 * the core asks `HostHealthView` whether a host may receive new tasks and
 * whether its running tasks must go (a drain deadline), and host health asks
 * `HostInventory` which hosts exist. Neither side imports the other's
 * implementation; they are wired together in one place by whoever starts
 * both (the app), so either runs without the other (`ALWAYS_HEALTHY`).
 */

/** What host health says about one host, as of the call. */
export interface HostStatus {
  /** True when the host may receive new tasks. */
  readonly schedulable: boolean;
  /**
   * Set while the host is being drained: it gets no new tasks, and at
   * `deadline` (unix seconds) the scheduler kills the tasks still running
   * there and requeues them without charging their jobs a retry.
   */
  readonly draining?: { readonly deadline: number };
  /** Why the host is not schedulable (or is draining), for people: shown by `GET /hosts`. Empty when healthy. */
  readonly reasons: readonly string[];
}

/**
 * Host health as the scheduler consumes it. `status` is called on every
 * scheduling pass for every host, so it must be cheap (a map lookup).
 * `onChange` listeners are called (synchronously or later) whenever a
 * host's status may have changed; the scheduler runs a pass soon after.
 *
 * @example
 * const health: HostHealthView = ALWAYS_HEALTHY;
 * health.status("web1"); // { schedulable: true, reasons: [] }
 * const stop = health.onChange((host) => console.log("changed", host));
 * stop();
 */
export interface HostHealthView {
  status(host: string): HostStatus;
  /** Registers `listener`; the returned function unregisters it. */
  onChange(listener: (host: string) => void): () => void;
}

const HEALTHY: HostStatus = Object.freeze({ schedulable: true, reasons: Object.freeze([]) });

/**
 * A `HostHealthView` that finds every host schedulable and never changes:
 * for tests, and for running the scheduler without host health.
 *
 * @example
 * const scheduler = Scheduler.open({ db, clock, health: ALWAYS_HEALTHY });
 */
export const ALWAYS_HEALTHY: HostHealthView = Object.freeze({
  status: (): HostStatus => HEALTHY,
  onChange: (): (() => void) => () => {},
});

/**
 * The scheduler's inventory as host health consumes it: the hosts whose
 * agents registered and are alive (heartbeating within the timeout). A lost
 * host is not in it. Guards use it as the fleet size ("an empty inventory
 * never means every host").
 *
 * @example
 * const inventory: HostInventory = scheduler; // Scheduler implements it
 * inventory.registeredHosts(); // ["web1", "web2"]
 * inventory.isRegistered("web3"); // false
 */
export interface HostInventory {
  /** Names of the registered, alive hosts, sorted. */
  registeredHosts(): readonly string[];
  /** True when `host` is registered and alive. */
  isRegistered(host: string): boolean;
}
