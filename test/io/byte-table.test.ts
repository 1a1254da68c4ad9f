// Interning byte strings: the same numbering as a Map over the strings, in first-seen order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteTable } from '../../src/io/byte-table.js';

describe('ByteTable', () => {
  it('numbers distinct byte strings in first-seen order and finds them again, through growth and rehashing', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 6 }), { maxLength: 3000 }), (keys) => {
        const table = new ByteTable();
        const reference = new Map<string, number>();
        for (const key of keys) {
          const name = Buffer.from(key).toString('hex');
          if (!reference.has(name)) reference.set(name, reference.size);
          expect(table.intern(key, 0, key.length)).toBe(reference.get(name));
        }
        expect(table.size).toBe(reference.size);
        for (const [name, entry] of reference) {
          const key = Buffer.from(name, 'hex');
          expect(table.find(key, 0, key.length, ByteTable.hash(key, 0, key.length))).toBe(entry);
          expect(Buffer.from(table.storage.subarray(table.startOf(entry), table.endOf(entry)))).toEqual(key);
        }
        expect(table.find(Buffer.from('absent-key'), 0, 10, ByteTable.hash(Buffer.from('absent-key'), 0, 10))).toBe(-1);
      }),
      { numRuns: 50 },
    );
  });

  it('reads a slice of a larger buffer and decodes entries as UTF-8', () => {
    const table = new ByteTable();
    const buffer = Buffer.from('xxcafé|café|');
    const a = table.intern(buffer, 2, 7);
    expect(table.intern(buffer, 8, 13)).toBe(a);
    expect(table.utf8(a)).toBe('café');
    expect(table.equals(a, buffer, 8, 13)).toBe(true);
    expect(table.equals(a, buffer, 8, 12)).toBe(false);
  });
});
