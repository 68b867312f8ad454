/**
 * Record and replay, the public face: `TraceRecorder` / `attachRecorder` to
 * record the engine's input, `replayTrace` / `replayTraceWith` to run a
 * trace against rules under virtual time, the decisions hook and the
 * reports. docs/replay.md explains the whole.
 */
export { attachRecorder, RECORDER_DEFAULTS, resolveRecorderOptions, TraceRecorder } from "./recorder.ts";
export type { RecorderContext, RecorderOptions, RecorderStats, Recording, ResolvedRecorderOptions } from "./recorder.ts";
export { ReplayError, replayTrace, replayTraceWith, ruleSetLabel, WORKER_READ_MIN_BYTES } from "./replay.ts";
export type { ReplayCommonOptions, ReplayOptions, ReplayResult, ReplayRun, RuleSetSpec } from "./replay.ts";
export { dedupDecisions } from "./decisions.ts";
export type { DecisionCounts, DecisionReport, Decisions, DecisionsFactory, HostEpisode, ReplayHostAction, ReplayPage } from "./decisions.ts";
export { listTraceFiles, peekTraceStart, readTrace, TraceError } from "./reader.ts";
export { readTraceInWorker, TraceReaderThread } from "./reader-worker.ts";
export type { ReadProgress, ReadTraceOptions, TraceFileSummary, TraceProblem, TraceSummary, TraceVisitor } from "./reader.ts";
export { compareRuns, formatComparison, formatReport, headline, reportJson } from "./report.ts";
export type { Comparison, EpisodePair, PagePair } from "./report.ts";
export { TRACE_VERSION, TraceDecoder, TraceEncoder, traceFileName, TraceFormatError } from "./format.ts";
export type { TraceHeader, TraceLine } from "./format.ts";
