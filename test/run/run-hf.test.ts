// `w2s run --engine hf`: the quick suite end to end with every model trained and run by the Hugging Face sidecar
// (PyTorch + transformers + PEFT on CPU), from the base checkpoints our engine wrote. Needs the sidecar's Python
// (.venv-hf from python/setup-venv.sh, or $W2S_PYTHON); skipped without it unless W2S_PARITY=require.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTexts, loadModel } from '../../src/backends/builtin.js';
import { HfGenerator } from '../../src/backends/hf/generator.js';
import { PACKAGE_ROOT } from '../../src/backends/hf/python.js';
import type { AnswerRecord } from '../../src/core/types.js';
import { ANSWER_DECODING } from '../../src/run/weak-labels.js';
import { HF_PYTHON, hfPythonAvailable, parityRequired } from '../helpers/hf-python.js';

const PYTHON = HF_PYTHON;
const available = hfPythonAvailable;
const required = parityRequired;
const bin = join(PACKAGE_ROOT, 'bin', 'w2s.js');

describe.runIf(available || required)('w2s run --engine hf (quick suite, CPU)', () => {
  it('runs the experiment with the sidecar, and its models read back in the built-in engine with the same outputs', async () => {
    expect(available, `no Python at ${PYTHON} (run bash python/setup-venv.sh)`).toBe(true);
    const out = join(mkdtempSync(join(tmpdir(), 'w2s-run-hf-')), 'run');
    const cache = mkdtempSync(join(tmpdir(), 'w2s-run-hf-cache-'));
    const args = ['run', '--quick', '--engine', 'hf', '--tasks', 'knowledge', '--methods', 'naive,filter,reweight,ceiling', '--out', out];
    // Spawned asynchronously: a synchronous run of a minute or more stalls vitest's worker messages until they time out.
    const r = await new Promise<{ status: number | null; stderr: string }>((done, fail) => {
      const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, W2S_CACHE: cache, HF_HUB_OFFLINE: '1' }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', fail);
      child.on('close', (status) => done({ status, stderr }));
    });
    expect(r.status, r.stderr).toBe(0);

    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { tasks: Record<string, { methods: Record<string, { accuracy: number; pgr: number | null }> }> };
    const methods = results.tasks['synthetic-knowledge']?.methods ?? {};
    expect(Object.keys(methods).sort()).toEqual(['ceiling', 'filter', 'naive', 'reweight', 'weak']);
    for (const m of Object.values(methods)) expect(m.accuracy).toBeGreaterThanOrEqual(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { config: { engine: string } };
    expect(manifest.config.engine).toBe('hf');

    // The weak supervisor: fully fine-tuned by PyTorch, saved as a Hugging Face checkpoint; the strong ones: PEFT adapters.
    const models = join(out, 'models', 'knowledge', 'seed-0');
    expect(existsSync(join(models, 'weak', 'model.safetensors'))).toBe(true);
    for (const method of ['naive', 'filter', 'reweight', 'ceiling']) expect(existsSync(join(models, method, 'adapter_model.safetensors')), method).toBe(true);

    // The weak labels came from PyTorch's greedy decoding; our engine, reading the same checkpoint, answers alike.
    const answers = readFileSync(join(out, 'labels', 'knowledge', 'seed-0', 'answers.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AnswerRecord);
    const sample = answers.slice(0, 40);
    const ours = await generateTexts(loadModel({ checkpoint: join(models, 'weak') }), sample.map((a) => a.prompt), ANSWER_DECODING);
    expect(ours).toEqual(sample.map((a) => a.output));

    // A strong model: PEFT's adapter on its base answers alike in PyTorch and in our engine.
    const adapter = join(models, 'filter');
    const base = (JSON.parse(readFileSync(join(adapter, 'adapter_config.json'), 'utf8')) as { base_model_name_or_path: string }).base_model_name_or_path;
    const prompts = sample.map((a) => a.prompt);
    const hf = await HfGenerator.open({ model: base, adapter, env: { OMP_NUM_THREADS: '2' }, stderr: () => undefined });
    try {
      const theirs = (await hf.generateAll(prompts, ANSWER_DECODING)).map((c) => c.text);
      expect(await generateTexts(loadModel({ checkpoint: base, adapter }), prompts, ANSWER_DECODING)).toEqual(theirs);
    } finally {
      await hf.close();
    }
  }, 300_000);
});
