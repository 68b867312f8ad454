/**
 * Node flags `satellite replay` runs with (bin/satellite.js re-runs itself
 * with them; the replay benchmark's child gets them too). A replay makes an
 * event object per trace event, and the index keeps each one until that
 * host's next report replaces it, a whole fleet round later: with V8's
 * default 16 MiB semi-space most events survive a scavenge, are copied and
 * promoted, and then die in the old generation. A 64 MiB semi-space lets
 * them die young: measured 8–10% more events/s on the replay benchmark, for
 * up to ~100 MiB more memory while it runs.
 */
export const REPLAY_NODE_FLAGS: readonly string[] = Object.freeze(["--max-semi-space-size=64"]);
