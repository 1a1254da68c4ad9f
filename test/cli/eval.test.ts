import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureStdio } from '../helpers/stdio.js';

const io = captureStdio();

/** An answers file whose variant-0 answers are right for the first `correct` of `n` questions (plus noise rows). */
function answers(dir: string, name: string, n: number, correct: number, extra: object = {}): string {
  const lines: string[] = [];
  for (let q = 0; q < n; q++) {
    const gold = `g${q}`;
    lines.push(JSON.stringify({ id: `q${q}`, variant: 0, prompt: 'p', output: 'o', answer: q < correct ? gold : 'wrong', gold, ...extra }));
    // Other variants never count toward test accuracy.
    lines.push(JSON.stringify({ id: `q${q}`, variant: 1, prompt: 'p', output: 'o', answer: gold, gold }));
  }
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('w2s eval', () => {
  it('scores the variant-0 answers and computes PGR = (strong - weak) / (ceiling - weak) for each model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-eval-'));
    const weak = answers(dir, 'weak.jsonl', 10, 4);
    const ceiling = answers(dir, 'ceiling.jsonl', 10, 9);
    const filter = answers(dir, 'filter.jsonl', 10, 7);
    // A `w2s label` run directory stands for its answers.jsonl.
    mkdirSync(join(dir, 'naive'));
    answers(join(dir, 'naive'), 'answers.jsonl', 10, 5);
    const out = join(dir, 'table.json');
    expect(await main(['node', 'w2s', 'eval', '--weak', weak, '--ceiling', ceiling, '--strong', `filter=${filter}`, '--strong', `naive=${join(dir, 'naive')}`, '--out', out])).toBe(0);
    const table = JSON.parse(readFileSync(out, 'utf8')) as { rows: { model: string; accuracy: number; pgr: number | null; questions: number }[] };
    const byModel = Object.fromEntries(table.rows.map((r) => [r.model, r]));
    expect(byModel.weak).toMatchObject({ accuracy: 0.4, questions: 10, pgr: null });
    expect(byModel.ceiling).toMatchObject({ accuracy: 0.9 });
    expect(byModel.filter?.pgr).toBeCloseTo((0.7 - 0.4) / (0.9 - 0.4), 12);
    expect(byModel.naive?.pgr).toBeCloseTo((0.5 - 0.4) / (0.9 - 0.4), 12);
    expect(io.stdout).toMatch(/filter\s+0\.7000\s+10\s+0\.600/);
  });

  it('says PGR is undefined, never a number, when the ceiling does not beat the weak model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-eval-'));
    const out = join(dir, 'table.json');
    expect(await main(['node', 'w2s', 'eval', '--weak', answers(dir, 'w.jsonl', 4, 3), '--ceiling', answers(dir, 'c.jsonl', 4, 2), '--strong', `s=${answers(dir, 's.jsonl', 4, 4)}`, '--out', out])).toBe(0);
    const s = (JSON.parse(readFileSync(out, 'utf8')) as { rows: { model: string; pgr: number | null; pgr_note?: string }[] }).rows.find((r) => r.model === 's');
    expect(s).toMatchObject({ pgr: null, pgr_note: expect.stringMatching(/^undefined: ceiling/) });
    expect(io.stdout).toMatch(/s\s+1\.0000\s+4\s+undefined: ceiling/);
  });

  it('parses outputs with --task where lines have no answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-eval-'));
    const file = join(dir, 'a.jsonl');
    const choices = ['red', 'blue', 'green', 'gray'];
    writeFileSync(file, [
      JSON.stringify({ id: 'a', variant: 0, prompt: 'p', output: 'B. blue', choices, gold: 'blue' }),
      JSON.stringify({ id: 'b', variant: 0, prompt: 'p', output: 'no idea', choices, gold: 'red' }),
    ].join('\n'));
    const out = join(dir, 't.json');
    expect(await main(['node', 'w2s', 'eval', '--weak', file, '--task', 'mmlu', '--out', out])).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).rows[0]).toMatchObject({ accuracy: 0.5, correct: 1, unparseable: 1 });
  });

  it.each([
    ['a line without an answer and no --task', { id: 'a', variant: 0, prompt: 'p', output: 'B', gold: 'x' }, /line 1, field "answer"/],
    ['no gold answers', { id: 'a', variant: 0, prompt: 'p', output: 'B', answer: 'x' }, /no variant-0 row with a gold answer/],
  ])('exits 2 on %s and writes nothing', async (_name, row, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-eval-'));
    const file = join(dir, 'a.jsonl');
    writeFileSync(file, JSON.stringify(row) + '\n');
    const out = join(dir, 't.json');
    expect(await main(['node', 'w2s', 'eval', '--weak', file, '--out', out])).toBe(2);
    expect(io.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 on a duplicate variant-0 row and on a malformed --strong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-eval-'));
    const file = join(dir, 'a.jsonl');
    const row = JSON.stringify({ id: 'a', variant: 0, prompt: 'p', output: 'o', answer: 'x', gold: 'x' });
    writeFileSync(file, `${row}\n${row}\n`);
    expect(await main(['node', 'w2s', 'eval', '--weak', file])).toBe(2);
    expect(io.stderr).toMatch(/line 2, field "id": question "a" has a second variant-0 row/);
    expect(await main(['node', 'w2s', 'eval', '--weak', answers(dir, 'w.jsonl', 2, 1), '--strong', 'nameonly'])).toBe(2);
    expect(io.stderr).toMatch(/field "--strong": expected name=answers/);
  });
});
