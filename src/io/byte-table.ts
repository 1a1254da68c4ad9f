/**
 * Interns byte strings as dense numbers 0, 1, 2 ... in first-seen order, in flat typed arrays: 20 to 40 bytes per
 * entry plus its bytes, where a Map<string, number> costs several times that. Open addressing, load factor <= 1/2;
 * each slot holds its entry's hash beside the entry, so that a probe of a large table costs one cache miss, not two.
 */
export class ByteTable {
  private bytes = new Uint8Array(1 << 16);
  private used = 0;
  /** Entry i holds bytes[starts[i], starts[i + 1]). */
  private starts = new Int32Array(1 << 10);
  /** Slot s is slots[2s] (entry + 1, or 0 when empty) and slots[2s + 1] (the entry's hash). */
  private slots = new Int32Array(2 << 11);
  size = 0;

  /** A 32-bit hash of buffer[start, end) (FNV-1a, then mixed). */
  static hash(buffer: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ (buffer[i] as number), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d);
    return h ^ (h >>> 15);
  }

  /** The number of buffer[start, end), or -1 when absent. `hash` is {@link ByteTable.hash} of the same bytes. */
  find(buffer: Uint8Array, start: number, end: number, hash: number): number {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const entry = (slots[2 * s] as number) - 1;
      if (entry < 0) return -1;
      if (slots[2 * s + 1] === hash && this.equals(entry, buffer, start, end)) return entry;
    }
  }

  /** The number of buffer[start, end), adding it when new. */
  intern(buffer: Uint8Array, start: number, end: number): number {
    const hash = ByteTable.hash(buffer, start, end);
    const found = this.find(buffer, start, end, hash);
    return found >= 0 ? found : this.add(buffer, start, end, hash);
  }

  /** Adds bytes that are not in the table yet and returns their number. */
  add(buffer: Uint8Array, start: number, end: number, hash: number): number {
    const length = end - start;
    if (this.used + length > this.bytes.length) this.bytes = grow(this.bytes, this.used + length);
    const bytes = this.bytes;
    const at = this.used;
    // A subarray for set() costs more than a short id's bytes copied one by one.
    if (length < 32) for (let k = 0; k < length; k++) bytes[at + k] = buffer[start + k] as number;
    else bytes.set(buffer.subarray(start, end), at);
    const entry = this.size++;
    if (this.size + 1 > this.starts.length) {
      this.starts = grow(this.starts, this.size + 1);
    }
    this.starts[entry] = this.used;
    this.used += length;
    this.starts[entry + 1] = this.used;
    if (this.size > this.slots.length >> 2) this.rehash();
    this.place(entry, hash);
    return entry;
  }

  /** Whether entry i holds exactly buffer[start, end). */
  equals(entry: number, buffer: Uint8Array, start: number, end: number): boolean {
    const from = this.starts[entry] as number;
    if ((this.starts[entry + 1] as number) - from !== end - start) return false;
    const bytes = this.bytes;
    for (let k = 0; k < end - start; k++) if (bytes[from + k] !== buffer[start + k]) return false;
    return true;
  }

  /** Entry i's bytes decoded as UTF-8. */
  utf8(entry: number): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length).toString('utf8', this.starts[entry], this.starts[entry + 1]);
  }

  /** Entry i's bytes: `storage[startOf(i), endOf(i))`. */
  startOf(entry: number): number {
    return this.starts[entry] as number;
  }

  endOf(entry: number): number {
    return this.starts[entry + 1] as number;
  }

  /** The array all entries' bytes live in (replaced when it grows). */
  get storage(): Uint8Array {
    return this.bytes;
  }

  private place(entry: number, hash: number): void {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    let s = hash & mask;
    while (slots[2 * s] !== 0) s = (s + 1) & mask;
    slots[2 * s] = entry + 1;
    slots[2 * s + 1] = hash;
  }

  /** Twice the slots, the entries placed anew. */
  private rehash(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (let s = 0; s < old.length; s += 2) if (old[s] !== 0) this.place((old[s] as number) - 1, old[s + 1] as number);
  }
}

function grow<T extends Uint8Array | Int32Array>(array: T, atLeast: number): T {
  let length = array.length * 2;
  while (length < atLeast) length *= 2;
  const bigger = new (array.constructor as new (n: number) => T)(length);
  bigger.set(array);
  return bigger;
}
