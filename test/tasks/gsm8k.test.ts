import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import type { ParaphraseProvider } from '../../src/core/variations.js';
import { loadRecords } from '../../src/datasets/records.js';
import { gsm8kGold, gsm8kTask, type Gsm8kRecord } from '../../src/tasks/gsm8k.js';
import { FIXTURES, expectBadInput, rowAt } from './helpers.js';

// App. B.4, verbatim from the paper.
const APP_B4 =
  '### Instruction: The following is a grade-school level math question. In your response, provide the numerical ' +
  'answer in the first line, and then provide a brief explanation in the second line. Question: {question}. ### Answer:';

const task = gsm8kTask();

async function train(): Promise<Gsm8kRecord[]> {
  return (await loadRecords(task, FIXTURES.gsm8k.train.original)).records;
}

describe('gsm8k parser', () => {
  it.each([
    ['$1,234', '1234'],
    ['3.0', '3'],
    ['-5', '-5'],
    ['12 apples', '12'],
    ['2.50', '2.5'],
    ['The answer is 18.\nShe sells 9 eggs.', '18'],
    ['\n  $0.50 per egg', '0.5'],
    ['-$20', '-20'],
    ['1,080', '1080'],
    ['0', '0'],
    ['-0.0', '0'],
    ['007', '7'],
    ['.75 of them', '0.75'],
  ])('reads %j as %s', (output, number) => {
    expect(task.parseAnswer(output, {})).toBe(number);
  });

  it.each([[''], ['No idea.\n42'], ['twelve'], ['\n\n']])('gives null for %j', (output) => {
    expect(task.parseAnswer(output, {})).toBeNull();
  });

  it('reads a hyphenated word as no minus sign', () => {
    expect(task.parseAnswer('COVID-19 cases: 7', {})).toBe('19');
  });

  it('reads back any integer written with thousands commas and a dollar sign (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (k) => {
        const written = `${k < 0 ? '-' : ''}$${Math.abs(k).toLocaleString('en-US')}`;
        expect(task.parseAnswer(written, {})).toBe(String(k));
        expect(task.parseAnswer(task.renderAnswer(String(k), {}), {})).toBe(String(k));
      }),
    );
  });

  it('reads trailing decimal zeros as the same number (property)', () => {
    fc.assert(
      fc.property(fc.nat(1e6), fc.nat(5), (k, zeros) => {
        expect(task.parseAnswer(`${k}.${'0'.repeat(zeros + 1)}`, {})).toBe(String(k));
      }),
    );
  });
});

describe('gsm8k gold', () => {
  it('is the number after ####, commas removed', async () => {
    const records = await train();
    expect(records[0]?.gold).toBe('72');
    const withCommas = records.find((r) => r.answer.includes('#### 1,080')) as Gsm8kRecord;
    expect(withCommas.gold).toBe('1080');
    const test = (await loadRecords(task, FIXTURES.gsm8k.test.original)).records;
    expect(test.find((r) => r.answer.endsWith('#### -10'))?.gold).toBe('-10');
  });

  it('is null when the solution has no #### line', () => {
    expect(gsm8kGold('She has 5 apples.')).toBeNull();
    expect(task.fromRow({ question: 'q', answer: 'no final line' }, rowAt('train.jsonl', 3)).gold).toBeNull();
  });

  it('gives a completion with the number on the first line and the solution without its #### line', async () => {
    for (const record of await train()) {
      const completion = task.goldCompletion(record) as string;
      expect(completion.split('\n')[0]).toBe(` ${record.gold}`);
      expect(completion).not.toContain('####');
      expect(task.parseAnswer(completion, {})).toBe(record.gold);
    }
  });

  it('reject a row without a question, naming file, line and field', () => {
    expectBadInput(() => task.fromRow({ answer: '#### 3' }, rowAt('train.jsonl', 5)), 'train.jsonl', 'line 5', 'field "question"');
  });
});

describe('gsm8k prompt and variations', () => {
  it('is the App. B.4 prompt for a fixture record', async () => {
    const [record] = (await train()) as [Gsm8kRecord];
    expect(task.prompt(record)).toBe(APP_B4.replace('{question}', record.question));
  });

  it('are N distinct paraphrase prompts, variant 0 the original, deterministic given the seed', async () => {
    for (const record of await train()) {
      const variations = task.variations(record, 5, new Rng(9));
      expect(variations[0]?.prompt).toBe(task.prompt(record));
      expect(new Set(variations.map((v) => v.prompt)).size).toBe(5);
      expect(task.variations(record, 5, new Rng(9))).toEqual(variations);
    }
  });

  it('come from the provider through variationTexts', async () => {
    const provider: ParaphraseProvider = {
      name: 'fixed',
      paraphrase: (question, n) => Promise.resolve(Array.from({ length: n }, (_, i) => `${question} (${i + 1})`)),
    };
    const custom = gsm8kTask({ paraphraser: provider });
    const [record] = (await train()) as [Gsm8kRecord];
    const texts = await custom.variationTexts?.(record, 3, new Rng(1));
    expect(texts).toEqual([record.question, `${record.question} (1)`, `${record.question} (2)`]);
    const variations = custom.variations(record, 3, new Rng(1), texts);
    expect(variations.map((v) => v.prompt)).toEqual((texts ?? []).map((t) => APP_B4.replace('{question}', t)));
    expect(() => custom.variations(record, 3, new Rng(1))).toThrow(/variationTexts/);
  });

  it('refuse paraphrases that repeat a text', async () => {
    const repeating: ParaphraseProvider = { name: 'echo', paraphrase: (question, n) => Promise.resolve(Array(n).fill(question)) };
    const [record] = (await train()) as [Gsm8kRecord];
    await expect(gsm8kTask({ paraphraser: repeating }).variationTexts?.(record, 3, new Rng(1))).rejects.toThrow(/same/);
  });
});
