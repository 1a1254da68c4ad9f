// `w2s label` and `w2s run` draw a question's variations the same way: labelling a suite split with the built-in
// backend asks exactly the prompts (same variants, same option orders, same paraphrase templates) that the run asked.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAMILY_NAMES, type FamilyName } from '../../src/tasks/synthetic/family.js';
import { getFamily } from '../../src/tasks/synthetic/families.js';
import { SUITE_QUICK } from '../../src/tasks/synthetic/suite.js';
import { buildWorld } from '../../src/tasks/synthetic/world.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'w2s.js');
const env = { ...process.env, W2S_CACHE: mkdtempSync(join(tmpdir(), 'w2s-parity-cache-')) };
const SEED = 2;

function w2s(args: string[]): void {
  const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`w2s ${args[0]} exited ${r.status}: ${r.stderr}`);
}

/** id, variant, prompt and choices of every line of an answers file, in a fixed order. */
function asked(file: string): string[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const { id, variant, prompt, choices } = JSON.parse(line) as { id: string; variant: number; prompt: string; choices?: string[] };
      return JSON.stringify([id, variant, prompt, choices ?? null]);
    })
    .sort();
}

describe('w2s label and w2s run ask the same prompts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'w2s-parity-'));
  const run = join(dir, 'run');

  beforeAll(() => {
    const config = join(dir, 'run.json');
    writeFileSync(config, JSON.stringify({ first_seed: SEED }));
    w2s(['run', '--quick', '--config', config, '--tasks', FAMILY_NAMES.join(','), '--methods', 'naive', '--out', run]);
  }, 300_000);

  it.each(FAMILY_NAMES.map((f) => [f]))('%s: every variation of every val question', (family: FamilyName) => {
    // The val split as a records file: the same questions, in the same order, as the run generated them.
    const world = buildWorld(SUITE_QUICK.worldSeed, SUITE_QUICK.world);
    const records = getFamily(family).records(world, 'val', { count: SUITE_QUICK.questions[family].val });
    const data = join(dir, family, 'val.jsonl');
    mkdirSync(join(dir, family));
    writeFileSync(data, records.map((r) => JSON.stringify(r)).join('\n') + '\n');

    const out = join(dir, family, 'label');
    w2s([
      'label', '--task', `synthetic-${family}`, '--split', 'val', '--data', data, '--seed', String(SEED),
      '--backend', 'builtin', '--model', join(run, 'models', family, `seed-${SEED}`, 'weak'),
      '--variations', String(SUITE_QUICK.variations[family]), '--paraphraser', 'template', '--max-tokens', '4', '--out', out,
    ]);
    const fromRun = asked(join(run, 'labels', family, `seed-${SEED}`, 'answers.jsonl'));
    const fromLabel = asked(join(out, 'answers.jsonl'));
    expect(fromRun.length).toBe(records.length * SUITE_QUICK.variations[family]);
    expect(fromLabel).toEqual(fromRun);
  });
});
