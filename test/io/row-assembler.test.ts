// The native row assembler: every queued row must come out as its seven pieces laid end to end, whatever their
// lengths (each size class of its copies: 0-3, 4-7, 8-15, 16-32, longer), touching no byte outside the rows; a range
// outside the arena is refused before anything is written.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowAssembler } from '../../src/io/row-assembler.js';
import { parityRequired } from '../helpers/hf-python.js';

const ARENA = 4096;
/** Sources live in arena[0, 2048); rows go to arena[2048, 4096). */
const SOURCES = 2048;

function arenaWithSources(): Buffer {
  const arena = Buffer.alloc(ARENA, 0xee);
  for (let i = 0; i < SOURCES; i++) arena[i] = (i * 37 + 11) & 255;
  return arena;
}

const range = fc.tuple(fc.nat(SOURCES - 80), fc.nat(70)).map(([start, length]) => [start, start + length] as const);

if (RowAssembler.create(Buffer.alloc(16), Int32Array.from([0, 1, 1, 2, 2, 3]), undefined, '') !== null) {
  describe('native row assembler', () => {
    it('writes each row as sep0 p0 sep1 p1 sep2 p2 p3, exactly, for any piece lengths', () => {
      fc.assert(
        fc.property(fc.array(range, { minLength: 3, maxLength: 3 }), fc.array(fc.array(range, { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 6 }), (separators, rows) => {
          const arena = arenaWithSources();
          const assembler = RowAssembler.create(arena, Int32Array.from(separators.flat()), undefined, '') as RowAssembler;
          const expected = Buffer.from(arena);
          let at = SOURCES + 3;
          for (const pieces of rows) {
            const [p0, p1, p2, p3] = pieces as [readonly [number, number], readonly [number, number], readonly [number, number], readonly [number, number]];
            const bytes = Buffer.concat([separators[0], p0, separators[1], p1, separators[2], p2, p3].map(([s, e]) => arena.subarray(s as number, e as number)));
            if (at + bytes.length > ARENA) break;
            assembler.push(at, p0[0], p0[1], p1[0], p1[1], p2[0], p2[1], p3[0], p3[1]);
            bytes.copy(expected, at);
            at += bytes.length + 1; // one untouched byte between rows
          }
          assembler.drain();
          expect(arena.equals(expected)).toBe(true);
        }),
        { numRuns: 400 },
      );
    });

    it('refuses a range outside the arena and writes nothing', () => {
      const arena = arenaWithSources();
      const before = Buffer.from(arena);
      const assembler = RowAssembler.create(arena, Int32Array.from([0, 2, 2, 4, 4, 6]), undefined, '') as RowAssembler;
      assembler.push(SOURCES, 0, 10, 10, 20, 20, 30, 30, 40);
      assembler.push(SOURCES + 100, 0, 10, 10, 20, 20, 30, ARENA - 4, ARENA + 1);
      expect(() => assembler.drain()).toThrow(RangeError);
      expect(arena.equals(before)).toBe(true);
      assembler.push(ARENA - 10, 0, 10, 10, 20, 20, 30, 30, 40);
      expect(() => assembler.drain()).toThrow(/outside the arena/);
      expect(arena.equals(before)).toBe(true);
    });

    it('is not used with W2S_KERNELS=portable', () => {
      expect(RowAssembler.create(Buffer.alloc(16), Int32Array.from([0, 1, 1, 2, 2, 3]), undefined, 'portable')).toBeNull();
    });
  });
} else {
  describe('native row assembler', () => {
    if (parityRequired) it('is built (W2S_PARITY=require)', () => expect(RowAssembler.create(Buffer.alloc(16), Int32Array.from([0, 1, 1, 2, 2, 3]))).not.toBeNull());
    else it.skip('skipped: the native addon is absent or predates the assembler', () => {});
  });
}
