// The three row readers: JSON Lines, CSV and parquet, on fixtures and on broken files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { readCsvRows } from '../../src/datasets/csv.js';
import { readJsonlRows, type RawRow } from '../../src/io/jsonl.js';
import { readParquetRows } from '../../src/datasets/parquet.js';
import { FIXTURES, expectBadInputAsync } from '../tasks/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'w2s-readers-'));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function all(rows: AsyncGenerator<RawRow>): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

describe('readJsonlRows', () => {
  it('yields one object per non-blank line with its line number', async () => {
    const rows = await all(readJsonlRows(file('a.jsonl', '{"x":1}\n\n{"x":2}\r\n{"x":3}')));
    expect(rows).toEqual([
      { row: { x: 1 }, line: 1 },
      { row: { x: 2 }, line: 3 },
      { row: { x: 3 }, line: 4 },
    ]);
  });

  it('names the file and line of a line that is not JSON', async () => {
    const path = file('bad.jsonl', '{"x":1}\n{"x":\n');
    await expectBadInputAsync(() => all(readJsonlRows(path)), path, 'line 2', 'not valid JSON');
  });

  it('names the line of a JSON value that is not an object', async () => {
    const path = file('array.jsonl', '{"x":1}\n[1,2]\n');
    await expectBadInputAsync(() => all(readJsonlRows(path)), 'line 2', 'JSON object');
  });
});

describe('readCsvRows', () => {
  it('reads a header-less file by the given columns', async () => {
    const rows = await all(readCsvRows(FIXTURES.mmlu.dev.original[0], ['question', 'A', 'B', 'C', 'D', 'answer']));
    expect(rows).toHaveLength(5);
    expect(Object.keys(rows[0]?.row ?? {})).toEqual(['question', 'A', 'B', 'C', 'D', 'answer']);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reads the header line and gives each record the line it starts on, quoted line breaks included', async () => {
    const rows = await all(readCsvRows(file('h.csv', 'label,input\n0,"a\nb\nc"\n\n1,"say ""hi"", then go"\n1,x\n')));
    expect(rows).toEqual([
      { row: { label: '0', input: 'a\nb\nc' }, line: 2 },
      { row: { label: '1', input: 'say "hi", then go' }, line: 6 },
      { row: { label: '1', input: 'x' }, line: 7 },
    ]);
  });

  it('finds the start lines of the multi-line stories of the ETHICS fixture', async () => {
    const rows = await all(readCsvRows(FIXTURES.ethics.validation.original));
    expect(rows).toHaveLength(20);
    const long = rows.find((r) => r.row.is_short === 'False') as RawRow;
    expect(long.line).toBe(14);
    const after = rows[rows.indexOf(long) + 1] as RawRow;
    expect(after.line).toBe(long.line + (long.row.input as string).split('\n').length);
  });

  it('names the file and line of a record with the wrong number of fields', async () => {
    const path = file('ragged.csv', 'label,input\n0,a\n1\n');
    await expectBadInputAsync(() => all(readCsvRows(path)), path, 'line 3', 'not valid CSV');
  });

  it('names an unclosed quote', async () => {
    const path = file('quote.csv', 'label,input\n0,"open\n');
    await expectBadInputAsync(() => all(readCsvRows(path)), 'not valid CSV', 'Quote');
  });
});

describe('readParquetRows', () => {
  it('reads the hub-shaped fixtures: INT64 as numbers, lists as arrays, row numbers as lines', async () => {
    const mmlu = await all(readParquetRows(FIXTURES.mmlu.validation.parquet));
    expect(mmlu).toHaveLength(21);
    expect(mmlu[0]).toEqual({
      row: {
        question: 'As of 2014, about what percentage of primary aged children in Sub-Saharan Africa were out-of-school?',
        subject: 'global_facts',
        choices: ['10%', '20%', '35%', '50%'],
        answer: 1,
      },
      line: 1,
    });
    expect(mmlu[20]?.line).toBe(21);
    const ethics = await all(readParquetRows(FIXTURES.ethics.validation.parquet));
    expect(ethics[0]?.row).toEqual({ label: 0, input: 'I told my baby I loved her when she cried.', is_short: true, edited: false });
  });

  it('refuses an INT64 too large to read exactly, naming the row and column', async () => {
    const buffer = parquetWriteBuffer({ columnData: [{ name: 'answer', data: [1n, 2n ** 60n], type: 'INT64' }] });
    const path = file('big.parquet', new Uint8Array(buffer));
    await expectBadInputAsync(() => all(readParquetRows(path)), 'line 2', 'field "answer"', 'too large');
  });

  it('reads every row group in order', async () => {
    const buffer = parquetWriteBuffer({ columnData: [{ name: 'n', data: Array.from({ length: 25 }, (_, i) => i), type: 'INT32' }], rowGroupSize: 10 });
    const rows = await all(readParquetRows(file('groups.parquet', new Uint8Array(buffer))));
    expect(rows.map((r) => r.row.n)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(rows.map((r) => r.line)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('says when a file is not parquet', async () => {
    const path = file('fake.parquet', 'not parquet at all');
    await expectBadInputAsync(() => all(readParquetRows(path)), path, 'not a parquet file');
  });
});

describe('a byte-order mark', () => {
  it('is named, with the file and line, when a JSON Lines file starts with one', async () => {
    const file = join(dir, 'bom.jsonl');
    writeFileSync(file, `\uFEFF${JSON.stringify({ a: 1 })}\n`);
    await expect(async () => {
      for await (const row of readJsonlRows(file)) void row;
    }).rejects.toThrow(/bom\.jsonl, line 1: the file starts with a byte-order mark \(U\+FEFF\)/);
  });
});
