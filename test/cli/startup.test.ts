// Lazy start-up (src/cli/lazy.ts): a command loads its own code when it runs; help loads none of the heavy packages.
// Each case runs the compiled CLI (`npm run build` first) in a child process whose module loader records every module.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const HEAVY = ['zod', 'yaml', 'vega', 'vega-lite', 'undici', 'hyparquet', 'better-sqlite3', 'tokenizers', 'node-llama-cpp', 'cli-progress', 'csv-parse'];

/** The packages and dist/ modules `w2s args...` loads, and its exit code. */
function loaded(args: string[]): { packages: Set<string>; modules: string[]; status: number | null; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-startup-'));
  const log = join(dir, 'modules.log');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';\n` +
      `export async function resolve(specifier, context, next) {\n` +
      `  const result = await next(specifier, context);\n  appendFileSync(${JSON.stringify(log)}, result.url + '\\n');\n  return result;\n}\n`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  writeFileSync(log, '');
  const result = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, join(ROOT, 'bin', 'w2s.js'), ...args], { cwd: dir, encoding: 'utf8' });
  const urls = readFileSync(log, 'utf8').split('\n').filter((u) => u !== '');
  const packages = new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []));
  const modules = urls.flatMap((u) => /\/dist\/(.+)$/.exec(u)?.[1] ?? []);
  return { packages, modules, status: result.status, stdout: result.stdout };
}

describe('w2s start-up', () => {
  it.each([[['--help']], [['--version']], [['score', '--help']], [['label', '--help']], [['train', '--help']], [['export', 'gguf', '--help']]])(
    'w2s %j loads no heavy package and no command\'s code',
    (args) => {
      const run = loaded(args);
      expect(run.status).toBe(0);
      expect(run.stdout.length).toBeGreaterThan(0);
      expect([...run.packages].filter((p) => HEAVY.includes(p))).toEqual([]);
      expect(run.modules.filter((m) => m.startsWith('cli/actions/'))).toEqual([]);
    },
  );

  it('w2s run --help lists the config file settings, loading the config schema (zod, yaml) but not the experiment', () => {
    const run = loaded(['run', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Config file settings[^\n]*\n {2}suite /);
    expect(run.stdout).toContain('--json');
    expect([...run.packages].filter((p) => HEAVY.includes(p)).sort()).toEqual(['yaml', 'zod']);
    expect(run.modules).not.toContain('run/experiment.js');
  });

  it('w2s data fetch --help lists the pinned sources', () => {
    const run = loaded(['data', 'fetch', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Sources:\n {2}hellaswag /);
  });

  it('w2s score loads what scoring needs and nothing of the engine, the run, the figures or the network', () => {
    const run = loaded(['score', '--input', join(ROOT, 'examples', 'answers.jsonl'), '--out', 'out', '--task', 'mmlu']);
    expect(run.status).toBe(0);
    expect(run.modules).toContain('cli/actions/score.js');
    // zod too: a task's answer format (tasks/answer-formats.ts) comes without the tasks' record schemas.
    expect([...run.packages].filter((p) => ['vega', 'vega-lite', 'undici', 'better-sqlite3', 'tokenizers', 'node-llama-cpp', 'hyparquet', 'yaml', 'zod'].includes(p))).toEqual([]);
    // explore.html's writer without the run report (report/html.js and its tables).
    expect(run.modules.filter((m) => /^report\/[^/]+\.js$/.test(m) && m !== 'report/escape.js')).toEqual([]);
    // engine/lora.js (and its params.js): the LoRA defaults `w2s train --help` shows, declared with every command.
    const declared = ['engine/lora.js', 'engine/params.js'];
    expect(run.modules.filter((m) => (m.startsWith('engine/') && !declared.includes(m)) || m.startsWith('run/'))).toEqual([]);
  });
});
