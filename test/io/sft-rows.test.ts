import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSftRows } from '../../src/io/sft-rows.js';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'w2s-sft-')), 'rows.jsonl');
  writeFileSync(path, text);
  return path;
}

describe('readSftRows', () => {
  it('reads every row, skipping blank lines and extra fields', () => {
    const path = file('{"id":"a","prompt":"p","completion":" c","weight":1,"method":"naive"}\n\n{"id":"b","prompt":"","completion":"","weight":0}\r\n');
    expect(readSftRows(path)).toEqual([
      { id: 'a', prompt: 'p', completion: ' c', weight: 1 },
      { id: 'b', prompt: '', completion: '', weight: 0 },
    ]);
  });

  it.each([
    ['{"id":"a","prompt":"p","completion":"c"}', 'weight', 'expected a finite number >= 0, missing'],
    ['{"id":"a","prompt":"p","completion":"c","weight":-0.5}', 'weight', 'expected a finite number >= 0, got -0.5'],
    ['{"id":"a","prompt":"p","completion":"c","weight":"1"}', 'weight', 'expected a finite number >= 0, got "1"'],
    ['{"id":"","prompt":"p","completion":"c","weight":1}', 'id', 'expected a non-empty string, got ""'],
    ['{"id":"a","prompt":3,"completion":"c","weight":1}', 'prompt', 'expected a string, got 3'],
    ['{"id":"a","prompt":"p","completion":null,"weight":1}', 'completion', 'expected a string, got null'],
  ])('names the file, line and field of a bad row: %s', (bad, field, message) => {
    const path = file(`{"id":"ok","prompt":"p","completion":"c","weight":1}\n${bad}\n`);
    expect(() => readSftRows(path)).toThrow(`${path}, line 2, field "${field}": ${message}`);
  });

  it('refuses a line that is not a JSON object, an empty file and a missing file', () => {
    const notJson = file('{"id":"a","prompt":"p","completion":"c","weight":1}\n{oops\n');
    expect(() => readSftRows(notJson)).toThrow(new RegExp(`^${notJson}, line 2: not valid JSON`));
    expect(() => readSftRows(file('[1]\n'))).toThrow(/line 1: expected a JSON object/);
    const empty = file('\n\n');
    expect(() => readSftRows(empty)).toThrow(`${empty}: the file holds no rows`);
    expect(() => readSftRows('/no/such/rows.jsonl')).toThrow('/no/such/rows.jsonl: no such file');
  });
});
