/** Tests of placement: capacity is respected, best fit, a big job does not block the queue, failed hosts are avoided when possible. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { placeJobs, type HostRoom } from "./placement.ts";

function room(host: string, cpus: number, mem: number, capacityCpus = cpus, capacityMem = mem): HostRoom {
  return { host, cpus, mem, capacityCpus, capacityMem };
}
const job = (uuid: string, cpus: number, mem: number) => ({ uuid, cpus, mem });
const placed = (p: { job: { uuid: string }; host: string }[]) => p.map((x) => `${x.job.uuid}@${x.host}`);

describe("placeJobs", () => {
  it("never puts more on a host than its free cpus and memory", () => {
    const p = placeJobs([job("j1", 2, 100), job("j2", 2, 100), job("j3", 2, 100)], [room("a", 4, 1000)], { maxJobsConsidered: 100 });
    assert.deepEqual(placed(p), ["j1@a", "j2@a"]);
    const m = placeJobs([job("j1", 1, 600), job("j2", 1, 600)], [room("a", 4, 1000)], { maxJobsConsidered: 100 });
    assert.deepEqual(placed(m), ["j1@a"]);
  });

  it("packs: a small job goes to the fullest host that fits, leaving the empty one for a big job", () => {
    const hosts = [room("big", 8, 8000), room("busy", 1, 1000, 8, 8000)];
    const p = placeJobs([job("small", 1, 500), job("large", 8, 8000)], hosts, { maxJobsConsidered: 100 });
    assert.deepEqual(placed(p), ["small@busy", "large@big"]);
  });

  it("skips a job that fits nowhere and places the ones behind it", () => {
    const p = placeJobs([job("huge", 64, 100), job("ok", 1, 100)], [room("a", 4, 1000)], { maxJobsConsidered: 100 });
    assert.deepEqual(placed(p), ["ok@a"]);
  });

  it("looks at no more than maxJobsConsidered jobs", () => {
    const p = placeJobs([job("j1", 1, 1), job("j2", 1, 1), job("j3", 1, 1)], [room("a", 4, 1000)], { maxJobsConsidered: 2 });
    assert.deepEqual(placed(p), ["j1@a", "j2@a"]);
  });

  it("avoids a host the job failed on while another fits, and uses it when none does", () => {
    const avoid = (j: { uuid: string }, host: string) => j.uuid === "j1" && host === "a";
    assert.deepEqual(placed(placeJobs([job("j1", 1, 1)], [room("a", 4, 1000), room("b", 8, 1000)], { maxJobsConsidered: 9, avoid })), ["j1@b"]);
    assert.deepEqual(placed(placeJobs([job("j1", 1, 1)], [room("a", 4, 1000), room("b", 0.5, 1000)], { maxJobsConsidered: 9, avoid })), ["j1@a"]);
  });

  it("tolerates floating-point rounding of fractional cpus", () => {
    const p = placeJobs([job("j1", 0.1, 1), job("j2", 0.2, 1)], [room("a", 0.30000000000000004 - 1e-12, 10, 1, 10)], { maxJobsConsidered: 9 });
    assert.equal(p.length, 2);
  });

  it("does not modify the hosts it was given", () => {
    const hosts = [room("a", 4, 1000)];
    placeJobs([job("j1", 2, 100)], hosts, { maxJobsConsidered: 9 });
    assert.equal(hosts[0]!.cpus, 4);
  });
});
