/**
 * A bounded output buffer: keeps the last `limit` bytes written to it, so a
 * task that prints gigabytes costs the agent at most that much memory per
 * stream, and the end of the output (where errors usually are) is kept.
 */

/**
 * The last `limit` bytes of a stream.
 *
 * @example
 * const tail = new TailBuffer(4);
 * tail.write(Buffer.from("hello")); tail.write(Buffer.from("!"));
 * tail.text(); // "llo!"
 */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes written in total, kept or not. */
  total = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit <= 0) throw new RangeError(`TailBuffer limit must be a positive integer, got ${limit}`);
  }

  write(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.size += chunk.length;
    // Compact when holding twice the limit: amortised O(1) per byte.
    if (this.size >= 2 * this.limit) {
      const kept = this.bytes();
      this.chunks = [kept];
      this.size = kept.length;
    }
  }

  /** The kept bytes (at most `limit`). */
  bytes(): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    return all.length > this.limit ? all.subarray(all.length - this.limit) : all;
  }

  /** The kept bytes as UTF-8, without a character cut in half at the start. */
  text(): string {
    const b = this.bytes();
    let start = 0;
    // Skip continuation bytes (10xxxxxx) of a character whose head was cut off.
    if (this.total > b.length) while (start < b.length && start < 4 && (b[start]! & 0xc0) === 0x80) start++;
    return b.subarray(start).toString("utf8");
  }
}
