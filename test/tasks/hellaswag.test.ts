import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { loadRecords } from '../../src/datasets/records.js';
import { hellaswagTask, type HellaSwagRecord } from '../../src/tasks/hellaswag.js';
import { FIXTURES, expectBadInput, rowAt } from './helpers.js';

// App. B.1, verbatim from the paper.
const APP_B1 =
  '### Instruction: Choose an appropriate ending for the provided sentence based on your commonsense knowledge. ' +
  'In your response, choose an answer from A,B,C,D, and then provide a brief explanation. Sentence: {ctx}. ' +
  'Choices: A. {endings[0]} B. {endings[1]} C. {endings[2]} D. {endings[3]}. ### Answer:';

const task = hellaswagTask();

async function validation(): Promise<HellaSwagRecord[]> {
  return (await loadRecords(task, FIXTURES.hellaswag.validation.hub)).records;
}

describe('hellaswag prompt', () => {
  it('is the App. B.1 prompt for a fixture record', async () => {
    const record = (await validation())[0] as HellaSwagRecord;
    const expected = APP_B1.replace('{ctx}', record.ctx)
      .replace('{endings[0]}', record.endings[0] as string)
      .replace('{endings[1]}', record.endings[1] as string)
      .replace('{endings[2]}', record.endings[2] as string)
      .replace('{endings[3]}', record.endings[3] as string);
    expect(record.ctx).toBe('Pole vault is a sport where you run with a pole and stop and swing your body. a few women');
    expect(task.prompt(record)).toBe(expected);
  });
});

describe('hellaswag records', () => {
  it('take the gold answer from the labelled ending', async () => {
    const record = (await validation())[0] as HellaSwagRecord;
    expect(record.label).toBe(3);
    expect(record.gold).toBe('are in the gym practicing to do this pole vault, trying to do their best.');
  });

  it('have no gold answer in the unlabelled test split (label "")', () => {
    const row = { ctx: 'A man is sitting on a roof. he', endings: ['a', 'b', 'c', 'd'], label: '' };
    expect(task.fromRow(row, rowAt('test.jsonl', 1)).gold).toBeNull();
  });

  it('read the label as the hub writes it (string) and as the original release does (integer)', () => {
    const base = { ctx: 'c', endings: ['a', 'b', 'c', 'd'] };
    expect(task.fromRow({ ...base, label: '2' }, rowAt('f', 1)).gold).toBe('c');
    expect(task.fromRow({ ...base, label: 2 }, rowAt('f', 1)).gold).toBe('c');
  });

  it('reject a label out of range, naming file, line and field', () => {
    expectBadInput(() => task.fromRow({ ctx: 'c', endings: ['a', 'b', 'c', 'd'], label: '4' }, rowAt('val.jsonl', 9)), 'val.jsonl', 'line 9', 'field "label"');
  });

  it('reject endings that are not four', () => {
    expectBadInput(() => task.fromRow({ ctx: 'c', endings: ['a', 'b', 'c'], label: 0 }, rowAt('val.jsonl', 2)), 'line 2', 'field "endings"', '4');
  });

  it('reject a missing context', () => {
    expectBadInput(() => task.fromRow({ endings: ['a', 'b', 'c', 'd'], label: 0 }, rowAt('val.jsonl', 3)), 'field "ctx"', 'missing');
  });
});

describe('hellaswag variations', () => {
  it('are N = 5 distinct option orders, variant 0 the original prompt, choices matching the prompt text', async () => {
    const record = (await validation())[1] as HellaSwagRecord;
    const variations = task.variations(record, task.defaultVariations, new Rng(11));
    expect(variations).toHaveLength(5);
    expect(variations[0]?.prompt).toBe(task.prompt(record));
    expect(new Set(variations.map((v) => v.prompt)).size).toBe(5);
    for (const v of variations) {
      const [a, b, c, d] = v.choices ?? [];
      expect(v.prompt).toContain(`Choices: A. ${a} B. ${b} C. ${c} D. ${d}. ### Answer:`);
    }
  });

  it('map an answer letter back to the same ending whatever the order', async () => {
    const record = (await validation())[2] as HellaSwagRecord;
    for (const v of task.variations(record, 5, new Rng(5))) {
      const letter = 'ABCD'[(v.choices ?? []).indexOf(record.gold as string)];
      expect(task.parseAnswer(`${letter}. I think so.`, v)).toBe(record.gold);
    }
  });

  it('render the gold completion so that the parser reads it back', async () => {
    for (const record of await validation()) {
      const completion = task.goldCompletion(record) as string;
      expect(task.parseAnswer(completion, { choices: record.endings })).toBe(record.gold);
    }
  });
});

describe('hellaswag source splits', () => {
  it.each([
    ['data/train-00000-of-00001.parquet', 'train'],
    ['data/validation-00000-of-00001.parquet', 'validation'],
    ['hellaswag_val.jsonl', 'validation'],
    ['hellaswag_test.jsonl', 'test'],
    ['default/train/0000.parquet', 'train'],
    ['mystery.jsonl', undefined],
  ])('tells %s holds %s', (file, split) => {
    expect(task.sourceSplitOf(file)).toBe(split);
  });
});
