/**
 * The guards in front of every automated host removal, as one pure
 * decision: may automation take one more host out now? It may not when the
 * inventory is below its minimum (an empty or partial inventory never means
 * "every host"), when the hosts already out by automation reach the
 * fraction cap of the registered hosts, or when the sliding removal window
 * is full. Operators' actions never pass through here.
 */

import type { Objection } from "./model.ts";

/** What the guard looks at. */
export interface GuardInput {
  /** Registered hosts right now. */
  readonly registered: number;
  /** Registered hosts out because of automation (not counting the host at hand). */
  readonly outByAutomation: number;
  /** Hosts automation took out within the sliding window. */
  readonly removalsInWindow: number;
}

/** The limits, from `HostHealthOptions`. */
export interface GuardLimits {
  readonly maxOutFraction: number;
  readonly minInventory: number;
  readonly maxRemovalsPerWindow: number;
  readonly removalWindowSeconds: number;
}

/** Which guard refused. */
export type GuardName = "inventory" | "fraction" | "rate";

/** The guard's answer: allowed, or refused with which guard and a sentence saying why. */
export type GuardVerdict = { readonly allowed: true } | { readonly allowed: false; readonly guard: GuardName; readonly why: string };

/**
 * Most hosts automation may have out among `registered`:
 * ⌊fraction × registered⌋ (a hair of tolerance so 0.29 × 100 is 29).
 *
 * @example
 * outCap(50, 0.1); // 5
 * outCap(9, 0.1); // 0
 */
export function outCap(registered: number, fraction: number): number {
  return Math.floor(fraction * registered + 1e-9);
}

/**
 * Decides whether automation may take one more host out.
 *
 * @example
 * checkRemoval({ registered: 50, outByAutomation: 5, removalsInWindow: 5 }, { maxOutFraction: 0.1, minInventory: 3, maxRemovalsPerWindow: 10, removalWindowSeconds: 600 });
 * // { allowed: false, guard: "fraction", why: "at most 5 of 50 registered hosts (10%) may be out by automation; 5 are" }
 */
export function checkRemoval(input: GuardInput, limits: GuardLimits): GuardVerdict {
  if (input.registered < limits.minInventory) {
    return { allowed: false, guard: "inventory", why: `the inventory has ${input.registered} registered host${input.registered === 1 ? "" : "s"}; automation needs at least ${limits.minInventory}` };
  }
  const cap = outCap(input.registered, limits.maxOutFraction);
  if (input.outByAutomation + 1 > cap) {
    return {
      allowed: false,
      guard: "fraction",
      why: `at most ${cap} of ${input.registered} registered hosts (${+(limits.maxOutFraction * 100).toFixed(2)}%) may be out by automation; ${input.outByAutomation} ${input.outByAutomation === 1 ? "is" : "are"}`,
    };
  }
  if (input.removalsInWindow >= limits.maxRemovalsPerWindow) {
    return { allowed: false, guard: "rate", why: `at most ${limits.maxRemovalsPerWindow} hosts may be taken out by automation per ${limits.removalWindowSeconds} s; ${input.removalsInWindow} were` };
  }
  return { allowed: true };
}

/**
 * The summary of the "remediation guard engaged" page: the rule with the
 * most actions held by a guard, how many hosts it wanted out (taken out plus
 * held; `appliedOf(rule)` counts the first), how many were held back and the
 * limit that held the latest one; other rules with held actions follow.
 * `held` must contain at least one action held by a guard.
 *
 * @example
 * guardPageSummary(held, () => 5);
 * // 'remediation guard engaged: rule "all-checks-pass" wanted 10 hosts out, 5 held back (at most 5 of 50 registered hosts (10%) may be out by automation; 5 are)'
 */
export function guardPageSummary(held: readonly Objection[], appliedOf: (rule: string) => number): string {
  const byRule = new Map<string, Objection[]>();
  for (const o of held) {
    if (o.heldKind !== "guard") continue;
    const list = byRule.get(o.rule) ?? [];
    list.push(o);
    byRule.set(o.rule, list);
  }
  const ranked = [...byRule.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  if (ranked.length === 0) return "remediation guard engaged";
  const [rule, mine] = ranked[0]!;
  const latest = mine.reduce((a, b) => (b.seq > a.seq ? b : a));
  let summary = `remediation guard engaged: rule "${rule}" wanted ${appliedOf(rule) + mine.length} hosts out, ${mine.length} held back (${latest.heldBecause ?? "guard"})`;
  if (ranked.length > 1) summary += `; also held: ${ranked.slice(1).map(([r, l]) => `rule "${r}" (${l.length})`).join(", ")}`;
  return summary;
}
