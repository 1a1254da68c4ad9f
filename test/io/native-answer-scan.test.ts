// The native answers-line scanner against the TypeScript one: whatever line it accepts, it must read into the same
// record (kinds, value ranges, string flags, variant); it may decline only what the TypeScript scanner declines, or a
// variant not written as plain digits. And a reader using it must yield what a reader without it yields, errors too.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ABSENT, AnswerFields, RECORD_END, RECORD_FLAGS, RECORD_KIND, RECORD_NEXT, RECORD_START, RECORD_STRIDE, RECORD_VARIANT, STRING,
  scanAnswerLine,
} from '../../src/io/answer-scanner.js';
import { ANSWER, AnswerReader, Bytes, GOLD, ID, OUTPUT, PROMPT } from '../../src/io/answers.js';
import { nativeAnswerScan } from '../../src/io/native-answer-scan.js';
import { parityRequired } from '../helpers/hf-python.js';
import { lineMutation, lineStyle, lineValues, mutateLine, writeLine } from './answers-arbitrary.js';

const scan = nativeAnswerScan(undefined, '');

const values = lineValues(40);

/** The two scanners on `line` (followed by a line feed and another line, which neither may read). */
function compare(line: string, scanNative: NonNullable<typeof scan>): 'both' | 'typescript only' | 'neither' {
  const buffer = Buffer.from(`${line}\n{"id":"next","variant":0,"prompt":"","output":""}\n`);
  const lineEnd = buffer.indexOf(10);
  const records = new Int32Array(RECORD_STRIDE);
  const nativeAccepts = scanNative(buffer, 0, buffer.length, records) === 1;
  const fields = new AnswerFields();
  const stop = scanAnswerLine(buffer, 0, buffer.length, fields);
  const tsAccepts = stop === lineEnd;
  if (nativeAccepts) {
    expect(tsAccepts).toBe(true);
    expect(records[RECORD_NEXT]).toBe(lineEnd + 1);
    expect(records[RECORD_VARIANT]).toBe(fields.variant);
    for (let f = 0; f < 7; f++) {
      const kind = records[RECORD_KIND + f];
      expect(kind).toBe(fields.kind[f]);
      if (kind === ABSENT) continue;
      expect([records[RECORD_START + f], records[RECORD_END + f]]).toEqual([fields.start[f], fields.end[f]]);
      if (kind === STRING) expect(records[RECORD_FLAGS + f]).toBe(fields.flags[f]);
    }
    return 'both';
  }
  if (tsAccepts) {
    // The one thing the native scanner leaves to TypeScript in a line TypeScript reads: a variant not in plain digits.
    expect(buffer.toString('latin1', fields.start[1], fields.end[1])).not.toMatch(/^\d{1,9}$/);
    return 'typescript only';
  }
  return 'neither';
}

if (scan !== null) {
  const scanNative = scan;
  describe('native answer line scanner', () => {
    it('reads every generated line into the record the TypeScript scanner makes', () => {
      const seen = { both: 0, 'typescript only': 0, neither: 0 };
      fc.assert(
        fc.property(values, lineStyle, (v, style) => {
          const outcome = compare(writeLine(v, style), scanNative);
          seen[outcome]++;
          if (style.numberForm === 0) expect(outcome).toBe('both');
        }),
        { numRuns: 2000 },
      );
      expect(seen.neither).toBe(0);
    });

    it('accepts a mutated line only when the TypeScript scanner does, and then reads it the same', () => {
      const seen = { both: 0, 'typescript only': 0, neither: 0 };
      fc.assert(
        fc.property(values, lineStyle, fc.array(lineMutation, { minLength: 1, maxLength: 3 }), (v, style, mutations) => {
          seen[compare(mutateLine(writeLine(v, style), mutations), scanNative)]++;
        }),
        { numRuns: 3000 },
      );
      // Both kinds of outcome occur, so neither half of the comparison is vacuous.
      expect(seen.both).toBeGreaterThan(30);
      expect(seen.neither).toBeGreaterThan(1000);
    });

    it('scans a run of lines, stops at the first it declines, and fills no more records than given', () => {
      const line = (id: string): string => `{"id":"${id}","variant":0,"prompt":"p","output":"o"}\n`;
      const buffer = Buffer.from(line('a') + line('b') + line('c') + '\n' + line('d'));
      const records = new Int32Array(RECORD_STRIDE * 8);
      expect(scanNative(buffer, 0, buffer.length, records)).toBe(3);
      expect(scanNative(buffer, 0, buffer.length, records.subarray(0, RECORD_STRIDE * 2))).toBe(2);
      const blank = records[2 * RECORD_STRIDE + RECORD_NEXT] as number;
      expect(buffer[blank]).toBe(10);
      expect(scanNative(buffer, blank, buffer.length, records)).toBe(0);
      expect(scanNative(buffer, blank + 1, buffer.length, records)).toBe(1);
      // A final line without a line feed ends at the end of the bytes given.
      expect(scanNative(buffer, blank + 1, buffer.length - 1, records)).toBe(1);
      expect(records[RECORD_NEXT]).toBe(buffer.length - 1);
      expect(() => scanNative(buffer, 0, buffer.length + 1, records)).toThrow(RangeError);
      expect(() => scanNative(buffer, 5, 4, records)).toThrow(RangeError);
    });

    describe('a reader with the native scanner', () => {
      const dir = mkdtempSync(join(tmpdir(), 'w2s-native-scan-'));
      afterAll(() => rmSync(dir, { recursive: true, force: true }));

      /** Every row a reader yields, as the fields a caller reads; or the error it stops with. */
      function readAll(file: string, native: boolean): unknown[] {
        const reader = new AnswerReader(file, { batchScan: native ? scanNative : null });
        const rows: unknown[] = [];
        const bytes = new Bytes();
        try {
          while (reader.next()) {
            const row = reader.row;
            const fields = [ID, PROMPT, OUTPUT, ANSWER, GOLD].map((f) => {
              const kind = row.bytes(f, bytes);
              return [kind, Buffer.from(bytes.buffer.subarray(bytes.start, bytes.end)).toString('latin1')];
            });
            rows.push([row.line, row.variant, reader.bytesRead, row.record(), fields]);
          }
        } catch (error) {
          rows.push((error as Error).message);
        } finally {
          reader.close();
        }
        return rows;
      }

      it('yields the same rows and errors as one without, over files of mixed lines', () => {
        let file = 0;
        fc.assert(
          fc.property(
            fc.array(fc.tuple(values, lineStyle, fc.array(lineMutation, { maxLength: 1 }), fc.constantFrom('\n', '\r\n', '\n\n')), { minLength: 1, maxLength: 40 }),
            fc.boolean(),
            (lines, finalNewline) => {
              let content = lines.map(([v, style, mutations, end]) => mutateLine(writeLine(v, style), mutations) + end).join('');
              if (!finalNewline) content = content.replace(/\r?\n+$/, '');
              const path = join(dir, `answers-${file++}.jsonl`);
              writeFileSync(path, content);
              expect(readAll(path, true)).toEqual(readAll(path, false));
            },
          ),
          { numRuns: 300 },
        );
      });
    });
  });
} else {
  describe('native answer line scanner', () => {
    if (parityRequired) it('is built (W2S_PARITY=require)', () => expect(nativeAnswerScan()).not.toBeNull());
    else it.skip('skipped: the native addon is absent or predates the scanner', () => {});
  });
}
