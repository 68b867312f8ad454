/**
 * The public face of Satellite for rule authors: what `import ... from
 * "satellite"` resolves to inside a rules file (the loader maps the
 * specifier here, for type-checking and at run time). Only the authoring API
 * lives here; the engine-side loader and manager are imported from their own
 * files.
 */
export { defineRules, RuleOptionError } from "./define.ts";
export type {
  BlacklistOptions,
  DrainOptions,
  PageOptions,
  ResolveOptions,
  RestoreOptions,
  RuleApi,
  RuleBuild,
  RuleDefinition,
  RuleEmitters,
  TextOf,
} from "./define.ts";
export { CLUSTER_HOST, isClusterEvent, MAX_SUMMARY_LENGTH, SEVERITIES } from "./intents.ts";
export type { ForwardIntent, HostIntent, IndexIntent, Intent, IntentSink, LogIntent, PageAlerting, PageIntent, ResolveIntent, Severity } from "./intents.ts";
export { DEFAULT_TTL, EXPIRED, isExpired, makeEvent } from "../streams/event.ts";
export type { Event } from "../streams/event.ts";
export type { Events, Stream } from "../streams/stream.ts";
export type { Streams } from "../streams/api.ts";
export { folds } from "../streams/folds.ts";
export { ruleTest } from "./testing/registry.ts";
export type { FieldPattern, IntentPattern, RuleHarness, RuleTestOptions, TestEvent } from "./testing/registry.ts";
export type { Fold, FoldInput } from "../streams/folds.ts";
