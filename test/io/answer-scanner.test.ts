// The byte scanner against JSON.parse: whatever line it accepts, it must read exactly as JSON.parse and the contract's
// checks do; lines it does not understand it must decline (they then take the JSON.parse path).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnswerFields, scanAnswerLine } from '../../src/io/answer-scanner.js';
import { ANSWER, AnswerRow, Bytes, FIELD_ABSENT, FIELD_NULL, GOLD, ID, OUTPUT, PROMPT, parseAnswerLine, type AnswerLine } from '../../src/io/answers.js';
import { lineMutation, lineStyle, lineValues, mutateLine, writeLine } from './answers-arbitrary.js';

const values = lineValues();

/** The contract's fields of a row (a row read by JSON.parse has the others too). */
function contractFields(row: AnswerLine): AnswerLine {
  const { id, variant, prompt, output, answer, gold, choices } = row;
  return Object.fromEntries(Object.entries({ id, variant, prompt, output, answer, gold, choices }).filter(([, v]) => v !== undefined)) as AnswerLine;
}

/** The JSON.parse reading of the line's UTF-8 bytes (as a file holds it): the contract's fields, or the error. */
function reference(line: string): AnswerLine | Error {
  try {
    return contractFields(parseAnswerLine(Buffer.from(line).toString('utf8'), 'f', 1));
  } catch (error) {
    return error as Error;
  }
}

const canonical = (value: string): Buffer => Buffer.from(JSON.stringify(value).slice(1, -1));

/** Loads `line` into the row (which keeps the shape of the lines before): the row, or the error it raised. */
function load(row: AnswerRow, line: string): AnswerRow | Error {
  try {
    expect(row.load(Buffer.from(line), 0, Buffer.byteLength(line), 1)).toBe(true);
    return row;
  } catch (error) {
    return error as Error;
  }
}

function expectSameReading(row: AnswerRow, expected: AnswerLine): void {
  expect(contractFields(row.record())).toEqual(expected);
  expect(row.variant).toBe(expected.variant);
  const bytes = new Bytes();
  for (const [field, value] of [
    [ID, expected.id],
    [PROMPT, expected.prompt],
    [OUTPUT, expected.output],
    [ANSWER, expected.answer],
    [GOLD, expected.gold],
  ] as const) {
    const kind = row.bytes(field, bytes);
    if (typeof value === 'string') expect(Buffer.from(bytes.buffer.subarray(bytes.start, bytes.end))).toEqual(canonical(value));
    else expect(kind).toBe(value === null ? FIELD_NULL : FIELD_ABSENT);
  }
}

