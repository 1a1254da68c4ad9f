// loadRecords on every fixture format: the same data read from the hub's parquet, JSON Lines with the hub's field
// names, and the original releases gives the same records with the same ids.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsvRows } from '../../src/datasets/csv.js';
import { formatOf, loadRecords, loadSourceSplits } from '../../src/datasets/records.js';
import { getTask } from '../../src/tasks/registry.js';
import { FIXTURES, expectBadInput, expectBadInputAsync } from '../tasks/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'w2s-records-'));

describe('loadRecords gives equal records from every format', () => {
  const cases: [string, string, Record<string, string | readonly string[]>][] = [
    ['hellaswag', 'train', FIXTURES.hellaswag.train],
    ['hellaswag', 'validation', FIXTURES.hellaswag.validation],
    ['mmlu', 'dev', FIXTURES.mmlu.dev],
    ['mmlu', 'validation', FIXTURES.mmlu.validation],
    ['mmlu', 'test', FIXTURES.mmlu.test],
    ['ethics', 'validation', FIXTURES.ethics.validation],
    ['gsm8k', 'train', FIXTURES.gsm8k.train],
    ['gsm8k', 'test', FIXTURES.gsm8k.test],
  ];

  it.each(cases)('%s %s', async (name, split, files) => {
    const task = getTask(name);
    const loaded = await Promise.all(Object.values(files).map((f) => loadRecords(task, f)));
    expect(loaded.length).toBeGreaterThanOrEqual(2);
    for (const { split: found, records } of loaded) {
      expect(found).toBe(split);
      expect(records.length).toBeGreaterThanOrEqual(10);
      expect(records).toEqual(loaded[0]?.records);
    }
    const ids = loaded[0]?.records.map((r) => r.id) ?? [];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id.startsWith(`${name}/${split}/`))).toBe(true);
  });

  it('numbers MMLU questions per subject over the per-subject files', async () => {
    const { records } = await loadRecords(getTask('mmlu'), FIXTURES.mmlu.validation.original);
    expect(records.map((r) => r.id).slice(9, 12)).toEqual([
      'mmlu/validation/global_facts/9',
      'mmlu/validation/high_school_computer_science/0',
      'mmlu/validation/high_school_computer_science/1',
    ]);
  });

  it('keeps numbering across the files of one split', async () => {
    const task = getTask('gsm8k');
    const { records } = await loadRecords(task, [FIXTURES.gsm8k.train.original, FIXTURES.gsm8k.train.parquet]);
    expect(records).toHaveLength(40);
    expect(records[20]?.id).toBe('gsm8k/train/20');
    expect(records[20]?.gold).toBe(records[0]?.gold);
  });
});

describe('loadRecords tells the split and the format', () => {
  it('takes the split from the options when the name does not tell it', async () => {
    const path = join(dir, 'problems.jsonl');
    copyFileSync(FIXTURES.gsm8k.test.original, path);
    await expectBadInputAsync(() => loadRecords(getTask('gsm8k'), path), path, 'cannot tell which gsm8k split', 'train, test');
    expect((await loadRecords(getTask('gsm8k'), path, { split: 'test' })).records[0]?.id).toBe('gsm8k/test/0');
  });

  it('refuses a split the task does not have', async () => {
    await expectBadInputAsync(() => loadRecords(getTask('gsm8k'), FIXTURES.gsm8k.test.original, { split: 'validation' }), 'no split "validation"', 'field "split"');
  });

  it('refuses files of different splits loaded as one', async () => {
    const task = getTask('gsm8k');
    await expectBadInputAsync(() => loadRecords(task, [FIXTURES.gsm8k.train.original, FIXTURES.gsm8k.test.original]), FIXTURES.gsm8k.test.original, 'one split at a time');
  });

  it('knows formats by extension and refuses others', () => {
    expect(formatOf('a/train.JSONL')).toBe('jsonl');
    expect(formatOf('a/train.json')).toBe('jsonl');
    expect(formatOf('a/cm_train.csv')).toBe('csv');
    expect(formatOf('a/train-00000-of-00001.parquet')).toBe('parquet');
    expectBadInput(() => formatOf('train.xlsx'), 'train.xlsx', 'unknown data file type ".xlsx"');
  });

  it('groups files by split with loadSourceSplits', async () => {
    const sources = await loadSourceSplits(getTask('hellaswag'), [FIXTURES.hellaswag.train.parquet, FIXTURES.hellaswag.validation.original]);
    expect(Object.keys(sources).sort()).toEqual(['train', 'validation']);
    expect(sources.train).toHaveLength(11);
    expect(sources.validation).toHaveLength(20);
  });
});

describe('loadRecords on bad input names file, line and field', () => {
  it('in a CSV record after one that spans lines', async () => {
    const rows: { line: number; row: Record<string, unknown> }[] = [];
    for await (const row of readCsvRows(FIXTURES.ethics.validation.original)) rows.push(row);
    const firstLong = rows.findIndex((r) => r.row.is_short === 'False');
    const target = rows[firstLong + 1]?.line as number;
    const lines = readFileSync(FIXTURES.ethics.validation.original, 'utf8').split('\n');
    lines[target - 1] = `7${(lines[target - 1] as string).slice(1)}`;
    const path = join(dir, 'cm_test.csv');
    writeFileSync(path, lines.join('\n'));
    await expectBadInputAsync(() => loadRecords(getTask('ethics'), path), path, `line ${target}`, 'field "label"');
  });

  it('in a parquet row', async () => {
    await expectBadInputAsync(() => loadRecords(getTask('hellaswag'), FIXTURES.mmlu.validation.parquet), 'line 1', 'field "ctx"', 'missing');
  });

  it('in a JSON Lines row', async () => {
    const path = join(dir, 'validation.jsonl');
    writeFileSync(path, `${readFileSync(FIXTURES.hellaswag.validation.hub, 'utf8').split('\n').slice(0, 2).join('\n')}\n{"ctx":"c","endings":["a"],"label":"0"}\n`);
    await expectBadInputAsync(() => loadRecords(getTask('hellaswag'), path), path, 'line 3', 'field "endings"');
  });
});
