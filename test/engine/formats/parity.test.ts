import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { loadCheckpoint, readCheckpointConfig, saveCheckpoint } from '../../../src/engine/formats/checkpoint.js';
import { buildClosedVocabularyTokenizer } from '../../../src/engine/tokenizers/closed-vocabulary.js';
import { parseLlamaConfig } from '../../../src/engine/config.js';
import { f32ToBf16 } from '../../../src/engine/formats/half.js';
import { gaussian, initParameters, paramLayout, tensorViews, type TensorMap } from '../../../src/engine/params.js';
import type { LoraConfig } from '../../../src/engine/lora.js';
import { loadAdapter, loraParamShapes, saveAdapter } from '../../../src/engine/formats/peft.js';
import { readSafetensors, writeSafetensors } from '../../../src/engine/formats/safetensors.js';
import { HfTokenizer } from '../../../src/engine/tokenizers/tokenizer.js';
import { type Digest, type Expected, float32Digest, gpt2Dir, tempDir } from './helpers.js';
import { HF_PYTHON, hfPythonAvailable, parityRequired } from '../../helpers/hf-python.js';

/*
 * Two-way parity with the Hugging Face Python libraries (parity/formats/check_formats.py): files we write are read by
 * safetensors, transformers, tokenizers and PEFT; files they write are read by us. Needs the .venv-hf virtual
 * environment (python/setup-venv.sh); skipped without it unless W2S_PARITY=require.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PYTHON = HF_PYTHON;
const available = hfPythonAvailable;
const required = parityRequired;

const TEXTS = [
  'Question: is the wug blue?\nAnswer: yes',
  '  unknown words,\ttabs and\n\nblank lines  ',
  'Ünïcödé façade — 漢字 and emoji 🚀👍🏽',
  'a literal <s> and </s> in text',
  '',
];
const WORDS = ['is', 'the', 'wug', 'dax', 'blue', 'red', 'yes', 'no', 'Question', 'Answer', ':', '?'];
const EDGE = new Float32Array([0, -0, 1e-45, -1e-45, 1.17549435e-38, 3.4028235e38, Infinity, -Infinity, NaN, 1, -2.5, 1 + 2 ** -9]);

function digests(tensors: TensorMap): Record<string, Digest> {
  return Object.fromEntries([...tensors].map(([name, t]) => [name, { shape: t.shape, sha256: float32Digest(t.data) }]));
}

function roundedToBf16(tensors: TensorMap): TensorMap {
  return new Map(
    [...tensors].map(([name, t]) => {
      const half = new Uint16Array(t.data.length);
      f32ToBf16(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length), half);
      const widened = new Uint32Array(half.length).map((_, i) => half[i]! << 16);
      return [name, { shape: t.shape, data: new Float32Array(widened.buffer) }];
    }),
  );
}

function model(vocab: number, tied: boolean, seed: number): { config: ReturnType<typeof parseLlamaConfig>; params: TensorMap } {
  const config = parseLlamaConfig({
    vocab_size: vocab,
    hidden_size: 16,
    intermediate_size: 24,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 64,
    tie_word_embeddings: tied,
    bos_token_id: 0,
    eos_token_id: 1,
    pad_token_id: 2,
  });
  const layout = paramLayout(config);
  const buffer = new Float32Array(layout.size);
  initParameters(config, layout, buffer, new Rng(seed));
  return { config, params: tensorViews(layout, buffer) };
}

async function writeOurs(dir: string): Promise<void> {
  const rng = new Rng(11);
  const edge: TensorMap = new Map([
    ['edge', { shape: [EDGE.length], data: EDGE }],
    ['w', { shape: [3, 4], data: new Float32Array(12).map(() => gaussian(rng)) }],
    ['empty', { shape: [0, 2], data: new Float32Array(0) }],
  ]);
  const metadata = { format: 'pt', source: 'w2s' };
  writeSafetensors(join(dir, 'edge-f32.safetensors'), edge, { metadata });
  writeSafetensors(join(dir, 'edge-bf16.safetensors'), edge, { metadata, dtype: 'BF16' });

  const tokenizer = buildClosedVocabularyTokenizer(WORDS, { bos: '<s>', eos: '</s>', pad: '<pad>' });
  const f32 = model(tokenizer.vocabSize, false, 1);
  saveCheckpoint(join(dir, 'llama-f32'), f32.config, f32.params, tokenizer);
  const bf16 = model(tokenizer.vocabSize, true, 2);
  saveCheckpoint(join(dir, 'llama-bf16'), bf16.config, bf16.params, tokenizer, { dtype: 'BF16' });

  const lora: LoraConfig = { r: 4, alpha: 8, dropout: 0.05, targetModules: ['q_proj', 'v_proj', 'gate_proj'] };
  const adapter: TensorMap = new Map();
  for (const [name, shape] of loraParamShapes(f32.config, lora)) {
    adapter.set(name, { shape, data: new Float32Array(shape[0]! * shape[1]!).map(() => gaussian(rng)) });
  }
  saveAdapter(join(dir, 'lora'), { config: lora, baseModel: 'llama-f32', params: adapter }, f32.config);

  const gpt2 = HfTokenizer.load(gpt2Dir());
  gpt2.save(join(dir, 'gpt2'));

  const manifest = {
    texts: TEXTS,
    edge_f32: { file: 'edge-f32.safetensors', metadata, tensors: digests(edge) },
    edge_bf16: { file: 'edge-bf16.safetensors', metadata, tensors: digests(roundedToBf16(edge)) },
    checkpoint_f32: {
      dir: 'llama-f32',
      torch_dtype: 'torch.float32',
      tensors: digests(f32.params),
      special_ids: { bos_token_id: tokenizer.bosId, eos_token_id: tokenizer.eosId, pad_token_id: tokenizer.padId },
      ids_with_specials: await tokenizer.encodeBatch(TEXTS, { addSpecialTokens: true }),
    },
    checkpoint_bf16: { dir: 'llama-bf16', torch_dtype: 'torch.bfloat16', tensors: digests(roundedToBf16(bf16.params)) },
    closed_vocabulary: { file: 'llama-f32/tokenizer.json', ids: await tokenizer.encodeBatch(TEXTS) },
    gpt2: { file: 'gpt2/tokenizer.json', ids: await gpt2.encodeBatch(TEXTS) },
    adapter: { dir: 'lora', base: 'llama-f32', config: { r: lora.r, lora_alpha: lora.alpha, target_modules: lora.targetModules }, tensors: digests(adapter) },
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

describe.skipIf(!available && !required)('parity with the Hugging Face Python libraries', () => {
  it('each side reads what the other wrote', async () => {
    expect(available, `no Python at ${PYTHON} (run python/setup-venv.sh)`).toBe(true);
    const ours = join(tempDir(), 'ours');
    const theirs = join(tempDir(), 'theirs');
    mkdirSync(ours);
    await writeOurs(ours);

    const run = spawnSync(PYTHON, [join(ROOT, 'parity', 'formats', 'check_formats.py'), ours, theirs], {
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, TRANSFORMERS_VERBOSITY: 'error', HF_HUB_OFFLINE: '1', TOKENIZERS_PARALLELISM: 'false' },
    });
    const report = `${run.stdout}\n${run.stderr}`;
    expect(run.status, report).toBe(0);
    expect(run.stdout).toMatch(/parity: \d+ passed, 0 failed/);

    const want = JSON.parse(readFileSync(join(theirs, 'expected.json'), 'utf8')) as Expected;
    const llama = loadCheckpoint(join(theirs, 'hf-tiny-llama'));
    expect(digests(llama.params)).toEqual(want.llama.tensors);
    expect(await llama.tokenizer!.encodeBatch(want.sample_texts)).toEqual(want.llama.token_ids);
    const lora = loadAdapter(join(theirs, 'hf-tiny-lora'), readCheckpointConfig(join(theirs, 'hf-tiny-llama')));
    expect(digests(lora.params)).toEqual(want.lora.tensors);
    const edge = readSafetensors(join(theirs, 'py-edge.safetensors'));
    expect(edge.metadata).toEqual(want.edge.metadata);
    expect(digests(edge.tensors)).toEqual(want.edge.tensors);
  }, 600_000);
});
