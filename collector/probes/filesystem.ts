/**
 * Filesystem use per mount point: the mount table from /proc/self/mounts,
 * then `statfs` on each real, writable filesystem, as Metricbeat's
 * `system.filesystem` metricset (one series per mount; the mount point is in
 * the service name, `filesystemUsedService`, and in attribute `mount_point`).
 * Pseudo filesystems (proc, sysfs, cgroup, tmpfs, overlay, ...), read-only
 * mounts and Metricbeat's ignored mount points (/sys, /proc, /dev, /etc,
 * /host, /lib, /cgroup) are skipped unless named in `include`.
 *
 * A `statfs` that does not return (a hung NFS server) would otherwise hang
 * the probe and, worse, hold one of libuv's four thread-pool threads: so a
 * mount whose `statfs` takes longer than `timeoutSeconds` is reported
 * critical ("df returns in a timely fashion", Satellite's recipe), and is
 * not asked again until the stuck call returns, so one hung mount holds at
 * most one thread. That wait is the one real timer in the probes: it bounds
 * a system call, it decides nothing. `systeminformation.fsSize()` was not
 * used: it runs `df` in a child process (about 8 ms a call, measured).
 */
import { statfs as statfsCallback, type StatsFs } from "node:fs";
import { filesystemUsedService, MOUNT_POINT_ATTRIBUTE } from "../../rules/builtin/services.ts";
import { metricEvent, PROBE_TAGS, type ProbeContext, type Probe } from "./probe.ts";
import { fields, readText } from "./procfs.ts";
import { makeEvent, type Event } from "../../streams/event.ts";

/** The `statfs` numbers the probe uses (Node's `StatsFs`, block counts in units of `bsize`). */
export type FsStats = Pick<StatsFs, "bsize" | "blocks" | "bfree" | "bavail" | "files" | "ffree">;

/** One line of the mount table. */
export interface MountEntry {
  readonly device: string;
  readonly mountPoint: string;
  readonly type: string;
  readonly options: readonly string[];
}

/**
 * Filesystem types never reported by default: kernel pseudo filesystems,
 * memory-backed ones (their use shows as memory), container layers (one
 * per container), and FUSE views of /proc. node_exporter's default
 * exclusion list plus tmpfs, ramfs and the FUSE views (Metricbeat skips
 * every "nodev" type, tmpfs included).
 */
export const PSEUDO_FILESYSTEM_TYPES: readonly string[] = Object.freeze([
  "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs", "efivarfs",
  "fuse.lxcfs", "fuse.gvfsd-fuse", "fuse.portal", "fusectl", "hugetlbfs", "mqueue", "nsfs", "overlay", "proc",
  "procfs", "pstore", "ramfs", "rootfs", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs", "tmpfs", "tracefs",
]);

/** Metricbeat's default: mount points under these are not filesystems an operator watches. */
const IGNORED_MOUNT_POINTS = /^\/(sys|cgroup|proc|dev|etc|host|lib)($|\/)/;

/** Undoes the octal escapes of the mount table (`\040` for a space, `\011`, `\012`, `\134`). */
function unescapeMount(s: string): string {
  return s.includes("\\") ? s.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))) : s;
}

/**
 * Parses /proc/self/mounts; a mount point listed twice keeps its last line
 * (the mount on top, the one a path resolves to).
 *
 * @example
 * parseMounts("/dev/vda / ext4 rw,relatime 0 0\n"); // [{ device: "/dev/vda", mountPoint: "/", type: "ext4", options: ["rw", "relatime"] }]
 */
export function parseMounts(text: string): MountEntry[] {
  const byMountPoint = new Map<string, MountEntry>();
  for (const line of text.split("\n")) {
    const f = fields(line);
    if (f.length < 4) continue;
    const mountPoint = unescapeMount(f[1]!);
    byMountPoint.delete(mountPoint);
    byMountPoint.set(mountPoint, { device: unescapeMount(f[0]!), mountPoint, type: f[2]!, options: f[3]!.split(",") });
  }
  return [...byMountPoint.values()];
}

/** Which mounts the probe reports. */
export interface MountSelection {
  /** When given, exactly these mount points (those mounted), whatever their type or options. */
  readonly include?: readonly string[] | undefined;
  /** Filesystem types to skip when `include` is not given. */
  readonly excludeTypes: readonly string[];
}

/**
 * The mounts worth reporting: `include` when given, else every mount whose
 * type is not excluded, that is not read-only, and whose mount point is
 * not under /sys, /proc, /dev, /etc, /host, /lib or /cgroup.
 *
 * @example
 * selectMounts(parseMounts(text), { excludeTypes: PSEUDO_FILESYSTEM_TYPES }).map((m) => m.mountPoint); // ["/", "/var"]
 */
export function selectMounts(mounts: readonly MountEntry[], selection: MountSelection): MountEntry[] {
  const { include, excludeTypes } = selection;
  if (include !== undefined) return mounts.filter((m) => include.includes(m.mountPoint));
  return mounts.filter((m) => !excludeTypes.includes(m.type) && !m.options.includes("ro") && !IGNORED_MOUNT_POINTS.test(m.mountPoint));
}

