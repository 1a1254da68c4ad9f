// `w2s eval`'s stage code: test accuracy from answers files follows the same rule as core/metrics `accuracy` (the
// one `w2s run` uses), and the table orders weak, weak-to-strong models, ceiling with PGR for the middle rows.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accuracy } from '../../src/core/metrics.js';
import { evalTable } from '../../src/eval/table.js';
import { testAccuracy } from '../../src/eval/test-accuracy.js';
import { W2sError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'w2s-eval-table-'));

/** Writes variant-0 rows with these answers against gold `g<i>`; returns the file. */
function answersFile(name: string, answers: readonly (string | null)[]): string {
  const file = join(dir, name);
  const rows = answers.map((answer, i) => JSON.stringify({ id: `q${i}`, variant: 0, prompt: 'p', output: 'o', answer, gold: `g${i}` }));
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

describe('eval', () => {
  it('scores an answers file exactly as core accuracy scores the same predictions (unparseable answers are wrong)', () => {
    const predictions = ['g0', null, 'g2', 'x', 'g4', null, 'g6'];
    const golds = predictions.map((_, i) => `g${i}`);
    const result = testAccuracy(answersFile('mixed.jsonl', predictions));
    expect(result).toMatchObject({ questions: 7, correct: 4, unparseable: 2 });
    expect(result.accuracy).toBe(accuracy(predictions, golds));
  });

  it('lists weak, the weak-to-strong models in the order given, then the ceiling, with PGR where it is defined', () => {
    const weak = answersFile('weak.jsonl', ['g0', 'x', 'x', 'x']);
    const ceiling = answersFile('ceiling.jsonl', ['g0', 'g1', 'g2', 'x']);
    const b = answersFile('b.jsonl', ['g0', 'g1', 'x', 'x']);
    const a = answersFile('a.jsonl', ['x', 'x', 'x', 'x']);
    const rows = evalTable({ weak, ceiling, strong: [{ name: 'b', path: b }, { name: 'a', path: a }] });
    expect(rows.map((r) => r.model)).toEqual(['weak', 'b', 'a', 'ceiling']);
    expect(rows[1]?.pgr).toBeCloseTo((0.5 - 0.25) / (0.75 - 0.25), 12);
    expect(rows[2]?.pgr).toBeCloseTo((0 - 0.25) / (0.75 - 0.25), 12);
    const noCeiling = evalTable({ weak, strong: [{ name: 'b', path: b }] });
    expect(noCeiling[1]).toMatchObject({ pgr: null, pgr_note: 'undefined: no --ceiling given' });
  });
});

describe('eval on mismatched question sets', () => {
  it('refuses (exit 2, naming the file) when a model was scored on other test questions than the weak model', () => {
    const weak = answersFile('weak-21.jsonl', Array.from({ length: 21 }, (_, i) => `g${i}`));
    const ceiling = answersFile('ceiling-4.jsonl', ['g0', 'g1', 'g2', 'g3']);
    let error: unknown;
    try {
      evalTable({ weak, ceiling, strong: [] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(W2sError);
    expect((error as W2sError).exitCode).toBe(2);
    expect((error as W2sError).message).toContain('ceiling was scored on 4 test questions and the weak model on 21');
    expect((error as W2sError).message).toContain(ceiling);
  });
});
