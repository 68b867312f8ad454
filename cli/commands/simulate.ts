/**
 * `satellite simulate`: a fleet of simulated hosts for a running Satellite.
 * Each host sends what a collector would (heartbeat, CPU, load, memory,
 * swap, filesystems, checks) every `--interval` seconds, a scenario makes
 * something go wrong on some of them at `--start` for `--duration`, and,
 * unless `--no-tasks`, each host is also a scheduler agent running
 * simulated tasks while a workload submits jobs, so the scheduler side
 * moves too. Events go to the HTTP API at `--to` (or over the Riemann
 * protocol with `--riemann`, or to Kafka with `--kafka`); heartbeats and
 * jobs always go to the HTTP API at `--to` with the bearer token from
 * SATELLITE_API_TOKEN. A status line goes to stderr every interval;
 * Ctrl-C (or `--for` seconds) stops it.
 */
import { Option, type Command } from "commander";
import { httpSchedulerClient } from "../../collector/executor/http-client.ts";
import { HttpTransport } from "../../collector/ship/http.ts";
import { KafkaTransport } from "../../collector/ship/kafka.ts";
import { riemannTransports } from "../../collector/ship/riemann.ts";
import type { Transport } from "../../collector/ship/transport.ts";
import { DEFAULT_TOPICS } from "../../bus/kafka-options.ts";
import { TransportPublisher } from "../../simulate/publisher.ts";
import { SCENARIOS } from "../../simulate/scenarios.ts";
import { formatStatus, startSimulation, type Simulation } from "../../simulate/simulation.ts";
import { httpJobSubmitter } from "../../simulate/workload.ts";
import { RealClock, type Clock } from "../../streams/clock.ts";
import type { Event } from "../../streams/event.ts";
import type { ExitCode } from "../main.ts";
import { collect, numberFlag } from "../flags.ts";

/** The default address of a running Satellite's HTTP API. */
export const SIMULATE_DEFAULT_URL = "http://127.0.0.1:5001";

