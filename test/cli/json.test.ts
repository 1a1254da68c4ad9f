// `--json` on run, score, label and eval: stdout holds exactly one JSON object, the numbers the text summary prints.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { mockServers } from '../backends/mock-openai.js';
import { captureStdio } from '../helpers/stdio.js';
import { MMLU_VAL, tempDir } from '../label/helpers.js';

const io = captureStdio();
const mock = mockServers();
const ROOT = join(import.meta.dirname, '..', '..');

/** stdout as the one JSON line it must be. */
function onlyJson(stdout: string): Record<string, unknown> {
  expect(stdout.endsWith('\n')).toBe(true);
  expect(stdout.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('--json', () => {
  it('w2s score: summary.json\'s object and the output folder', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'w2s-json-score-')), 'out');
    expect(await main(['node', 'w2s', 'score', '--input', join(ROOT, 'examples', 'answers.jsonl'), '--out', out, '--task', 'mmlu', '--json'])).toBe(0);
    const printed = onlyJson(io.stdout);
    expect(printed).toEqual({ out, ...JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) });
    expect(printed).toMatchObject({ questions: 41, rows: 205 });
  });

  it('w2s label: summary.json\'s object and the run directory', async () => {
    const server = await mock();
    const out = tempDir();
    const args = ['label', '--task', 'mmlu', '--split', 'val', '--model', 'weak-7b', '--base-url', server.baseUrl, '--data', MMLU_VAL, '--out', out, '--limit', '4', '--json'];
    expect(await main(['node', 'w2s', ...args])).toBe(0);
    const printed = onlyJson(io.stdout);
    expect(printed).toEqual({ out, ...JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) });
    expect(printed).toMatchObject({ task: 'mmlu', questions: 4, complete_questions: 4, requests: 20 });
  });

  it('w2s eval: the table --out writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-json-eval-'));
    const file = (name: string, correct: number): string => {
      const lines = [0, 1, 2, 3].map((q) => JSON.stringify({ id: `q${q}`, variant: 0, prompt: 'p', output: 'o', answer: q < correct ? 'g' : 'x', gold: 'g' }));
      writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
      return join(dir, name);
    };
    const out = join(dir, 'table.json');
    expect(await main(['node', 'w2s', 'eval', '--weak', file('w', 1), '--ceiling', file('c', 3), '--strong', `s=${file('s', 2)}`, '--out', out, '--json'])).toBe(0);
    const printed = onlyJson(io.stdout);
    expect(printed).toEqual(JSON.parse(readFileSync(out, 'utf8')));
    expect((printed.rows as { model: string; accuracy: number; pgr: number | null }[]).find((r) => r.model === 's')).toMatchObject({ accuracy: 0.5, pgr: 0.5 });
  });

  it('w2s run: accuracy and PGR per task and method, as results.json has them, and where the report is', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'w2s-json-run-')), 'run');
    const env = { ...process.env, W2S_CACHE: mkdtempSync(join(tmpdir(), 'w2s-json-run-cache-')) };
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'w2s.js'), 'run', '--quick', '--tasks', 'knowledge', '--methods', 'naive,filter', '--out', out, '--json'], { env, encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const printed = onlyJson(r.stdout);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { tasks: Record<string, { methods: Record<string, { accuracy: number; pgr: number | null }> }> };
    expect(printed).toMatchObject({ dir: out, report: join(out, 'report.html'), results: join(out, 'results.json') });
    const tasks = printed.tasks as Record<string, Record<string, { accuracy: number; pgr: number | null }>>;
    expect(Object.keys(tasks)).toEqual(Object.keys(results.tasks));
    for (const [task, t] of Object.entries(results.tasks)) {
      for (const [method, m] of Object.entries(t.methods)) expect(tasks[task]?.[method]).toMatchObject({ accuracy: m.accuracy, pgr: m.pgr });
    }
  });
});
