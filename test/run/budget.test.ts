// w2s run's training budget and its per-question test logs, on the quick suite in real child processes: under
// `matched` every strong model trains naive's optimizer steps; under `paper` each trains the recipe's epochs of its own
// rows. The logs hold every test question, and their answers give back the accuracy the results report.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUITE_QUICK } from '../../src/tasks/synthetic/suite.js';

const root = join(import.meta.dirname, '..', '..');
const env = { ...process.env, W2S_CACHE: mkdtempSync(join(tmpdir(), 'w2s-budget-cache-')) };
const METHODS = ['naive', 'filter', 'reweight', 'oracle', 'random-s'];

interface Results {
  budget: string;
  tasks: Record<string, { methods: Record<string, { accuracy: number; n_train_rows: number; train_steps: number }>; n_test: number }>;
}

function run(budget: string): { dir: string; results: Results } {
  const dir = join(mkdtempSync(join(tmpdir(), 'w2s-budget-')), budget);
  const args = ['run', '--quick', '--tasks', 'knowledge', '--methods', METHODS.join(','), '--budget', budget, '--out', dir];
  const r = spawnSync(process.execPath, [join(root, 'bin', 'w2s.js'), ...args], { env, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`w2s run exited ${r.status}: ${r.stderr}`);
  return { dir, results: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results };
}

describe('w2s run --budget', () => {
  const { batchSize, epochs } = SUITE_QUICK.strong.sft;
  const stepsOf = (rows: number): number => Math.ceil(epochs * Math.ceil(rows / batchSize));

  it("matched: every strong model trains as many optimizer steps as naive at the recipe's epochs; the logs give back the accuracies", () => {
    const { dir, results } = run('matched');
    expect(results.budget).toBe('matched');
    const task = results.tasks['synthetic-knowledge'];
    if (task === undefined) throw new Error('no knowledge results');
    const naive = task.methods.naive as { n_train_rows: number; train_steps: number };
    expect(naive.train_steps).toBe(stepsOf(naive.n_train_rows));
    for (const method of METHODS) expect(task.methods[method]?.train_steps, method).toBe(naive.train_steps);
    expect(task.methods.filter?.n_train_rows).toBeGreaterThan(naive.n_train_rows);
    expect(task.methods.oracle?.n_train_rows).toBeLessThanOrEqual(naive.n_train_rows);

    for (const model of ['weak', ...METHODS]) {
      const lines = readFileSync(join(dir, 'labels', 'knowledge', 'seed-0', `test-${model}.jsonl`), 'utf8').trim().split('\n');
      const rows = lines.map((l) => JSON.parse(l) as { id: string; prompt: string; output: string; answer: string | null; gold: string });
      expect(rows).toHaveLength(task.n_test);
      expect(Object.keys(rows[0] ?? {})).toEqual(['id', 'prompt', 'output', 'answer', 'gold']);
      const accuracy = rows.filter((r) => r.answer !== null && r.answer === r.gold).length / rows.length;
      expect(accuracy, model).toBe(task.methods[model]?.accuracy);
    }
  }, 300_000);

  it("paper: each strong model trains the recipe's epochs of its own rows", () => {
    const task = run('paper').results.tasks['synthetic-knowledge'];
    if (task === undefined) throw new Error('no knowledge results');
    for (const method of METHODS) {
      const m = task.methods[method] as { n_train_rows: number; train_steps: number };
      expect(m.train_steps, method).toBe(stepsOf(m.n_train_rows));
    }
    expect(task.methods.reweight?.train_steps).toBeGreaterThan(task.methods.naive?.train_steps ?? Infinity);
  }, 300_000);
});
