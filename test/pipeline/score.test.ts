import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { W2sError } from '../../src/errors.js';
import { DEFAULT_SELECTION_OPTIONS, selectRows } from '../../src/core/selection.js';
import type { AnswerRecord } from '../../src/core/types.js';
import { score } from '../../src/pipeline/score.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'w2s-score-'));
}

function jsonl(rows: readonly unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

function readJsonl(file: string): unknown[] {
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** 40 questions x 5 variants with a spread of agreement; answers interleaved across questions (not grouped). */
function answers(): AnswerRecord[] {
  const rows: AnswerRecord[] = [];
  for (let v = 0; v < 5; v++) {
    for (let q = 0; q < 40; q++) {
      const agree = q % 5; // how many variants after the first disagree
      const answer = v > 0 && v <= agree ? (q % 7 === 0 && v === 1 ? null : `opt${v}`) : 'opt0';
      rows.push({ id: `q${q}`, variant: v, prompt: `P${q}.${v}`, output: `${answer ?? '???'} because`, answer, gold: q % 3 === 0 ? 'opt1' : 'opt0' });
    }
  }
  return rows;
}

const options = { ...DEFAULT_SELECTION_OPTIONS, seed: 3 };

describe('w2s score pipeline', () => {
  it('writes reliability, SFT sets and a summary equal to the in-memory selection', () => {
    const dir = tmp();
    const input = join(dir, 'answers.jsonl');
    const rows = answers();
    writeFileSync(input, jsonl(rows));
    const out = join(dir, 'out');
    const methods = ['naive', 'filter', 'filter-s', 'reweight', 'reweight-s', 'ceiling', 'majority', 'random', 'consistent', 'filter-reweight'] as const;
    const summary = score({ ...options, input, out, methods });

    const expected = selectRows(rows, methods, options);
    for (const m of methods) expect(readJsonl(join(out, `sft-${m}.jsonl`))).toEqual(expected.rows.get(m));
    expect(summary.tau).toBe(expected.plan.tau);
    expect(summary.questions).toBe(40);
    expect(summary.rows).toBe(200);

    const reliability = readJsonl(join(out, 'reliability.jsonl')) as Array<{ id: string; n: number; entropy: number; kept: boolean; distribution: Array<{ answer: string | null; count: number }> }>;
    expect(reliability).toHaveLength(40);
    const q0 = reliability.find((r) => r.id === 'q0');
    expect(q0).toMatchObject({ n: 5, entropy: 0, kept: true });
    expect(q0?.distribution).toEqual([{ answer: 'opt0', count: 5, p: 1, reliability: 1 }]);
    expect(reliability.filter((r) => r.kept).length).toBe(summary.kept_questions);

    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(summary);
    expect(summary.gold?.questions_with_gold).toBe(40);
    expect(readdirSync(out).sort()).toEqual(['reliability.jsonl', 'summary.json', ...methods.map((m) => `sft-${m}.jsonl`)].sort());
  });

  it('reports weak-label accuracy of kept vs dropped questions and AUROC', () => {
    const dir = tmp();
    const input = join(dir, 'answers.jsonl');
    // Agreeing questions are right, disagreeing ones wrong: the entropy signal is perfect.
    const rows: AnswerRecord[] = [];
    for (let q = 0; q < 10; q++) {
      for (let v = 0; v < 5; v++) {
        const answer = q < 5 ? 'yes' : `no${v}`;
        rows.push({ id: `q${q}`, variant: v, prompt: 'p', output: answer, answer, gold: q < 5 ? 'yes' : 'no0' });
      }
    }
    writeFileSync(input, jsonl(rows));
    const summary = score({ ...options, input, out: join(dir, 'out') });
    expect(summary.gold?.variant0_accuracy).toEqual({ all: 1, kept: 1, dropped: 1 });
    expect(summary.gold?.row_accuracy).toEqual({ all: 0.6, kept: 1, dropped: 0.2 });
    // 25 right rows at S_prob 1; 5 right and 20 wrong rows tie at 0.2: (25 * 20 + 5 * 20 / 2) / (30 * 20).
    expect(summary.gold?.auroc_reliability).toBeCloseTo(550 / 600, 12);
    expect(summary.gold?.auroc_entropy).toBeNull(); // every original-prompt answer is right: no negatives
    expect(summary.sft_rows).toEqual({ naive: 10, 'filter-s': 10, filter: 25, 'reweight-s': 10, reweight: 50, ceiling: 10 });
  });

  it('derives missing answers with a parser', () => {
    const dir = tmp();
    const input = join(dir, 'answers.jsonl');
    writeFileSync(input, jsonl([
      { id: 'a', variant: 0, prompt: 'p', output: 'X is it' },
      { id: 'a', variant: 1, prompt: 'p', output: 'X again' },
      { id: 'b', variant: 0, prompt: 'p', output: '??' },
    ]));
    score({ ...options, input, out: join(dir, 'out'), parseAnswer: (row) => (row.output.startsWith('X') ? 'X' : null) });
    const rel = readJsonl(join(dir, 'out', 'reliability.jsonl')) as Array<{ id: string; distribution: unknown }>;
    expect(rel.find((r) => r.id === 'b')?.distribution).toEqual([{ answer: null, count: 1, p: 1, reliability: 1 }]);
    expect(readJsonl(join(dir, 'out', 'sft-naive.jsonl'))).toEqual([{ id: 'a', prompt: 'p', completion: 'X is it', weight: 1 }]);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', '{"id": "a", "variant": 0,', /line 2: not valid JSON/],
    ['missing field', '{"id": "a", "variant": 1, "prompt": "p", "answer": "x"}', /line 2, field "output": expected a string, missing/],
    ['wrong type', '{"id": "a", "variant": "1", "prompt": "p", "output": "o", "answer": "x"}', /line 2, field "variant": expected a non-negative integer/],
    ['duplicate (id, variant)', '{"id": "a", "variant": 0, "prompt": "p", "output": "o", "answer": "x"}', /line 2, field "variant": duplicate \(id, variant\)/],
    ['missing answer without a task', '{"id": "a", "variant": 1, "prompt": "p", "output": "o"}', /line 2, field "answer": missing \(pass --task/],
    ['two gold answers', '{"id": "a", "variant": 1, "prompt": "p", "output": "o", "answer": "x", "gold": "z"}', /line 2, field "gold": question "a" has two different gold/],
  ];
  it.each(bad)('rejects %s with file, line and field, leaving nothing behind', (_case, secondLine, message) => {
    const dir = tmp();
    const input = join(dir, 'answers.jsonl');
    writeFileSync(input, `{"id": "a", "variant": 0, "prompt": "p", "output": "o", "answer": "x", "gold": "y"}\n${secondLine}\n`);
    const out = join(dir, 'out');
    let error: unknown;
    try {
      score({ ...options, input, out });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(W2sError);
    expect((error as W2sError).exitCode).toBe(2);
    expect((error as Error).message).toContain(input);
    expect((error as Error).message).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects an empty file and keeps an existing output folder untouched on error', () => {
    const dir = tmp();
    const input = join(dir, 'empty.jsonl');
    writeFileSync(input, '\n\n');
    const out = join(dir, 'out');
    writeFileSync(join(dir, 'keep'), '');
    expect(() => score({ ...options, input, out })).toThrow(/the file is empty/);
    expect(existsSync(out)).toBe(false);
  });
});
