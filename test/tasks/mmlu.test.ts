import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { loadRecords } from '../../src/datasets/records.js';
import { mmluTask, type MmluRecord } from '../../src/tasks/mmlu.js';
import { FIXTURES, expectBadInput, rowAt } from './helpers.js';

// App. B.2, verbatim from the paper.
const APP_B2 =
  '### Instruction: The following are multiple choice questions about {subject}. In your response, choose an answer ' +
  'from A,B,C,D, and provide a brief explanation on your answer. ### Question: {question}. A. {Option A}. ' +
  'B. {Option B}. C. {Option C}. D. {Option D}. ### Answer:';

const task = mmluTask();

describe('mmlu prompt', () => {
  it('is the App. B.2 prompt for a fixture record, the subject in words', async () => {
    const [record] = (await loadRecords(task, FIXTURES.mmlu.validation.hub)).records as [MmluRecord];
    expect(record.subject).toBe('global_facts');
    const expected = APP_B2.replace('{subject}', 'global facts')
      .replace('{question}', record.question)
      .replace('{Option A}', '10%')
      .replace('{Option B}', '20%')
      .replace('{Option C}', '35%')
      .replace('{Option D}', '50%');
    expect(task.prompt(record)).toBe(expected);
  });

  it('shows a variation the options in its order (App. A: order B, C, A, D)', async () => {
    const [record] = (await loadRecords(task, FIXTURES.mmlu.validation.hub)).records as [MmluRecord];
    for (const v of task.variations(record, 5, new Rng(2))) {
      const [a, b, c, d] = v.choices ?? [];
      expect(v.prompt).toContain(`. A. ${a}. B. ${b}. C. ${c}. D. ${d}. ### Answer:`);
    }
  });
});

describe('mmlu records', () => {
  const hubRow = { question: 'Q?', subject: 'anatomy', choices: ['w', 'x', 'y', 'z'], answer: 2 };

  it('take the gold option from `answer` as an integer, a BigInt or a letter', () => {
    expect(task.fromRow(hubRow, rowAt('f.jsonl', 1)).gold).toBe('y');
    expect(task.fromRow({ ...hubRow, answer: 2n }, rowAt('f.parquet', 1, { format: 'parquet' })).gold).toBe('y');
    expect(task.fromRow({ ...hubRow, answer: 'C' }, rowAt('f.jsonl', 1)).gold).toBe('y');
  });

  it('read the original header-less CSV row, the subject from the file name', () => {
    const row = { question: 'Q?', A: 'w', B: 'x', C: 'y', D: 'z', answer: 'D' };
    const record = task.fromRow(row, rowAt('data/test/college_physics_test.csv', 4, { format: 'csv', split: 'test' }));
    expect(record).toMatchObject({ subject: 'college_physics', choices: ['w', 'x', 'y', 'z'], answer: 3, gold: 'z' });
    expect(record.id).toBe('mmlu/test/college_physics/0');
  });

  it('number questions per subject in their ids', () => {
    const at = rowAt('all/test.jsonl', 1);
    const ids = ['anatomy', 'anatomy', 'virology', 'anatomy'].map((subject, index) => task.fromRow({ ...hubRow, subject }, { ...at, index }).id);
    expect(ids).toEqual(['mmlu/test/anatomy/0', 'mmlu/test/anatomy/1', 'mmlu/test/virology/0', 'mmlu/test/anatomy/2']);
  });

  it('unwrap the `train` struct of the hub auxiliary_train configuration', () => {
    const record = task.fromRow({ train: { ...hubRow, subject: '' } }, rowAt('auxiliary_train/train-00000-of-00001.parquet', 5, { split: 'auxiliary_train', index: 4 }));
    expect(record).toMatchObject({ id: 'mmlu/auxiliary_train/4', subject: '', gold: 'y' });
  });

  it('reject an answer out of range, naming file, line and field', () => {
    expectBadInput(() => task.fromRow({ ...hubRow, answer: 4 }, rowAt('val.jsonl', 7)), 'val.jsonl', 'line 7', 'field "answer"');
    expectBadInput(() => task.fromRow({ question: 'Q', A: 'a', B: 'b', C: 'c', D: 'd', answer: 'E' }, rowAt('x_test.csv', 3, { format: 'csv' })), 'line 3', 'field "answer"');
  });

  it('reject a row with no subject in a file whose name does not tell it', () => {
    const { subject: _subject, ...row } = hubRow;
    expectBadInput(() => task.fromRow(row, rowAt('all/test.jsonl', 12)), 'line 12', 'field "subject"');
  });

  it('reject three options', () => {
    expectBadInput(() => task.fromRow({ ...hubRow, choices: ['a', 'b', 'c'] }, rowAt('t.jsonl', 1)), 'field "choices"');
  });
});

describe('mmlu splits', () => {
  it('keep the original splits, train from auxiliary_train by default or dev as an option', () => {
    expect(task.splitPlan).toEqual({
      train: { kind: 'all', from: 'auxiliary_train' },
      val: { kind: 'all', from: 'validation' },
      test: { kind: 'all', from: 'test' },
    });
    expect(mmluTask({ trainSource: 'dev' }).splitPlan.train).toEqual({ kind: 'all', from: 'dev' });
  });

  it.each([
    ['all/auxiliary_train-00000-of-00001.parquet', 'auxiliary_train'],
    ['all/dev-00000-of-00001.parquet', 'dev'],
    ['data/val/anatomy_val.csv', 'validation'],
    ['data/test/high_school_world_history_test.csv', 'test'],
    ['data/auxiliary_train/arc_easy.csv', 'auxiliary_train'],
  ])('tells %s holds %s', (file, split) => {
    expect(task.sourceSplitOf(file)).toBe(split);
  });
});
