/**
 * Tests of the filesystem probe: which mounts of a realistic mount table
 * are reported (no pseudo, read-only or system mounts; the last of a
 * stacked mount point; octal-escaped names), df-style use per mount with a
 * fake statfs, and a statfs that hangs or fails reported critical without
 * stacking up calls on the stuck mount.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { filesystemProbe, parseMounts, PSEUDO_FILESYSTEM_TYPES, selectMounts, type FsStats } from "./filesystem.ts";
import { FixtureTree, metricOf, near, servicesOf } from "./test-support.ts";
import type { Event } from "../../streams/event.ts";

const T0 = 1_700_000_000;
const host = "web1";
const GiB = 1024 ** 3;

/** 100 GiB, 4 KiB blocks: 60 GiB free, 55 GiB of it available to users; 1000 inodes, 250 free. */
const STATS: FsStats = { bsize: 4096, blocks: (100 * GiB) / 4096, bfree: (60 * GiB) / 4096, bavail: (55 * GiB) / 4096, files: 1000, ffree: 250 };

/** A statfs that records the paths it is called with and answers with `answer`. */
function fakeStatfs(answer: (path: string) => Promise<FsStats>): { statfs: (path: string) => Promise<FsStats>; calls: string[] } {
  const calls: string[] = [];
  return { calls, statfs: (path) => (calls.push(path), answer(path)) };
}

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: statfs failed`), { code });
}

describe("parseMounts and selectMounts", () => {
  const tree = new FixtureTree("normal");
  after(() => tree.cleanup());

  it("reports real writable filesystems, the top one of a stacked mount point, with escaped names undone", async () => {
    const { readFileSync } = await import("node:fs");
    const mounts = parseMounts(readFileSync(`${tree.procRoot}/self/mounts`, "latin1"));
    const selected = selectMounts(mounts, { excludeTypes: PSEUDO_FILESYSTEM_TYPES });
    assert.deepEqual(
      selected.map((m) => [m.mountPoint, m.type, m.device]),
      [
        ["/", "ext4", "/dev/mapper/vg-root"],
        ["/var", "xfs", "/dev/nvme0n1p1"],
        ["/mnt/old data", "ext4", "/dev/sda2"],
        ["/shared", "nfs4", "nfs1:/export/shared"],
        ["/boot", "ext4", "/dev/sda1"],
      ],
    );
  });

  it("reports exactly the included mount points, whatever their type", async () => {
    const { readFileSync } = await import("node:fs");
    const mounts = parseMounts(readFileSync(`${tree.procRoot}/self/mounts`, "latin1"));
    assert.deepEqual(selectMounts(mounts, { include: ["/run", "/var", "/not-mounted"], excludeTypes: PSEUDO_FILESYSTEM_TYPES }).map((m) => m.mountPoint), ["/run", "/var"]);
  });
});

describe("filesystemProbe", () => {
  const tree = new FixtureTree("normal");
  after(() => tree.cleanup());
  const base = { procRoot: tree.procRoot, ttl: 30, timeoutSeconds: 5, excludeTypes: PSEUDO_FILESYSTEM_TYPES };
  const never = (): Promise<void> => new Promise<void>(() => undefined);

  it("reports df-style use, sizes and inode use per mount, with the mount point in service and attributes", async () => {
    const { statfs } = fakeStatfs((path) => Promise.resolve(path === "/var" ? { ...STATS, files: 0, ffree: 0 } : STATS));
    const events = await filesystemProbe({ ...base, include: ["/", "/var"], statfs, wait: never }).sample({ host, now: T0 });
    assert.deepEqual(servicesOf(events), [
      "system.filesystem.used.pct /",
      "system.filesystem.total /",
      "system.filesystem.free /",
      "system.filesystem.available /",
      "system.filesystem.used.bytes /",
      "system.filesystem.inodes.used.pct /",
      "system.filesystem.used.pct /var",
      "system.filesystem.total /var",
      "system.filesystem.free /var",
      "system.filesystem.available /var",
      "system.filesystem.used.bytes /var",
    ]);
    // used 40 GiB; df's Use% = used / (used + available) = 40 / 95.
    assert.equal(near(metricOf(events, "system.filesystem.used.pct /")), near(40 / 95));
    assert.equal(metricOf(events, "system.filesystem.total /"), 100 * GiB);
    assert.equal(metricOf(events, "system.filesystem.available /"), 55 * GiB);
    assert.equal(metricOf(events, "system.filesystem.used.bytes /"), 40 * GiB);
    assert.equal(metricOf(events, "system.filesystem.inodes.used.pct /"), 0.75);
    assert.deepEqual(events[0]!.attributes, { mount_point: "/", device_name: "/dev/mapper/vg-root", type: "ext4" });
    assert.ok(events.every((e) => e.state === "ok"));
  });

  it("reports a mount whose statfs does not return in time as critical, and does not call statfs on it again until it returns", async () => {
    let release: (s: FsStats) => void = () => undefined;
    let stuck = true;
    const { statfs, calls } = fakeStatfs((path) => {
      if (path !== "/shared" || !stuck) return Promise.resolve(STATS);
      stuck = false;
      return new Promise<FsStats>((resolve) => (release = resolve));
    });
    const waits: number[] = [];
    // The time-out "fires" one event-loop turn later: after every settled statfs, before a stuck one.
    const wait = (ms: number): Promise<void> => (waits.push(ms), new Promise<void>((resolve) => setImmediate(resolve)));
    const probe = filesystemProbe({ ...base, include: ["/", "/shared"], statfs, wait });
    const shared = (events: Event[]): Event | undefined => events.find((e) => e.service === "system.filesystem.used.pct /shared");

    const first = await probe.sample({ host, now: T0 });
    assert.equal(shared(first)?.state, "critical");
    assert.equal(shared(first)?.metric, undefined);
    assert.match(shared(first)!.description!, /did not return within 5 s/);
    assert.equal(near(metricOf(first, "system.filesystem.used.pct /")), near(40 / 95), "the other mount is unaffected");
    assert.deepEqual(waits, [5000, 5000]);

    const second = await probe.sample({ host, now: T0 + 10 });
    assert.equal(shared(second)?.state, "critical");
    assert.match(shared(second)!.description!, /has not returned for 10 s/);
    assert.equal(calls.filter((c) => c === "/shared").length, 1, "no second call while the first is stuck");

    release(STATS);
    await new Promise((resolve) => setImmediate(resolve));
    const third = await probe.sample({ host, now: T0 + 20 });
    assert.equal(shared(third)?.state, "ok");
    assert.equal(near(shared(third)!.metric!), near(40 / 95));
    assert.equal(calls.filter((c) => c === "/shared").length, 2, "asked again once the stuck call returned");
  });

  it("reports a failing statfs (a stale NFS handle) as critical and skips a mount that vanished or is not readable", async () => {
    const { statfs } = fakeStatfs((path) =>
      path === "/shared" ? Promise.reject(errno("ESTALE")) : path === "/boot" ? Promise.reject(errno("ENOENT")) : path === "/var" ? Promise.reject(errno("EACCES")) : Promise.resolve(STATS),
    );
    const events = await filesystemProbe({ ...base, statfs, wait: never }).sample({ host, now: T0 });
    const bad = events.filter((e) => e.state !== "ok");
    assert.deepEqual(bad.map((e) => [e.service, e.state]), [["system.filesystem.used.pct /shared", "critical"]]);
    assert.match(bad[0]!.description!, /ESTALE/);
    assert.ok(!events.some((e) => e.service.endsWith(" /boot") || e.service.endsWith(" /var")));
    assert.ok(events.some((e) => e.service === "system.filesystem.used.pct /mnt/old data"));
  });

  it("calls the real statfs by default", async () => {
    const events = await filesystemProbe({ ...base, include: ["/"] }).sample({ host, now: T0 });
    const pct = metricOf(events, "system.filesystem.used.pct /");
    assert.ok(pct >= 0 && pct <= 1, `used.pct of / is ${pct}`);
  });
});
