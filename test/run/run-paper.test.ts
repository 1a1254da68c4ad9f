// `w2s run` on one of the paper's tasks with the user's own models: real MMLU rows (the shipped excerpts), two small
// Llama checkpoints standing in for the weak and strong models, the built-in engine and (when its Python is there) the
// Hugging Face sidecar. The models are untrained, so the numbers mean nothing; the run's plumbing is what is tested.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/backends/hf/python.js';
import { saveCheckpoint } from '../../src/engine/formats/checkpoint.js';
import { buildClosedVocabularyTokenizer } from '../../src/engine/tokenizers/closed-vocabulary.js';
import { parseLlamaConfig } from '../../src/engine/config.js';
import { getKernels } from '../../src/engine/kernels/index.js';
import { LlamaModel } from '../../src/engine/model.js';
import { hfPythonAvailable, parityRequired } from '../helpers/hf-python.js';

const bin = join(PACKAGE_ROOT, 'bin', 'w2s.js');
const MMLU = ['dev', 'validation', 'test'].map((split) => join(PACKAGE_ROOT, 'fixtures', 'mmlu', 'hf', 'all', `${split}.jsonl`));
const dir = (): string => mkdtempSync(join(tmpdir(), 'w2s-run-paper-'));

/** An untrained Llama whose tokenizer knows every word of the MMLU excerpts (a few tokens per question). */
function smallModel(out: string, hidden: number, seed: number): string {
  const text = MMLU.map((f) => readFileSync(f, 'utf8')).join('\n') + ' ### Instruction: Question: Answer: A B C D';
  const words = text.match(/\p{L}+|\p{N}+|[^\p{L}\p{N}\s]+/gu) ?? [];
  const tokenizer = buildClosedVocabularyTokenizer(words, { bos: '<s>', eos: '</s>', pad: '<pad>' });
  const config = parseLlamaConfig({
    vocab_size: tokenizer.vocabSize,
    hidden_size: hidden,
    intermediate_size: 2 * hidden,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 1024,
    bos_token_id: tokenizer.bosId,
    eos_token_id: tokenizer.eosId,
    pad_token_id: tokenizer.padId,
  });
  saveCheckpoint(out, config, LlamaModel.init(config, getKernels(), seed).tensors(), tokenizer);
  return out;
}

let weak: string;
let strong: string;
beforeAll(() => {
  weak = smallModel(join(dir(), 'weak'), 32, 1);
  strong = smallModel(join(dir(), 'strong'), 48, 2);
});

function w2s(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'run', ...args], { env: { ...process.env, HF_HUB_OFFLINE: '1' }, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A config file for MMLU with the two models: its train split from the dev excerpt, short answers, few steps. */
function config(extra: Record<string, unknown> = {}): string {
  const file = join(dir(), 'run.json');
  const settings = {
    tasks: ['mmlu'],
    weak_model: weak,
    strong_model: strong,
    data: MMLU,
    mmlu_train_source: 'dev',
    methods: ['naive', 'filter', 'reweight', 'ceiling'],
    weak_sft: { epochs: 1 },
    strong_sft: { epochs: 1 },
    ...extra,
  };
  writeFileSync(file, JSON.stringify(settings));
  return file;
}

interface Results {
  suite: string;
  tasks: Record<string, { n_test: number; methods: Record<string, { accuracy: number; pgr: number | null; n_train_rows: number }>; diagnostics: { questions: number } }>;
}

function checkRun(out: string, engine: string): void {
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  expect(results.suite).toBe(`${weak} -> ${strong}`);
  expect(Object.keys(results.tasks)).toEqual(['mmlu']);
  const mmlu = results.tasks.mmlu!;
  expect(mmlu.n_test).toBe(20);
  expect(mmlu.diagnostics.questions).toBe(21);
  expect(Object.keys(mmlu.methods).sort()).toEqual(['ceiling', 'filter', 'naive', 'reweight', 'weak']);
  // The weak labels: every validation question under MMLU's five option orders, with the App. B prompt.
  const answers = readFileSync(join(out, 'labels', 'mmlu', 'seed-0', 'answers.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { variant: number; prompt: string; choices: string[] });
  expect(answers).toHaveLength(21 * 5);
  expect(new Set(answers.map((a) => a.variant))).toEqual(new Set([0, 1, 2, 3, 4]));
  expect(answers[0]!.prompt).toMatch(/^### Instruction: The following are multiple choice questions about /);
  expect(answers.every((a) => a.choices.length === 4)).toBe(true);
  // Both models were fine-tuned with the paper's LoRA: adapters on the given bases. The untrained weak model's answers
  // are mostly unparseable, and a method left without rows keeps the strong base as it is (no adapter); the ceiling
  // always trains (gold answers).
  const trained = Object.entries(mmlu.methods).filter(([name, m]) => name !== 'weak' && m.n_train_rows > 0).map(([name]) => name);
  expect(trained).toContain('ceiling');
  for (const [name, m] of Object.entries(mmlu.methods)) {
    if (name !== 'weak') expect(existsSync(join(out, 'models', 'mmlu', 'seed-0', name)), `${engine}: ${name}`).toBe(m.n_train_rows > 0);
  }
  for (const model of ['weak', ...trained]) {
    const adapter = join(out, 'models', 'mmlu', 'seed-0', model, 'adapter_config.json');
    expect(existsSync(adapter), `${engine}: ${model}`).toBe(true);
    const config = JSON.parse(readFileSync(adapter, 'utf8')) as { r: number; lora_alpha: number; target_modules: string[] };
    expect(config).toMatchObject({ r: 16, lora_alpha: 32 });
    expect([...config.target_modules].sort()).toEqual(['q_proj', 'v_proj']);
  }
  expect(existsSync(join(out, 'report.html'))).toBe(true);
}

describe("w2s run on the paper's tasks with the user's models", () => {
  it('runs MMLU end to end on the built-in engine', () => {
    const out = join(dir(), 'run');
    const r = w2s(['--config', config(), '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    checkRun(out, 'builtin');
  });

  it.runIf(hfPythonAvailable || parityRequired)('runs MMLU end to end on the Hugging Face sidecar', () => {
    expect(hfPythonAvailable).toBe(true);
    const out = join(dir(), 'run');
    const r = w2s(['--config', config({ engine: 'hf' }), '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    checkRun(out, 'hf');
  });

  it.each([
    ['mixing the suite and the paper', ['--tasks', 'knowledge,mmlu', '--weak-model', 'w', '--strong-model', 's'], /field "tasks": either the synthetic suite's families or the paper's tasks/],
    ['a missing strong model', ['--tasks', 'mmlu', '--engine', 'hf', '--weak-model', 'w'], /field "strong_model": the paper's tasks need strong_model/],
    ['an unknown pair', ['--tasks', 'mmlu', '--pair', 'gpt2:gpt4'], /field "--pair": expected one of llama2-7b:llama2-13b/],
    ['a preset with the built-in engine', ['--tasks', 'mmlu', '--pair', 'llama2-7b:mistral-7b'], /field "weak_model": "llama2-7b" is not a checkpoint folder \(no config.json\); hub ids and presets need engine hf/],
  ])('exits 2 on %s', (_name, args, message) => {
    const out = join(dir(), 'run');
    const r = w2s([...args, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});
