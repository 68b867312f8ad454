/**
 * The scheduler's side of the agent protocol (protocol.ts): one heartbeat
 * registers or refreshes the host, settles the tasks the agent reports
 * ended, marks the tasks it reports running, fails the running tasks it no
 * longer knows (its agent restarted), and answers with the pending tasks
 * to launch and the reported tasks that must die (killed here, or unknown).
 * `inProcessSchedulerClient` gives the embedded mode the same exchange as a
 * function call.
 */
import type { Usage } from "./drf.ts";
import { REASON_LAUNCH_FAILURE, REASON_LOST_BY_AGENT } from "./model.ts";
import { parseHeartbeat, type FinishedReport, type HeartbeatRequest, type HeartbeatResponse, type LaunchOrder, type SchedulerClient } from "./protocol.ts";
import type { SchedulerState } from "./state.ts";

function sameAttributes(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

function settle(state: SchedulerState, host: string, f: FinishedReport): void {
  const task = state.tasks.get(f.taskId);
  if (task === undefined || task.host !== host) {
    // Already ended here (killed, lost, timed out): keep what the agent saw, for the user.
    const old = state.store.getTask(f.taskId);
    if (old !== undefined && old.host === host && old.state !== "pending" && old.state !== "running") state.annotateEndedTask(old, f.exitCode ?? undefined, f.stdoutTail, f.stderrTail);
    return;
  }
  const tails = { stdoutTail: f.stdoutTail, stderrTail: f.stderrTail };
  if (f.exitCode === 0) {
    state.endTask(task, { state: "finished", exitCode: 0, meaCulpa: false, ...tails });
    return;
  }
  const reason = f.reason ?? (f.exitCode !== null ? `exit ${f.exitCode}` : "failed");
  const meaCulpa = f.meaCulpa === true;
  state.endTask(task, { state: "failed", reason: meaCulpa && !reason.startsWith(REASON_LAUNCH_FAILURE) ? `${REASON_LAUNCH_FAILURE}: ${reason}` : reason, exitCode: f.exitCode ?? undefined, meaCulpa, ...tails });
}

/**
 * Applies one heartbeat of `host`'s agent to `state` (in one transaction)
 * and returns the answer. `request` must be valid (`parseHeartbeat`).
 *
 * @example
 * const answer = handleHeartbeat(state, "web1", { capacity: { cpus: 8, mem: 16384 }, running: [], finished: [] });
 * answer.launch; // the tasks placed on web1 that its agent has not started yet
 */
export function handleHeartbeat(state: SchedulerState, host: string, request: HeartbeatRequest, now: number): HeartbeatResponse {
  return state.mutate(() => {
    const prev = state.hosts.get(host);
    const attributes = request.attributes ?? {};
    if (prev === undefined || prev.state === "lost" || prev.cpus !== request.capacity.cpus || prev.mem !== request.capacity.mem || !sameAttributes(prev.attributes, attributes)) {
      state.putHost({ host, cpus: request.capacity.cpus, mem: request.capacity.mem, attributes: { ...attributes }, state: "alive", registeredAt: prev?.registeredAt ?? now, lastHeartbeat: now });
    } else state.touchHost(host, now);

    for (const f of request.finished) settle(state, host, f);

    const running = new Set(request.running);
    const kill: string[] = [];
    const previousZombies = state.zombies.get(host);
    const zombies = new Map<string, Usage>();
    for (const id of running) {
      const task = state.tasks.get(id);
      if (task !== undefined && task.host === host) {
        if (task.state === "pending") state.startTask(task);
        continue;
      }
      kill.push(id);
      const known = previousZombies?.get(id) ?? state.store.getTask(id);
      zombies.set(id, known === undefined ? { cpus: 0, mem: 0 } : { cpus: known.cpus, mem: known.mem });
    }
    if (zombies.size > 0) state.zombies.set(host, zombies);
    else state.zombies.delete(host);

    const launch: LaunchOrder[] = [];
    for (const task of state.liveTasksOn(host)) {
      if (running.has(task.id)) continue;
      if (task.state === "running") {
        state.endTask(task, { state: "failed", reason: REASON_LOST_BY_AGENT, meaCulpa: true });
        continue;
      }
      const job = state.jobs.get(task.jobUuid)!;
      launch.push({ taskId: task.id, jobUuid: job.uuid, user: job.user, command: job.command, env: job.env, cwd: job.cwd, cpus: task.cpus, mem: task.mem });
    }
    return { launch, kill };
  });
}

/** What `inProcessSchedulerClient` needs: the scheduler's heartbeat entry point (`Scheduler` has it). */
export interface HeartbeatHandler {
  heartbeat(host: string, request: HeartbeatRequest): HeartbeatResponse;
}

/**
 * A `SchedulerClient` for an agent in the scheduler's own process (the
 * embedded mode): the same validation and semantics as HTTP, no socket.
 * Rejects, like the HTTP route answers 400, on an invalid request.
 *
 * @example
 * const agent = startExecutorAgent({ host: "localhost", scheduler: inProcessSchedulerClient(scheduler), clock, publish: bus });
 */
export function inProcessSchedulerClient(scheduler: HeartbeatHandler): SchedulerClient {
  return {
    heartbeat(host: string, request: HeartbeatRequest): Promise<HeartbeatResponse> {
      return new Promise((resolve) => {
        const parsed = parseHeartbeat(request);
        if (!parsed.ok) throw new Error(`heartbeat of ${host}: ${parsed.error}`);
        // structuredClone: the agent must not share objects with the scheduler, as over HTTP.
        resolve(structuredClone(scheduler.heartbeat(host, parsed.request)));
      });
    },
  };
}
