// `w2s run` end to end on the quick suite, as a user meets it: a real child process, a run directory, results.json.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'w2s.js');
const cache = mkdtempSync(join(tmpdir(), 'w2s-run-cache-'));
const args = ['run', '--quick', '--tasks', 'knowledge,judgement', '--methods', 'naive,filter,reweight,ceiling,consistent'];
const env = { ...process.env, W2S_CACHE: cache };

function w2s(out: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args, '--out', out], { env, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** results.json without its wall-clock timing, which no two runs share. */
function resultsOf(dir: string): unknown {
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { timing: unknown };
  return { ...results, timing: undefined };
}

const methodSchema = z.object({ accuracy: z.number().min(0).max(1), pgr: z.number().nullable(), n_train_rows: z.number().nonnegative() });
const resultsSchema = z.object({ tasks: z.record(z.string(), z.object({ methods: z.record(z.string(), methodSchema) })) });

describe('w2s run (quick suite, real child processes)', () => {
  const first = join(mkdtempSync(join(tmpdir(), 'w2s-run-')), 'a');

  it('runs to a report and a results.json of the documented shape, PGR consistent with the accuracies', () => {
    const r = w2s(first);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`report: ${first}/report.html`);
    const results = resultsSchema.parse(JSON.parse(readFileSync(join(first, 'results.json'), 'utf8')));
    expect(Object.keys(results.tasks).sort()).toEqual(['synthetic-judgement', 'synthetic-knowledge']);
    for (const task of Object.values(results.tasks)) {
      expect(Object.keys(task.methods).sort()).toEqual(['ceiling', 'consistent', 'filter', 'naive', 'reweight', 'weak']);
      const weak = task.methods.weak?.accuracy as number;
      const ceiling = task.methods.ceiling?.accuracy as number;
      for (const m of Object.values(task.methods)) {
        if (ceiling > weak && m !== task.methods.weak) expect(m.pgr).toBeCloseTo((m.accuracy - weak) / (ceiling - weak), 12);
        else if (m !== task.methods.weak && m !== task.methods.ceiling) expect(m.pgr).toBeNull();
      }
      expect(task.methods.naive?.n_train_rows).toBeGreaterThanOrEqual(0);
    }
    for (const file of ['manifest.json', 'report.html', 'tables/table1-filter.md', 'tables/table2-reweight.csv']) expect(existsSync(join(first, file)), file).toBe(true);
  });

  it('gives the same results.json for the same seed', () => {
    const second = join(mkdtempSync(join(tmpdir(), 'w2s-run-')), 'b');
    expect(w2s(second).status).toBe(0);
    expect(resultsOf(second)).toEqual(resultsOf(first));
  });

  it('resumes after kill -9: finished stages are kept, and the results equal an uninterrupted run', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'w2s-run-')), 'killed');
    const stages = join(out, 'stages');
    const child = spawn(process.execPath, [bin, ...args, '--out', out], { env, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // Kill it once a few stages are recorded, in the middle of the run.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && (!existsSync(stages) || readdirSync(stages).length < 4)) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    const before = new Map(readdirSync(stages).map((f) => [f, statSync(join(stages, f)).mtimeMs]));
    expect(before.size).toBeGreaterThanOrEqual(4);

    const r = w2s(out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('resuming');
    for (const [file, mtime] of before) expect(statSync(join(stages, file)).mtimeMs, `${file} was redone`).toBe(mtime);
    expect(resultsOf(out)).toEqual(resultsOf(first));
  });

  it('resumes pretraining mid-way after kill -9, ending with the same bases and results', async () => {
    const freshCache = mkdtempSync(join(tmpdir(), 'w2s-run-cache-'));
    const out = join(mkdtempSync(join(tmpdir(), 'w2s-run-')), 'pretrain-killed');
    const child = spawn(process.execPath, [bin, ...args, '--out', out], { env: { ...env, W2S_CACHE: freshCache }, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const bases = join(freshCache, 'bases');
    const partial = (): string | undefined => (existsSync(bases) ? readdirSync(bases).find((f) => f.endsWith('.partial.safetensors')) : undefined);
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && partial() === undefined) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    expect(partial(), 'a pretraining state was saved before the kill').toBeDefined();

    const r = spawnSync(process.execPath, [bin, ...args, '--out', out], { env: { ...env, W2S_CACHE: freshCache }, encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/pretrain (weak|strong) base \(resumed at step \d+\)/);
    expect(partial()).toBeUndefined();
    expect(resultsOf(out)).toEqual(resultsOf(first));
  });

  it('refuses to resume a run directory with another configuration (exit 2)', () => {
    const r = spawnSync(process.execPath, [bin, 'run', '--quick', '--tasks', 'knowledge', '--out', first], { env, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/manifest.json, field "config": this run directory was made with another configuration/);
  });
});
