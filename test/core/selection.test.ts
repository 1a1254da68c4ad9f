import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_SELECTION_OPTIONS, SELECTION_METHODS, selectRows, summarizeQuestions, type SelectionMethod } from '../../src/core/selection.js';
import type { AnswerRecord } from '../../src/core/types.js';

/** Five variations per question: answers given per variant; output = "ans:<answer>". */
function question(id: string, answers: (string | null)[], gold = 'g'): AnswerRecord[] {
  return answers.map((answer, variant) => ({ id, variant, prompt: `${id}#${variant}`, output: `out:${answer}`, answer, gold }));
}

const rows = [
  ...question('q1', ['a', 'a', 'a', 'a', 'a'], 'a'), // entropy 0
  ...question('q2', ['a', 'a', 'a', 'a', 'b'], 'b'), // 0.5004
  ...question('q3', ['a', 'b', 'c', 'd', 'e'], 'a'), // 1.6094
  ...question('q4', [null, 'b', 'b', 'c', 'c'], 'c'), // 1.0549
];

function run(method: SelectionMethod, options = DEFAULT_SELECTION_OPTIONS) {
  return selectRows(rows, [method], options, (answer, row) => `render:${answer}@${row.variant}`);
}

describe('selection methods', () => {
  it('naive trains on the original prompt (variant 0) with its raw output', () => {
    const out = run('naive').rows.get('naive');
    expect(out).toEqual([
      { id: 'q1', prompt: 'q1#0', completion: 'out:a', weight: 1 },
      { id: 'q2', prompt: 'q2#0', completion: 'out:a', weight: 1 },
      { id: 'q3', prompt: 'q3#0', completion: 'out:a', weight: 1 },
    ]); // q4's variant 0 is unparseable: never a training target
  });

  it('filter keeps all parseable rows of questions with entropy <= tau (the median)', () => {
    const { plan, rows: out } = run('filter');
    expect(plan.tau).toBeCloseTo((0.5004024235381879 + 1.0549201679861442) / 2, 12);
    expect(out.get('filter')?.map((r) => r.id)).toEqual([...Array(5).fill('q1'), ...Array(5).fill('q2')]);
    expect(out.get('filter')?.every((r) => r.weight === 1)).toBe(true);
  });

  it('reweight keeps every parseable row, weighted by S_prob of its answer', () => {
    const out = run('reweight').rows.get('reweight') ?? [];
    expect(out).toHaveLength(19);
    const q2 = out.filter((r) => r.id === 'q2').map((r) => r.weight);
    expect(q2.slice(0, 4).every((w) => Math.abs(w - 0.9526) < 1e-4)).toBe(true);
    expect(q2[4]).toBeCloseTo(0.0474, 4);
    expect(out.filter((r) => r.id === 'q3').every((r) => Math.abs(r.weight - 0.2) < 1e-12)).toBe(true);
  });

  it('the -s methods draw as many rows as naive has, from their own pools, reproducibly', () => {
    for (const method of ['filter-s', 'reweight-s'] as const) {
      const a = run(method).rows.get(method) ?? [];
      expect(a).toHaveLength(3);
      expect(run(method).rows.get(method)).toEqual(a);
      if (method === 'filter-s') expect(a.every((r) => r.id === 'q1' || r.id === 'q2')).toBe(true);
    }
    const seeds = new Set(Array.from({ length: 20 }, (_, seed) => JSON.stringify(run('reweight-s', { ...DEFAULT_SELECTION_OPTIONS, seed }).rows.get('reweight-s'))));
    expect(seeds.size).toBeGreaterThan(1);
  });

  it('random-s draws as many rows as filter-s has, from the random subset (as many questions as filter keeps), reproducibly', () => {
    for (let seed = 0; seed < 20; seed++) {
      const options = { ...DEFAULT_SELECTION_OPTIONS, seed };
      const { plan, rows: out } = selectRows(rows, ['filter-s', 'random', 'random-s'], options);
      const subset = new Set(out.get('random')?.map((r) => r.id));
      const drawn = out.get('random-s') ?? [];
      expect(drawn).toHaveLength(out.get('filter-s')?.length ?? -1);
      expect(drawn.every((r) => subset.has(r.id))).toBe(true);
      expect([...plan.questions.values()].filter((q) => q.inRandomSubset)).toHaveLength(plan.counts.kept);
      expect(selectRows(rows, ['random-s'], options).rows.get('random-s')).toEqual(drawn);
    }
  });

  it("oracle keeps naive's rows of the questions whose original-prompt answer is the gold answer", () => {
    // q1 and q3 answer their gold "a" to the original prompt; q2 answers "a" against gold "b"; q4's is unparseable.
    expect(run('oracle').rows.get('oracle')).toEqual([
      { id: 'q1', prompt: 'q1#0', completion: 'out:a', weight: 1 },
      { id: 'q3', prompt: 'q3#0', completion: 'out:a', weight: 1 },
    ]);
  });

  it('never keeps a question none of whose answers could be parsed (its entropy is 0)', () => {
    const withNulls = [...rows, ...question('q5', [null, null, null, null, null], 'a')];
    const { plan, rows: out } = selectRows(withNulls, ['filter', 'majority'], DEFAULT_SELECTION_OPTIONS);
    expect(plan.questions.get('q5')?.kept).toBe(false);
    expect(plan.counts.kept).toBe(2);
    expect(out.get('filter')?.some((r) => r.id === 'q5')).toBe(false);
  });

  it('ceiling trains on the gold answer with the original prompt', () => {
    expect(run('ceiling').rows.get('ceiling')?.map((r) => r.completion)).toEqual(['render:a@0', 'render:b@0', 'render:a@0', 'render:c@0']);
  });

  it('majority relabels every row of a kept question with its majority answer', () => {
    const out = run('majority').rows.get('majority') ?? [];
    expect(out.map((r) => r.completion)).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4].map((v) => `render:a@${v}`));
  });

  it('filter-reweight weights the kept rows by S_prob', () => {
    const out = run('filter-reweight').rows.get('filter-reweight') ?? [];
    expect(out).toHaveLength(10);
    expect(out[9]?.weight).toBeCloseTo(0.0474, 4);
  });

  it('consistent trains every variation on the original prompt answer', () => {
    const out = run('consistent').rows.get('consistent') ?? [];
    expect(out.filter((r) => r.id === 'q3').map((r) => r.completion)).toEqual([0, 1, 2, 3, 4].map((v) => `render:a@${v}`));
    expect(out.some((r) => r.id === 'q4')).toBe(false);
  });

  it('random takes all parseable rows of as many random questions as filter keeps', () => {
    for (let seed = 0; seed < 10; seed++) {
      const out = run('random', { ...DEFAULT_SELECTION_OPTIONS, seed }).rows.get('random') ?? [];
      expect(new Set(out.map((r) => r.id)).size).toBe(2);
    }
  });

  it('completion "answer" renders the canonical answer instead of the raw output', () => {
    const out = run('naive', { ...DEFAULT_SELECTION_OPTIONS, completion: 'answer' }).rows.get('naive');
    expect(out?.[0]?.completion).toBe('render:a@0');
  });

  it('never trains on an unparseable answer, whatever the data', () => {
    const answer = fc.constantFrom('x', 'y', 'z', null);
    fc.assert(
      fc.property(fc.array(fc.array(answer, { minLength: 5, maxLength: 5 }), { minLength: 1, maxLength: 8 }), (qs) => {
        const data = qs.flatMap((answers, i) => question(`q${i}`, answers));
        const methods = SELECTION_METHODS.filter((m) => !['majority', 'consistent', 'ceiling'].includes(m));
        const { rows: out } = selectRows(data, methods);
        for (const m of methods) for (const r of out.get(m) ?? []) expect(r.completion).not.toBe('out:null');
      }),
    );
  });

  it('gives every question the same summary whatever the row order', () => {
    const reversed = summarizeQuestions(rows.slice().reverse());
    const forward = summarizeQuestions(rows);
    for (const s of forward) expect(reversed.find((r) => r.id === s.id)).toEqual(s);
  });
});
