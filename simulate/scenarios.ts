/**
 * The simulator's scenarios: what goes wrong, on which hosts, and when. Each
 * is a function of the fleet, the seeded generator and the time since the
 * start, so a seed replays exactly. Times are seconds after the start:
 * healthy until `start`, the problem until `start + duration`, then
 * recovery (the filling disk is cleaned up, the partition heals).
 */
import type { Prng } from "./prng.ts";
import type { SimulatedHost } from "./host.ts";

/** Settings every scenario reads. */
export interface ScenarioSettings {
  /** Seconds after the start the problem begins. Default 60. */
  readonly start: number;
  /** Seconds it lasts. Default 600. */
  readonly duration: number;
  /** Fraction of hosts affected (swap storm, partition). Default 0.3 (storm), 0.2 (partition). */
  readonly fraction?: number | undefined;
}

/** A scenario: `setup` picks its victims once; `at` sets their condition for time `t` after the start. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  setup(hosts: readonly SimulatedHost[], rng: Prng, settings: ScenarioSettings): (t: number) => void;
}

function pick(hosts: readonly SimulatedHost[], rng: Prng, fraction: number): SimulatedHost[] {
  return rng.sample(hosts.length, Math.max(1, Math.round(hosts.length * fraction))).map((i) => hosts[i]!);
}

function during(t: number, s: ScenarioSettings): boolean {
  return t >= s.start && t < s.start + s.duration;
}

/** Every scenario, by name. */
export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  healthy: {
    name: "healthy",
    description: "nothing goes wrong: a baseline",
    setup: () => () => {},
  },
  "swap-storm": {
    name: "swap-storm",
    description: "a fraction of the hosts (default 30%) swap hard at once, then recover",
    setup(hosts, rng, s) {
      const victims = pick(hosts, rng, s.fraction ?? 0.3);
      const rates = victims.map(() => rng.between(800, 2500));
      return (t) => victims.forEach((h, i) => (h.condition.swapPagesPerSecond = during(t, s) ? rates[i]! : 0));
    },
  },
  "black-hole": {
    name: "black-hole",
    description: "one host fails every task it is given within a second (its checks all pass)",
    setup(hosts, rng, s) {
      const [victim] = pick(hosts, rng, 0);
      return (t) => {
        if (victim !== undefined) victim.condition.blackHole = during(t, s);
      };
    },
  },
  "filling-disk": {
    name: "filling-disk",
    description: "one host's /data fills up to 100% over the duration, then is cleaned",
    setup(hosts, rng, s) {
      const [victim] = pick(hosts, rng, 0);
      const from = victim?.condition.dataUsed ?? 0.4;
      return (t) => {
        if (victim === undefined) return;
        victim.condition.dataUsed = t < s.start ? from : during(t, s) ? from + (1 - from) * Math.min(1, (t - s.start) / (s.duration * 0.8)) : from;
      };
    },
  },
  partition: {
    name: "partition",
    description: "a group of hosts (default 20%) goes silent (network partition), then comes back",
    setup(hosts, rng, s) {
      const victims = pick(hosts, rng, s.fraction ?? 0.2);
      return (t) => victims.forEach((h) => (h.condition.silent = during(t, s)));
    },
  },
  flapping: {
    name: "flapping",
    description: "one host swaps for 30 s, stops for 30 s, again and again",
    setup(hosts, rng, s) {
      const [victim] = pick(hosts, rng, 0);
      return (t) => {
        if (victim !== undefined) victim.condition.swapPagesPerSecond = during(t, s) && Math.floor((t - s.start) / 30) % 2 === 0 ? 1500 : 0;
      };
    },
  },
};

/** The scenario called `name`, or an error listing the known ones. */
export function scenarioNamed(name: string): Scenario {
  const s = SCENARIOS[name];
  if (s === undefined) throw new Error(`unknown scenario ${JSON.stringify(name)}; known: ${Object.keys(SCENARIOS).join(", ")}`);
  return s;
}