/** Settings of `filesystemProbe`. */
export interface FilesystemProbeOptions extends MountSelection {
  readonly procRoot: string;
  readonly ttl: number;
  /** How long a `statfs` may take before the mount is reported critical, in seconds. */
  readonly timeoutSeconds: number;
  /** The `statfs` to call (tests pass a fake; default `fs.statfs`). */
  readonly statfs?: ((path: string) => Promise<FsStats>) | undefined;
  /** Resolves after `ms` milliseconds (tests pass a controllable one; default an unref'd setTimeout). */
  readonly wait?: ((ms: number) => Promise<void>) | undefined;
}

function nodeStatfs(path: string): Promise<FsStats> {
  return new Promise((resolve, reject) => statfsCallback(path, (err, stats) => (err === null ? resolve(stats) : reject(err))));
}

function realWait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Errors that mean "not ours to report" (the mount went away, or we may not look). */
const SKIPPED_ERRORS = new Set(["ENOENT", "ENOTDIR", "EACCES", "EPERM"]);

const TIMED_OUT = Symbol("timed out");

/**
 * The filesystem probe. Per reported mount, services suffixed with
 * `" <mount point>"`: `system.filesystem.used.pct` (used ÷ (used +
 * available), `df`'s "Use%" as a fraction), `system.filesystem.total`,
 * `.free`, `.available`, `.used.bytes` (bytes), and
 * `system.filesystem.inodes.used.pct` when the filesystem counts inodes.
 * Attributes `mount_point`, `device_name`, `type`. A mount whose `statfs`
 * fails (other than vanishing or permission) or does not return in time
 * gets one `system.filesystem.used.pct <mount>` event with state
 * "critical", no metric, and the reason in `description`.
 *
 * @example
 * await filesystemProbe({ procRoot: "/proc", ttl: 30, timeoutSeconds: 5, excludeTypes: PSEUDO_FILESYSTEM_TYPES }).sample(ctx);
 */
export function filesystemProbe(options: FilesystemProbeOptions): Probe {
  const { procRoot, ttl, timeoutSeconds } = options;
  const statfs = options.statfs ?? nodeStatfs;
  const wait = options.wait ?? realWait;
  /** Mounts whose statfs has not returned yet: when it was started (ctx.now). */
  const stuck = new Map<string, number>();

  const failure = (ctx: ProbeContext, mount: MountEntry, attributes: Record<string, string>, description: string): Event =>
    makeEvent({ host: ctx.host, service: filesystemUsedService(mount.mountPoint), time: ctx.now, state: "critical", description, ttl, tags: PROBE_TAGS, attributes });

  async function one(ctx: ProbeContext, mount: MountEntry, out: Event[]): Promise<void> {
    const { mountPoint } = mount;
    const attributes = { [MOUNT_POINT_ATTRIBUTE]: mountPoint, device_name: mount.device, type: mount.type };
    const since = stuck.get(mountPoint);
    if (since !== undefined) {
      out.push(failure(ctx, mount, attributes, `statfs(${mountPoint}) has not returned for ${Math.round(ctx.now - since)} s (hung network filesystem?)`));
      return;
    }
    let stats: FsStats | typeof TIMED_OUT;
    const call = statfs(mountPoint);
    try {
      stats = await Promise.race([call, wait(timeoutSeconds * 1000).then((): typeof TIMED_OUT => TIMED_OUT)]);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== undefined && SKIPPED_ERRORS.has(code)) return;
      out.push(failure(ctx, mount, attributes, `statfs(${mountPoint}) failed: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    if (stats === TIMED_OUT) {
      stuck.set(mountPoint, ctx.now);
      const clear = (): void => void stuck.delete(mountPoint);
      call.then(clear, clear);
      out.push(failure(ctx, mount, attributes, `statfs(${mountPoint}) did not return within ${timeoutSeconds} s (hung network filesystem?)`));
      return;
    }
    const { bsize, blocks, bfree, bavail, files, ffree } = stats;
    const total = blocks * bsize;
    const free = bfree * bsize;
    const available = bavail * bsize;
    const used = total - free;
    const service = (name: string): string => `${name} ${mountPoint}`;
    out.push(
      metricEvent(ctx, filesystemUsedService(mountPoint), used + available > 0 ? used / (used + available) : 0, ttl, attributes),
      metricEvent(ctx, service("system.filesystem.total"), total, ttl, attributes),
      metricEvent(ctx, service("system.filesystem.free"), free, ttl, attributes),
      metricEvent(ctx, service("system.filesystem.available"), available, ttl, attributes),
      metricEvent(ctx, service("system.filesystem.used.bytes"), used, ttl, attributes),
    );
    if (files > 0) out.push(metricEvent(ctx, service("system.filesystem.inodes.used.pct"), (files - ffree) / files, ttl, attributes));
  }

  return {
    name: "filesystem",
    async sample(ctx: ProbeContext): Promise<Event[]> {
      const text = await readText(`${procRoot}/self/mounts`);
      if (text === undefined) return [];
      const mounts = selectMounts(parseMounts(text), options);
      const perMount = mounts.map((): Event[] => []);
      await Promise.all(mounts.map((m, i) => one(ctx, m, perMount[i]!)));
      return perMount.flat();
    },
  };
}
