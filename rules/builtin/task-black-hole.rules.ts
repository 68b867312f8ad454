/**
 * task-black-hole: find a host that swallows tasks. A broken host (bad disk,
 * missing library, full /tmp) fails every task it gets within seconds, so it
 * is always free and the scheduler keeps feeding it: one host can fail a
 * whole queue. Satellite's black-hole recipe (issue twosigma/satellite#40):
 * over a window, failed / started > 0.75 AND failed / finished > 3.
 *
 * Satellite's shipped version could never fire: it kept a 10-second (or
 * 300-second) moving window and then required the window to span more than
 * 600 seconds. Here the window is `WINDOW_SECONDS` long and is judged on
 * every event it receives, and the host's heartbeats (one per
 * `TICK_SECONDS`) move it forward when no task events arrive, so old
 * failures leave it even on a host that gets no more tasks.
 *
 * - Input, per host: live "task started" / "task finished" / "task failed"
 *   events (one per task, services.ts) and its heartbeats.
 * - Over the last `WINDOW_SECONDS`: failed / started > `FAILED_PER_STARTED`
 *   and failed / finished > `FAILED_PER_FINISHED`, where a zero denominator
 *   with a positive numerator counts as exceeded and 0 / 0 does not
 *   (Satellite's `exceeds-threshold?`), and at least `MIN_FAILED` failures
 *   (one task failing out of one is not a black hole) → drain the host and a
 *   warning page "task black hole".
 * - When the window no longer shows a black hole (failures aged out, or
 *   successes came in) → restore and resolve. A drained host gets no new
 *   tasks, so this amounts to a probation of `WINDOW_SECONDS` after its last
 *   failure; the scheduler's flap damping spaces out repeated returns.
 * - The first verdict about a host is always sent ("restore" for a healthy
 *   one), so a drain left over from before an engine restart is lifted.
 * - Tasks killed on purpose (a user's kill, a drain's deadline: reason
 *   "killed (...)") are not failures of the host and are not counted.
 * - Differs from Satellite: it drains as well as pages (Satellite's first
 *   version drained, its last only e-mailed); per-task events instead of
 *   cumulative counters, so no counter-reset handling is needed.
 */
import { defineRules, EXPIRED, isClusterEvent, makeEvent, type Event, type Events } from "satellite";
import { HEARTBEAT, TASK_FAILED, TASK_FINISHED, TASK_STARTED } from "./services.ts";

/** The window the ratios are computed over, in seconds. */
const WINDOW_SECONDS = 600;

/** Black hole when failed / started exceeds this (and the next one is exceeded too). */
const FAILED_PER_STARTED = 0.75;

/** Black hole when failed / finished exceeds this (and the previous one is exceeded too). */
const FAILED_PER_FINISHED = 3;

/** Fewest failures in the window for a black hole. */
const MIN_FAILED = 3;

/** At most one heartbeat per this many seconds moves the window (fewer events kept per host). */
const TICK_SECONDS = 60;

/** Service of the verdict events (seen in evidence and logs). */
const VERDICT = "task black hole";

/** Satellite's `exceeds-threshold?`: n / d > limit, where n / 0 is exceeded for n > 0 and 0 / 0 is not. */
function exceeds(numerator: number, denominator: number, limit: number): boolean {
  if (denominator === 0) return numerator > 0;
  return numerator / denominator > limit;
}

/** A task killed by its user or by the scheduler (reason "killed (...)") says nothing about the host. */
function killedOnPurpose(e: Event): boolean {
  return e.attributes?.reason?.startsWith("killed") === true;
}

/** The verdict over one host's window: state "critical" for a black hole, else "ok". */
function judge(window: Events): Event {
  let started = 0;
  let finished = 0;
  let failed = 0;
  for (const e of window) {
    if (e.service === TASK_STARTED) started++;
    else if (e.service === TASK_FINISHED) finished++;
    else if (e.service === TASK_FAILED && !killedOnPurpose(e)) failed++;
  }
  const blackHole = failed >= MIN_FAILED && exceeds(failed, started, FAILED_PER_STARTED) && exceeds(failed, finished, FAILED_PER_FINISHED);
  const last = window[window.length - 1]!;
  return makeEvent({
    host: last.host,
    service: VERDICT,
    time: last.time,
    state: blackHole ? "critical" : "ok",
    metric: failed,
    description: `${failed} failed, ${started} started, ${finished} finished in the last ${WINDOW_SECONDS / 60} minutes`,
    attributes: { failed: String(failed), started: String(started), finished: String(finished) },
  });
}

const TASK_SERVICES: ReadonlySet<string> = new Set([TASK_STARTED, TASK_FINISHED, TASK_FAILED]);

export default defineRules((r) => {
  const page = r.page({
    name: "task black hole",
    severity: "warning",
    subject: (e) => e.host,
    summary: (e) => `task black hole: ${e.host} (${e.description ?? ""})`,
    alerting: { groupBy: "rule" },
  });
  const resolve = r.resolve({ name: "task black hole", subject: (e) => e.host, summary: (e) => `${e.host} no longer fails its tasks (${e.description ?? ""})` });
  const drain = r.drain({ reason: (e) => `task black hole: ${e.description ?? ""}` });
  const restore = r.restore({ reason: "no task black hole" });
  const isBlackHole = (e: Event): boolean => e.state === "critical";

  function perHost(): (e: Event) => void {
    const act = r.sdo<Event>(
      // Every change of verdict, the first one included: drain or restore.
      r.changed({}, r.split([[isBlackHole, drain]], restore)),
      // Alerts only on transitions from "ok".
      r.changed({ init: "ok" }, r.split([[isBlackHole, page]], resolve)),
    );
    const window = r.movingTimeWindow(WINDOW_SECONDS, r.smap(judge, act));
    const tick = r.throttle(1, TICK_SECONDS, window);
    return r.split([[(e) => e.service === HEARTBEAT, tick]], window);
  }

  return r.service([...TASK_SERVICES, HEARTBEAT], r.where((e) => e.state !== EXPIRED && !isClusterEvent(e), r.by("host", perHost)));
});
