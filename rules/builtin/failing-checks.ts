/**
 * The failing command checks of one host, shared by the rules that judge a
 * host by its checks (all-checks-pass, available-hosts). A check fails while
 * its latest result is anything but "ok"; a check whose result expired is
 * forgotten rather than failed, because a check that stops reporting while
 * its host keeps beating is a removed or renamed check, and silence of the
 * whole host is host-expired's business.
 */
import { EXPIRED, type Event } from "satellite";

/**
 * The set of failing checks of one host (keep one per host, e.g. in a `by`
 * factory). `update` takes the host's check results in order.
 *
 * @example
 * const failing = new FailingChecks();
 * failing.update({ host: "h1", service: "ntp", time: 0, state: "critical", tags: ["check"] }); // true
 * failing.describe(); // "ntp"
 */
export class FailingChecks {
  /** Made on the first failure: most hosts never fail a check, and their results then touch nothing more than this object. */
  private names: Set<string> | undefined;

  /**
   * Applies one check result of the host: a live result other than "ok"
   * adds the check, "ok" or an expiry removes it. Returns true when the set
   * changed (a state change between two failing states is no change).
   */
  update(e: Event): boolean {
    const failing = e.state !== "ok" && e.state !== EXPIRED;
    const names = this.names;
    if (names === undefined) {
      if (!failing) return false;
      this.names = new Set([e.service]);
      return true;
    }
    if (failing === names.has(e.service)) return false;
    if (failing) names.add(e.service);
    else names.delete(e.service);
    return true;
  }

  /** How many checks are failing. */
  get size(): number {
    return this.names?.size ?? 0;
  }

  /** The failing checks' names, sorted and comma-separated ("" when none). */
  describe(): string {
    return this.names === undefined ? "" : [...this.names].sort().join(", ");
  }
}
