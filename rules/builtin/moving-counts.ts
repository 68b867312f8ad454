/**
 * Counts of event kinds over a sliding window of event time, for rules that
 * judge "how many of each in the last N seconds" on every event
 * (task-black-hole). The window holds exactly the events `movingTimeWindow`
 * would hold — every event accepted so far whose time is later than the
 * latest time seen minus the window's length — but it keeps only each
 * counted event's time and kind, and updates the counts as events enter and
 * leave, instead of copying and re-counting the whole window on every event.
 * An event that enters costs O(1) amortised (O(distance) when it arrives out
 * of time order).
 */

/**
 * How many events of each kind (0 … kinds − 1) the last `seconds` of event
 * time hold. `add(time, kind)` does what `movingTimeWindow` does with an
 * event of that time: the latest time seen moves forward, every event at or
 * before `latest − seconds` leaves, and the new event enters — unless it is
 * itself at or before that cutoff, in which case nothing changes and `add`
 * returns false (`movingTimeWindow` would emit nothing for it). An event
 * added with kind −1 counts nothing but still moves the window (a heartbeat
 * that ages old events out).
 *
 * @example
 * const w = new MovingCounts(600, 2);
 * w.add(0, 0); w.add(10, 1); w.add(20, 1);
 * w.count(1);      // 2
 * w.add(605, -1);  // true: the event at 0 left the window
 * w.count(0);      // 0
 * w.add(4, 0);     // false: before the window (605 − 600), not counted
 */
export class MovingCounts {
  private readonly counts: number[];
  /** The counted events in the window, in time order, from `head` on: time, kind, time, kind, … (one array: fewer objects per window). */
  private readonly entries: number[] = [];
  private head = 0;
  private latest = -Infinity;

  constructor(
    private readonly seconds: number,
    kinds: number,
  ) {
    if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError(`MovingCounts: seconds must be a finite number > 0, got ${seconds}`);
    this.counts = new Array<number>(kinds).fill(0);
  }

  /** Events of `kind` in the window. */
  count(kind: number): number {
    return this.counts[kind]!;
  }

  /** Moves the window to an event at `time` and counts it as `kind` (−1: counts nothing). False when `time` is before the window. */
  add(time: number, kind: number): boolean {
    if (time > this.latest) this.latest = time;
    const cutoff = this.latest - this.seconds;
    if (time <= cutoff) return false;
    const entries = this.entries;
    let head = this.head;
    while (head < entries.length && entries[head]! <= cutoff) {
      this.counts[entries[head + 1]!]!--;
      head += 2;
    }
    if (head > 64 && head * 2 > entries.length) {
      entries.splice(0, head);
      head = 0;
    }
    this.head = head;
    if (kind < 0) return true;
    // Insert in time order; events almost always arrive in order, so this is an append.
    let i = entries.length;
    entries.push(time, kind);
    while (i > head && entries[i - 2]! > time) {
      entries[i] = entries[i - 2]!;
      entries[i + 1] = entries[i - 1]!;
      i -= 2;
    }
    entries[i] = time;
    entries[i + 1] = kind;
    this.counts[kind]!++;
    return true;
  }
}
