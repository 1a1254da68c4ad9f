import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { loadRecords, loadSourceSplits } from '../../src/datasets/records.js';
import { indicesOf, materialiseSplits } from '../../src/datasets/splits.js';
import { getTask } from '../../src/tasks/registry.js';
import type { Question } from '../../src/tasks/types.js';
import { FIXTURES, expectBadInput } from '../tasks/helpers.js';

function questions(split: string, n: number): Question[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${split}/${i}`, gold: null }));
}

function ids(records: readonly Question[]): string[] {
  return records.map((r) => r.id);
}

describe('materialiseSplits at the paper sizes (App. B)', () => {
  it('HellaSwag: 5,000 sampled from train, validation cut into 5,000 + 5,000', () => {
    const splits = materialiseSplits(getTask('hellaswag'), { train: questions('train', 39_905), validation: questions('validation', 10_042) }, 1);
    expect([splits.train.length, splits.val.length, splits.test.length]).toEqual([5000, 5000, 5000]);
    const test = new Set(ids(splits.test));
    expect(ids(splits.val).filter((id) => test.has(id))).toEqual([]);
  });

  it('ETHICS: train halved into 6,955 + 6,955, the original test set as test', () => {
    const splits = materialiseSplits(getTask('ethics'), { train: questions('train', 13_910), validation: questions('validation', 3885) }, 1);
    expect([splits.train.length, splits.val.length, splits.test.length]).toEqual([6955, 6955, 3885]);
    expect(new Set([...ids(splits.train), ...ids(splits.val)]).size).toBe(13_910);
    expect(ids(splits.test)).toEqual(ids(questions('validation', 3885)));
  });

  it('GSM8K: train halved (3,736 + 3,737), test as is', () => {
    const splits = materialiseSplits(getTask('gsm8k'), { train: questions('train', 7473), test: questions('test', 1319) }, 1);
    expect([splits.train.length, splits.val.length, splits.test.length]).toEqual([3736, 3737, 1319]);
  });

  it('MMLU: the original splits as they are', () => {
    const sources = { auxiliary_train: questions('aux', 30), dev: questions('dev', 5), validation: questions('validation', 11), test: questions('test', 20) };
    const splits = materialiseSplits(getTask('mmlu'), sources, 1);
    expect(splits).toEqual({ train: sources.auxiliary_train, val: sources.validation, test: sources.test });
    expect(materialiseSplits(getTask('mmlu', { mmluTrainSource: 'dev' }), sources, 1).train).toEqual(sources.dev);
  });

  it('scales down to small sources: all of a short train, floor(n/2) per half', () => {
    const splits = materialiseSplits(getTask('hellaswag'), { train: questions('train', 11), validation: questions('validation', 21) }, 1);
    expect([splits.train.length, splits.val.length, splits.test.length]).toEqual([11, 10, 10]);
  });

  it('names a missing source split', () => {
    expectBadInput(() => materialiseSplits(getTask('gsm8k'), { train: questions('train', 4) }, 1), 'gsm8k needs its "test" split', 'field "test"');
  });
});

describe('materialiseSplits on the fixtures', () => {
  async function ethicsSources(): Promise<Record<string, Question[]>> {
    // The fixtures ship no excerpt of ETHICS train (see fixtures/README.md): the original test excerpt stands in as
    // the source that gets halved, which is what is under test here.
    const test = await loadRecords(getTask('ethics'), FIXTURES.ethics.validation.original);
    return { train: test.records, validation: test.records };
  }

  it('gives the same ids for the same seed and different ids for another seed', async () => {
    const task = getTask('hellaswag');
    const sources = await loadSourceSplits(task, [FIXTURES.hellaswag.train.hub, FIXTURES.hellaswag.validation.hub]);
    const a = materialiseSplits(task, sources, 42);
    const b = materialiseSplits(task, sources, 42);
    expect(ids(a.val)).toEqual(ids(b.val));
    expect(ids(a.test)).toEqual(ids(b.test));
    const others = [1, 2, 3, 4, 5].map((seed) => ids(materialiseSplits(task, sources, seed).val).join());
    expect(others.some((other) => other !== ids(a.val).join())).toBe(true);
  });

  it('halves ETHICS train into disjoint parts covering it, in source order', async () => {
    const sources = await ethicsSources();
    const splits = materialiseSplits(getTask('ethics'), sources, 'seed');
    expect(splits.train).toHaveLength(10);
    expect(splits.val).toHaveLength(10);
    expect(new Set([...ids(splits.train), ...ids(splits.val)])).toEqual(new Set(ids(sources.train ?? [])));
    const position = (id: string) => ids(sources.train ?? []).indexOf(id);
    expect(ids(splits.train).map(position)).toEqual([...ids(splits.train).map(position)].sort((x, y) => x - y));
  });

  it('gives the same splits from the parquet and the original files', async () => {
    const task = getTask('gsm8k');
    const hub = await loadSourceSplits(task, [FIXTURES.gsm8k.train.parquet, FIXTURES.gsm8k.test.parquet]);
    const original = await loadSourceSplits(task, [FIXTURES.gsm8k.train.original, FIXTURES.gsm8k.test.original]);
    expect(materialiseSplits(task, hub, 7)).toEqual(materialiseSplits(task, original, 7));
  });
});

describe('indicesOf (property)', () => {
  it('cuts a source into two disjoint halves of the documented sizes, ascending', () => {
    fc.assert(
      fc.property(fc.nat(300), fc.integer(), fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }), (n, seed, size) => {
        const half = (part: 0 | 1) => indicesOf({ kind: 'half', from: 's', part, size }, n, Rng.derive(seed, 't/s'));
        const [first, second] = [half(0), half(1)];
        const floor = Math.floor(n / 2);
        expect(first.length).toBe(size === undefined ? floor : Math.min(size, floor));
        expect(second.length).toBe(size === undefined ? n - floor : Math.min(size, floor));
        expect(first.filter((i) => second.includes(i))).toEqual([]);
        for (const part of [first, second]) {
          expect(part).toEqual([...part].sort((x, y) => x - y));
          expect(part.every((i) => Number.isInteger(i) && i >= 0 && i < n)).toBe(true);
        }
      }),
    );
  });

  it('samples min(size, n) distinct indices', () => {
    fc.assert(
      fc.property(fc.nat(300), fc.integer({ min: 1, max: 400 }), fc.integer(), (n, size, seed) => {
        const chosen = indicesOf({ kind: 'sample', from: 's', size }, n, new Rng(seed));
        expect(chosen).toHaveLength(Math.min(size, n));
        expect(new Set(chosen).size).toBe(chosen.length);
      }),
    );
  });
});
