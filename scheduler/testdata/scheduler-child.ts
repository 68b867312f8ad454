/**
 * A scheduler in a child process, for the kill -9 test (scheduler/kill9.test.ts):
 * on the database file given as argument it registers a host, submits and
 * places jobs, reports one task running and one failed, prints "ready", then
 * submits jobs k1, k2, ... one after another, printing each uuid once submit
 * returned (so committed), until it is killed.
 */
import { openDatabase } from "../../store/database.ts";
import { VirtualClock } from "../../streams/clock.ts";
import { Scheduler } from "../scheduler.ts";

const path = process.argv[2];
if (path === undefined) throw new Error("usage: scheduler-child.ts <db file>");
const clock = new VirtualClock(1000);
let n = 0;
const scheduler = Scheduler.open({ db: openDatabase(path), clock, newId: () => `c${++n}` });
const cap = { cpus: 2, mem: 1000 };
scheduler.heartbeat("h1", { capacity: cap, running: [], finished: [] });
for (const uuid of ["j1", "j2", "j3"]) scheduler.submit({ uuid, user: "alice", command: "sleep 100", cpus: 1, mem: 100, maxRetries: 1 });
scheduler.pass();
scheduler.heartbeat("h1", { capacity: cap, running: ["c1"], finished: [{ taskId: "c2", exitCode: 3, stderrTail: "boom" }] });
process.stdout.write("ready\n");
let k = 0;
function next(): void {
  const uuid = `k${++k}`;
  scheduler.submit({ uuid, user: "bob", command: "true", cpus: 1, mem: 1 });
  process.stdout.write(`${uuid}\n`);
  setImmediate(next);
}
next();
