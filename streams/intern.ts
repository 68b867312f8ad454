/**
 * String interning for the names events repeat millions of times (hosts,
 * services, states). A decoder hands the engine fresh string objects; V8
 * hashes a string once per object, so without interning every Map lookup
 * downstream (the index, every `by`, the service router) hashes the same
 * host name again. Interned at the door, each name is hashed once per event
 * and then found by pointer.
 */

/** Most distinct strings kept; past it the table is cleared and refilled (names stay correct, only the saving pauses). */
export const INTERN_LIMIT = 1_000_000;

/**
 * A bounded intern table.
 *
 * @example
 * const names = new InternTable();
 * const host = names.intern(decoded.host); // the same object for equal names
 */
export class InternTable {
  private readonly table = new Map<string, string>();

  constructor(private readonly limit = INTERN_LIMIT) {}

  /** The canonical object for `s` (equal to `s`). */
  intern(s: string): string {
    const known = this.table.get(s);
    if (known !== undefined) return known;
    if (this.table.size >= this.limit) this.table.clear();
    this.table.set(s, s);
    return s;
  }

  /** Number of strings held. */
  get size(): number {
    return this.table.size;
  }
}