/** Options of `simulate`, as commander parses them. */
interface SimulateFlags {
  readonly hosts: string;
  readonly scenario: string;
  readonly seed: string;
  readonly interval: string;
  readonly start?: string;
  readonly duration?: string;
  readonly fraction?: string;
  readonly to: string;
  readonly token?: string;
  readonly riemann: string[];
  readonly kafka?: string;
  readonly tasks: boolean;
  readonly jobsPerMinute?: string;
  readonly heartbeat: string;
  readonly for?: string;
  readonly durationTotal?: string;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function scenarioHelp(): string {
  const names = Object.keys(SCENARIOS);
  const width = Math.max(...names.map((n) => n.length));
  return names.map((n) => `  ${n.padEnd(width)}  ${SCENARIOS[n]!.description}`).join("\n");
}

/** Registers `simulate` on `program`. */
export function registerSimulate(program: Command, exit: ExitCode): void {
  program
    .command("simulate")
    .description("simulate a fleet of hosts (readings, checks, scheduler agents, jobs) against a running Satellite")
    .option("-n, --hosts <n>", "number of simulated hosts", "50")
    .option("-s, --scenario <name>", `what goes wrong: ${Object.keys(SCENARIOS).join(", ")}`, "healthy")
    .option("--seed <n>", "seed of the random choices (same seed, same hosts, victims and jobs)", "1")
    .option("-i, --interval <seconds>", "seconds between two samples of each host (and between status lines)", "10")
    .option("--start <seconds>", "seconds after the start the scenario's problem begins (default 60)")
    .option("--duration <seconds>", "seconds the problem lasts before the hosts recover (default 600)")
    .option("--fraction <f>", "fraction of hosts affected, 0..1 (swap-storm: 0.3, partition: 0.2)")
    .option("--to <url>", "the Satellite HTTP API: events (unless --riemann/--kafka), agent heartbeats and jobs", SIMULATE_DEFAULT_URL)
    .option("--token <token>", "bearer token for --to (default: $SATELLITE_API_TOKEN)")
    .option("--riemann <host:port>", "send events over the Riemann protocol to this engine instead; repeatable (each gets every event)", collect, [])
    .option("--kafka <brokers>", "send events to Kafka instead (host:port[,host:port]); task events go to the tasks topic")
    .option("--no-tasks", "hosts only send readings: no scheduler agents, no jobs (an engine without a scheduler)")
    .option("--jobs-per-minute <n>", "mean jobs submitted per minute (default 1.3 per host; 0: none)")
    .option("--heartbeat <seconds>", "seconds between two scheduler heartbeats of each simulated agent", "5")
    .option("--for <seconds>", "stop after this many seconds (default: run until Ctrl-C)")
    .addOption(new Option("--duration-total <seconds>", "same as --for").hideHelp())
    .addHelpText(
      "after",
      `
Scenarios:
${scenarioHelp()}

Each simulated host offers 8 cpus and 32768 MB to the scheduler (attribute simulated=true);
its tasks "run" for the time their job asks (jobs are "sleep N", N 30-300 s), about 3% fail
with exit 1, and on a black-hole host every task fails within a second.

Examples:
  npx satellite simulate --hosts 50 --scenario swap-storm --start 30 --duration 300
  npx satellite simulate --scenario black-hole --hosts 20 --seed 7
  npx satellite simulate --no-tasks --riemann 127.0.0.1:5555 --hosts 200 --for 600
  SATELLITE_API_TOKEN=... npx satellite simulate --to http://satellite:5001 --scenario partition`,
    )
    .action(async (flags: SimulateFlags) => {
      exit.code = await simulate(flags);
    });
}

/** Resolves after `seconds` on `clock` (never when undefined), or at SIGINT/SIGTERM; keeps the process alive meanwhile. */
function untilStop(clock: Clock, seconds: number | undefined): Promise<string> {
  return new Promise<string>((resolve) => {
    const keepAlive = setInterval(() => {}, 1 << 30);
    const timer = seconds === undefined ? undefined : clock.setTimer(clock.now() + seconds, () => stop(`${seconds} s elapsed`));
    function stop(why: string): void {
      clearInterval(keepAlive);
      timer?.cancel();
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(why);
    }
    const onInt = (): void => stop("SIGINT");
    const onTerm = (): void => stop("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
  });
}

async function simulate(flags: SimulateFlags): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const clock = new RealClock();
  const errors = new Map<string, number>();
  const noteError = (what: string) => (err: unknown) => {
    const key = `${what}: ${message(err)}`;
    const n = errors.get(key) ?? 0;
    errors.set(key, n + 1);
    if (n === 0) log(`error: ${key}`);
  };
  const events: TransportPublisher[] = [];
  const tasks: TransportPublisher[] = [];
  let sim: Simulation;
  let stopAfter: number | undefined;
  try {
    const interval = numberFlag(flags.interval, "--interval")!;
    stopAfter = numberFlag(flags.for ?? flags.durationTotal, flags.for !== undefined ? "--for" : "--duration-total");
    if (stopAfter !== undefined && !(stopAfter > 0)) throw new Error(`--for must be a positive number of seconds, got ${stopAfter}`);
    const fraction = numberFlag(flags.fraction, "--fraction");
    if (fraction !== undefined && !(fraction > 0 && fraction <= 1)) throw new Error(`--fraction must be in (0, 1], got ${fraction}`);
    const token = flags.token ?? process.env.SATELLITE_API_TOKEN;
    const url = flags.to;
    const transports: Transport[] = [];
    let taskTransport: Transport | undefined;
    for (const t of riemannTransports(flags.riemann, clock)) transports.push(t);
    if (flags.kafka !== undefined) {
      const brokers = flags.kafka
        .split(",")
        .map((b) => b.trim())
        .filter((b) => b !== "");
      transports.push(new KafkaTransport({ brokers, clientId: "satellite-simulate" }));
      if (flags.tasks) taskTransport = new KafkaTransport({ brokers, clientId: "satellite-simulate", topic: DEFAULT_TOPICS.tasks });
    }
    if (transports.length === 0) transports.push(new HttpTransport({ url, token, clock }));
    for (const t of transports) events.push(new TransportPublisher(t, { onError: noteError(`sending events to ${t.name}`) }));
    if (taskTransport !== undefined) tasks.push(new TransportPublisher(taskTransport, { onError: noteError(`sending task events to ${taskTransport.name}`) }));
    const publish = (list: readonly TransportPublisher[]) => (batch: Event[]) => {
      for (const p of list) p.publish(batch);
    };
    sim = startSimulation({
      hosts: numberFlag(flags.hosts, "--hosts")!,
      scenario: flags.scenario,
      seed: numberFlag(flags.seed, "--seed")!,
      clock,
      intervalSeconds: interval,
      settings: { start: numberFlag(flags.start, "--start"), duration: numberFlag(flags.duration, "--duration"), fraction },
      publish: publish(events),
      publishTasks: tasks.length > 0 ? publish(tasks) : undefined,
      scheduler: flags.tasks ? { client: httpSchedulerClient({ url, token }), submit: httpJobSubmitter({ url, token }) } : undefined,
      agents: { heartbeatSeconds: numberFlag(flags.heartbeat, "--heartbeat") },
      jobsPerMinute: numberFlag(flags.jobsPerMinute, "--jobs-per-minute"),
      onError: noteError("simulation"),
    });
  } catch (err) {
    process.stderr.write(`satellite: ${message(err)}\n`);
    await Promise.all([...events, ...tasks].map((p) => p.close()));
    return 1;
  }

  const settings = sim.fleet.settings;
  const where = events.map((p) => p.name).join(", ");
  log(
    `simulating ${sim.fleet.hosts.length} hosts, scenario ${flags.scenario} (seed ${flags.seed}, problem from +${settings.start}s for ${settings.duration}s), events to ${where}` +
      (flags.tasks ? `, scheduler at ${flags.to}` : ", no tasks") +
      (stopAfter === undefined ? ". Ctrl-C stops." : `, for ${stopAfter} s.`),
  );
  const interval = numberFlag(flags.interval, "--interval")!;
  let status = clock.setTimer(clock.now() + interval, function statusLine() {
    log(formatStatus(sim.stats));
    status = clock.setTimer(clock.now() + interval, statusLine);
  });
  const why = await untilStop(clock, stopAfter);
  status.cancel();
  log(`${why}: stopping`);
  await sim.stop();
  await Promise.all([...events, ...tasks].map((p) => p.close()));
  const s = sim.stats;
  log(formatStatus(s));
  let sent = 0;
  for (const p of [...events, ...tasks]) {
    sent += p.stats.sent;
    log(`${p.name}: sent ${p.stats.sent} events (${p.stats.rejected} rejected), ${p.stats.failed} failed in ${p.stats.errors} batches, ${p.stats.dropped} dropped`);
  }
  const failedHeartbeats = s.heartbeats > 0 && s.heartbeatErrors === s.heartbeats;
  if (sent === 0 || failedHeartbeats) {
    log(sent === 0 ? "nothing could be sent" : "no heartbeat was answered (is the scheduler mounted at --to? try --no-tasks)");
    return 1;
  }
  return 0;
}
