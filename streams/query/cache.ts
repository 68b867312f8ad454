/**
 * A small least-recently-used cache on top of `Map`'s insertion order: the
 * compiled-query cache, so a dashboard or Riemann client that sends the same
 * query every second parses and compiles it once.
 */

/**
 * A map bounded to `capacity` entries that forgets the least recently used
 * one first. `get` and `set` are O(1).
 *
 * @example
 * const cache = new LruCache<string, number>(2);
 * cache.set("a", 1); cache.set("b", 2); cache.get("a"); cache.set("c", 3);
 * cache.has("b"); // false: "b" was the least recently used
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`LruCache: capacity must be an integer >= 1, got ${capacity}`);
  }

  /** Number of cached entries. */
  get size(): number {
    return this.map.size;
  }

  /** The value for `key`, marking it most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  /** True when `key` is cached (does not change recency). */
  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Caches `value` under `key` as the most recently used, evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.map.clear();
  }
}