describe('answer line scanner', () => {
  it('reads every generated line as JSON.parse does, however it is written', () => {
    const row = new AnswerRow('f');
    fc.assert(
      fc.property(values, lineStyle, (v, style) => {
        const line = writeLine(v, style);
        const expected = reference(line);
        expect(expected).not.toBeInstanceOf(Error);
        expect(load(row, line)).toBe(row);
        // Only escaped keys are left to JSON.parse; the generator writes none.
        expect(row.scanned).toBe(true);
        expectSameReading(row, expected as AnswerLine);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts a mutated line only when JSON.parse and the contract accept it, and then reads it the same', () => {
    const row = new AnswerRow('f');
    let scanned = 0;
    fc.assert(
      fc.property(values, lineStyle, fc.array(lineMutation, { minLength: 1, maxLength: 3 }), (v, style, mutations) => {
        const line = mutateLine(writeLine(v, style), mutations);
        if (line.trim() === '') return;
        const expected = reference(line);
        const read = load(row, line);
        if (expected instanceof Error) expect((read as Error).message).toBe(expected.message);
        else {
          expect(read).toBe(row);
          expectSameReading(row, expected);
          if (row.scanned) scanned++;
        }
      }),
      { numRuns: 3000 },
    );
    // The valid mutants are mostly read by the scanner, so the comparison above is not only JSON.parse against itself.
    expect(scanned).toBeGreaterThan(100);
  });

  it.each([
    ['duplicated keys (the last wins)', '{"id":"a","variant":"x","prompt":1,"output":"o","variant":2,"prompt":"p","answer":"y","answer":null}'],
    ['variant forms', '{"id":"a","variant":1E+1,"prompt":"p","output":"o"}'],
    ['negative zero', '{"id":"a","variant":-0,"prompt":"p","output":"o"}'],
    ['whitespace everywhere', ' \t{ "id" :\t"a" ,\r"variant" : 0 , "prompt" : "" , "output" : "o" , "choices" : [ ] } \t'],
    ['non-canonical escapes', '{"id":"\\u0061","variant":0,"prompt":"\\/\\u00E9\\ud83d\\ude00\\ud800","output":"\\u007f\\u001F","answer":"r\\u0065d"}'],
    ['nested unknown fields', '{"x":{"a":[1,-2.5e-3,{"b":[true,false,null,"\\""]}]},"id":"a","variant":3,"prompt":"p","output":"o","gold":null}'],
  ])('reads %s like JSON.parse', (_case, line) => {
    const row = new AnswerRow('f');
    expect(load(row, line)).toBe(row);
    expect(row.scanned).toBe(true);
    expectSameReading(row, reference(line) as AnswerLine);
  });

  it.each([
    ['a control character inside a string', '{"id":"a\u0001","variant":0,"prompt":"p","output":"o"}'],
    ['an unknown escape', '{"id":"a\\x41","variant":0,"prompt":"p","output":"o"}'],
    ['a short \\u escape', '{"id":"a\\u41","variant":0,"prompt":"p","output":"o"}'],
    ['a leading zero', '{"id":"a","variant":01,"prompt":"p","output":"o"}'],
    ['a fractional variant', '{"id":"a","variant":1.5,"prompt":"p","output":"o"}'],
    ['a negative variant', '{"id":"a","variant":-1,"prompt":"p","output":"o"}'],
    ['an empty id', '{"id":"","variant":0,"prompt":"p","output":"o"}'],
    ['a missing output', '{"id":"a","variant":0,"prompt":"p"}'],
    ['a numeric answer', '{"id":"a","variant":0,"prompt":"p","output":"o","answer":1}'],
    ['choices with a number', '{"id":"a","variant":0,"prompt":"p","output":"o","choices":["x",1]}'],
    ['a trailing comma', '{"id":"a","variant":0,"prompt":"p","output":"o",}'],
    ['text after the object', '{"id":"a","variant":0,"prompt":"p","output":"o"} x'],
    ['an escaped key', '{"\\u0069d":"a","variant":0,"prompt":"p","output":"o"}'],
    ['a blank line', ' \t '],
    ['an array', '[1,2]'],
    ['a truncated line', '{"id":"a","variant":0,"prompt":"p","output":"o'],
  ])('leaves %s to JSON.parse', (_case, line) => {
    // Accepting a line means stopping exactly at its end.
    expect(scanAnswerLine(Buffer.from(line), 0, Buffer.byteLength(line), new AnswerFields())).not.toBe(Buffer.byteLength(line));
  });

  it('never reads past a line feed: given the rest of the buffer, it stops where the line ends, or declines', () => {
    const row = new AnswerRow('f');
    fc.assert(
      fc.property(values, lineStyle, fc.string({ unit: fc.constantFrom(' ', '\t', '\r', 'x', '}') , maxLength: 3 }), values, (v, style, tail, next) => {
        const line = writeLine(v, style) + tail;
        const buffer = Buffer.from(`${line}\n${writeLine(next, style)}\n`);
        const lineEnd = Buffer.byteLength(line);
        const stop = row.scan(buffer, 0, buffer.length, 1);
        const expected = reference(line);
        if (stop >= 0 && buffer[stop] === 10) {
          expect(stop).toBe(lineEnd);
          expectSameReading(row, expected as AnswerLine);
        } else expect(stop < 0 || stop < lineEnd).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('matches a line against the shape of the previous one, and falls back when the shape differs', () => {
    const fields = new AnswerFields();
    const lines = [
      '{"id":"a","variant":0,"prompt":"p","output":"o","answer":"x"}',
      '{"id":"bb","variant":12,"prompt":"longer prompt","output":"","answer":"yy"}',
      '{"id":"c","variant":1,"prompt":"p","output":"o","answer":null}',
      '{"id":"d","variant":2,"prompt":"p","output":"o"}',
      '{"id":"e","variant":3,"prompt":"p","output":"o","answer":"z"}',
    ];
    const row = new AnswerRow('f');
    for (const line of lines) {
      const buffer = Buffer.from(line);
      expect(scanAnswerLine(buffer, 0, buffer.length, fields)).toBe(buffer.length);
      row.load(buffer, 0, buffer.length, 1);
      expectSameReading(row, reference(line) as AnswerLine);
    }
  });
});
