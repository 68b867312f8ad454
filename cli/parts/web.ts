/**
 * Wiring of the web page for a process: the fleet model over the engine's
 * index (with the scheduler's view of each host when a scheduler runs), the
 * short metric history in the store, and the page's router with the change
 * topics its live stream announces.
 */
import type { ApiMount } from "../../api/server.ts";
import { FleetModel } from "../../dashboards/web/fleet.ts";
import { MetricHistory } from "../../dashboards/web/history.ts";
import { webRouter } from "../../dashboards/web/router.ts";
import type { HostHealthView, HostInventory } from "../../scheduler/index.ts";
import type { Db } from "../../store/database.ts";
import type { Clock } from "../../streams/clock.ts";
import type { Engine } from "../../streams/engine.ts";
import type { Event } from "../../streams/event.ts";
import type { Stream } from "../../streams/stream.ts";

/** What `startWeb` needs. */
export interface WebPartOptions {
  readonly engine: Engine;
  readonly db: Db;
  readonly clock: Clock;
  /** Host health and inventory, when a scheduler runs. */
  readonly scheduler?: { readonly health: HostHealthView; readonly inventory: HostInventory } | undefined;
  /** Change notifications the page listens to, by topic ("alerts", "hosts", ...). */
  readonly topics: Readonly<Record<string, (listener: () => void) => () => void>>;
  /** Panels to show. */
  readonly features: Readonly<Record<string, boolean>>;
}

/** The web page as a running part. */
export interface WebPart {
  readonly fleet: FleetModel;
  readonly history: MetricHistory;
  /** Feeds the metric history; put it beside the rules. */
  readonly tap: Stream<Event>;
  readonly mounts: readonly ApiMount[];
  close(): void;
}

/**
 * Builds and starts the fleet model and the metric history.
 *
 * @example
 * const web = startWeb({ engine, db, clock, topics: {}, features: { alerts: true } });
 * startApp({ ..., taps: [web.tap], mounts: web.mounts });
 */
export function startWeb(options: WebPartOptions): WebPart {
  const s = options.scheduler;
  const fleet = new FleetModel({
    index: options.engine.index,
    clock: options.clock,
    // Hosts without an agent (events from Riemann clients, other collectors) are not the scheduler's: no verdict.
    schedulability: s === undefined ? undefined : (host) => (s.inventory.isRegistered(host) ? s.health.status(host) : undefined),
    knownHosts: s === undefined ? undefined : () => s.inventory.registeredHosts(),
  });
  const history = new MetricHistory({ db: options.db, clock: options.clock });
  fleet.start();
  history.start();
  return {
    fleet,
    history,
    tap: function metricHistoryTap(e: Event): void {
      history.record(e);
    },
    mounts: [{ path: "/", handler: webRouter({ fleet, index: options.engine.index, clock: options.clock, history, topics: options.topics, features: options.features }) }],
    close: () => {
      fleet.stop();
      history.stop();
    },
  };
}
