/**
 * The child process of the kill -9 test (restart.test.ts): opens host
 * health on the SQLite file named by argv[2] with a virtual clock at argv[3],
 * blacklists h01 for an hour, drains h02, posts a manual critical on h03,
 * prints "ready" and waits to be killed. Test-only.
 */
import { openDatabase } from "../../../store/database.ts";
import { VirtualClock } from "../../../streams/clock.ts";
import { HostHealth } from "../host-health.ts";
import { fleet, TestInventory } from "../test-support.ts";

const [file, start] = process.argv.slice(2);
const clock = new VirtualClock(Number(start));
const health = new HostHealth({ db: openDatabase(file!), clock, inventory: new TestInventory(fleet(50)), log: () => {} });
health.handle({ kind: "blacklist", rule: "task-black-hole", host: "h01", reason: "tasks fail", ttl: 3600, time: clock.now() });
health.handle({ kind: "drain", rule: "all-checks-pass", host: "h02", reason: "failing checks: df", time: clock.now() });
health.setManual("h03", "disk", { state: "critical", ttlSeconds: 7200, description: "disk swap" }, "operator:ann");
process.stdout.write("ready\n");
setInterval(() => {}, 1000);
