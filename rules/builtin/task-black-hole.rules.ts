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
 * failures leave it even on a host that gets no more tasks. The window is
 * kept as counts (moving-counts.ts: the events `movingTimeWindow` would
 * hold, counted as they enter and leave), so judging it costs the same
 * whatever the host's task rate.
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
 * - The first verdict about a host is always sent ("restore" and "resolve"
 *   for a healthy one), so a drain or page left over from before an engine
 *   restart, or from the engine that had the host before a partition moved,
 *   is lifted (a resolve of an alert that is not open changes nothing).
 * - Tasks killed on purpose (a user's kill, a drain's deadline: reason
 *   "killed (...)") are not failures of the host and are not counted.
 * - Differs from Satellite: it drains as well as pages (Satellite's first
 *   version drained, its last only e-mailed); per-task events instead of
 *   cumulative counters, so no counter-reset handling is needed.
 */
import { defineRules, EXPIRED, isClusterEvent, makeEvent, type Event } from "satellite";
import { MovingCounts } from "./moving-counts.ts";
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

/** What the window counts, as `MovingCounts` kinds; an event of no kind (a heartbeat, a killed task) only moves the window. */
const STARTED = 0;
const FINISHED = 1;
const FAILED = 2;
const NOT_COUNTED = -1;

/** Satellite's `exceeds-threshold?`: n / d > limit, where n / 0 is exceeded for n > 0 and 0 / 0 is not. */
function exceeds(numerator: number, denominator: number, limit: number): boolean {
  if (denominator === 0) return numerator > 0;
  return numerator / denominator > limit;
}

/** A task killed by its user or by the scheduler (reason "killed (...)") says nothing about the host. */
function killedOnPurpose(e: Event): boolean {
  return e.attributes?.reason?.startsWith("killed") === true;
}

/** The window kind of an event: a task start, a finish, a failure of the host's making, or none. */
function kindOf(e: Event): number {
  if (e.service === TASK_STARTED) return STARTED;
  if (e.service === TASK_FINISHED) return FINISHED;
  if (e.service === TASK_FAILED && !killedOnPurpose(e)) return FAILED;
  return NOT_COUNTED;
}

/** Whether the counts of one host's window make a black hole. */
function isBlackHoleWindow(window: MovingCounts): boolean {
  const failed = window.count(FAILED);
  return failed >= MIN_FAILED && exceeds(failed, window.count(STARTED), FAILED_PER_STARTED) && exceeds(failed, window.count(FINISHED), FAILED_PER_FINISHED);
}

/** The verdict event over one host's window, `last` being the event just added: state "critical" for a black hole, else "ok". */
function verdictOf(window: MovingCounts, last: Event, blackHole: boolean): Event {
  const started = window.count(STARTED);
  const finished = window.count(FINISHED);
  const failed = window.count(FAILED);
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
      // Every change of verdict, the first one included: page or resolve. A first "ok" resolves
      // what an engine that judged this host before (a restart, a partition that moved) paged;
      // alerting ignores a resolve of an alert that is not open.
      r.changed({}, r.split([[isBlackHole, page]], resolve)),
    );
    const window = new MovingCounts(WINDOW_SECONDS, 3);
    let judged: boolean | undefined; // the last verdict passed on; undefined before the first
    /**
     * Adds `e` to the window and judges it. A verdict event is made and
     * passed on only when the verdict differs from the last one: both
     * `changed` above would drop a repeat anyway, so they see the same
     * transitions as if every event were judged into a verdict.
     */
    function judge(e: Event): void {
      if (!window.add(e.time, kindOf(e))) return; // before the window: not judged
      const blackHole = isBlackHoleWindow(window);
      if (blackHole === judged) return;
      judged = blackHole;
      act(verdictOf(window, e, blackHole));
    }
    const tick = r.throttle(1, TICK_SECONDS, judge);
    // Plain functions rather than split / smap: this runs for every task event of every host.
    return function judgeHostTasks(e: Event): void {
      if (e.service === HEARTBEAT) tick(e);
      else judge(e);
    };
  }

  return r.service([...TASK_SERVICES, HEARTBEAT], r.where((e) => e.state !== EXPIRED && !isClusterEvent(e), r.by("host", perHost)));
});
