#!/usr/bin/env node
// The engine beside the same Llama model in PyTorch CPU (parity/bench.py, Debian torch under /usr/bin/python3 with
// OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2), on (a) the synthetic suite's default strong model at its real SFT batch
// and sequence length, derived here from the suite, and (b) the reference config of 4 layers, d_model 256, 4 heads,
// vocab 512, seq 128, batch 16. Measures training tok/s (optimizer steps: forward, backward, clipping, AdamW; full
// fine-tuning and LoRA r16 on q/v), KV-cached greedy generation tok/s and each side's peak RSS, every run in its own
// child process, the two sides alternating run after run; figures are medians over the rounds. Ours runs the kernels a
// fresh install gets (the addon's own sgemm, no BLAS: build/native or the package's prebuilt binary, the same
// sources and flags) and, where libopenblas is installed, the same addon with sgemm by OpenBLAS (W2S_SGEMM=openblas)
// as a third contestant.
// Runs on the compiled dist/ (npm run build first). `--quick` takes fewer steps and rounds.
// Prints a table and writes bench/results/engine.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sftExamples, promptIds } from '../dist/backends/builtin.js';
import { Rng } from '../dist/core/rng.js';
import { getKernels } from '../dist/engine/kernels/index.js';
import { describeKernels, kernelInfo } from '../dist/native/kernel-info.js';
import { PAPER_LORA } from '../dist/engine/lora.js';
import { ANSWER_DECODING } from '../dist/run/weak-labels.js';
import { allFamilies } from '../dist/tasks/synthetic/families.js';
import { baseModelConfig } from '../dist/tasks/synthetic/pretrain.js';
import { SUITE_DEFAULT } from '../dist/tasks/synthetic/suite.js';
import { suiteTokenizer } from '../dist/tasks/synthetic/vocabulary.js';
import { buildWorld } from '../dist/tasks/synthetic/world.js';
import { pinOpenblasCore } from './openblas-core.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const PYTHON = '/usr/bin/python3';
const TORCH_ENV = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '2' };

/**
 * Our two thread settings for 2 cores, both measured every run: the engine's data-parallel training threads (BLAS
 * single-threaded in each) and one thread with a two-thread BLAS. Generation has no worker threads; its products
 * have one row per sequence in the batch, too few for a second BLAS thread to pay on a busy machine, so BLAS 1 leads
 * and BLAS 2 is the alternative.
 */
const OURS = {
  train: { label: 'threads 2 (BLAS 1 each)', threads: 2, blas_threads: 1 },
  train_alt: { label: 'threads 1, BLAS 2', threads: 1, blas_threads: 2 },
  generate: { label: 'BLAS 1', threads: 1, blas_threads: 1 },
  generate_alt: { label: 'BLAS 2', threads: 1, blas_threads: 2 },
};

/** LoRA as the suite's strong SFT trains it (the paper's r 16, alpha 32, dropout 0.05 on q_proj and v_proj). */
const LORA = { ...PAPER_LORA, targetModules: [...PAPER_LORA.targetModules] };

/** (b): the reference config; the MLP width is Llama's 8/3 d rounded up to a multiple of 8. */
const REFERENCE = {
  config: {
    vocab_size: 512, hidden_size: 256, intermediate_size: 688, num_hidden_layers: 4, num_attention_heads: 4,
    num_key_value_heads: 4, max_position_embeddings: 128, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: false,
  },
  train: { batch: 16, seq: 128 },
  // Generation in the same 128-token context: 64 prompt tokens, 64 new ones, the training batch.
  generate: { batch: 16, prompt: 64, new_tokens: 64 },
  derivation: 'the issue: 4 layers, d_model 256, 4 heads, vocab 512, seq 128, batch 16; generation 64 + 64 tokens',
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * (a): the strong base of SUITE_DEFAULT (vocabulary from the suite tokenizer) at its SFT batch, and the sequence
 * length its SFT batches actually have: the trainer pads each batch to its longest example, so T is the mean
 * longest length over seeded batches of every family's SFT set (the val questions, all N variations, as `reweight`
 * trains on them). Generation: the labelling decoding (ANSWER_DECODING) on prompts of the median length.
 */
async function defaultShape() {
  const suite = SUITE_DEFAULT;
  const world = buildWorld(suite.worldSeed, suite.world);
  const tokenizer = suiteTokenizer(world);
  const config = baseModelConfig(suite.strong, tokenizer);
  const batch = suite.strong.sft.batchSize;
  const padded = [];
  const promptLengths = [];
  const lengths = [];
  for (const family of allFamilies()) {
    // The suite's count, or every question its world has when that is fewer.
    const records = family.records(world, 'val').slice(0, suite.questions[family.name].val);
    const rows = records.flatMap((record) =>
      family.task
        .variations(record, suite.variations[family.name], Rng.derive(0, `bench:${record.id}`))
        .map((v) => ({ prompt: v.prompt, completion: family.task.renderAnswer(record.gold, v, record), weight: 1 })),
    );
    const examples = await sftExamples(tokenizer, rows);
    lengths.push(...examples.map((e) => e.ids.length));
    promptLengths.push(...(await promptIds(tokenizer, rows.map((r) => r.prompt))).map((ids) => ids.length));
    const order = Rng.derive(0, `bench:${family.name}`).shuffle(examples.map((e) => e.ids.length));
    for (let s = 0; s + batch <= order.length; s += batch) padded.push(Math.max(...order.slice(s, s + batch)));
  }
  const seq = Math.round(padded.reduce((a, b) => a + b, 0) / padded.length);
  const prompt = Math.round(median(promptLengths));
  return {
    config,
    train: { batch, seq },
    generate: { batch: ANSWER_DECODING.batchSize, prompt, new_tokens: ANSWER_DECODING.maxTokens },
    derivation:
      `SUITE_DEFAULT strong base (vocab ${config.vocab_size} from the suite tokenizer); SFT batch ${batch}; ` +
      `SFT sequences ${Math.min(...lengths)}-${Math.max(...lengths)} tokens (median ${median(lengths)}), ` +
      `longest per batch of ${batch} ${Math.min(...padded)}-${Math.max(...padded)}, mean ${seq}; ` +
      `generation: batch ${ANSWER_DECODING.batchSize}, ${ANSWER_DECODING.maxTokens} new tokens after median prompt ${prompt}`,
  };
}

function runChild(command, args, env) {
  const run = spawnSync(command, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  if (run.status !== 0) {
    const lines = (run.stderr || run.error?.message || `exit ${run.status}`).trim().split('\n');
    throw new Error(`${command} ${args.join(' ')} failed: ${lines.find((l) => /Error/.test(l)) ?? lines.pop()}`);
  }
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

const ours = (request, setting, env = {}) =>
  runChild(process.execPath, [join(here, 'engine-child.js'), JSON.stringify({ ...request, threads: setting.threads, blas_threads: setting.blas_threads })], env);

/** The environment of ours with sgemm by OpenBLAS, which the addon loads at run time. */
const OPENBLAS_ENV = { W2S_SGEMM: 'openblas' };

const torch = (request) =>
  runChild(PYTHON, [join(root, 'parity', 'bench.py'), JSON.stringify({ ...request, lora: request.lora ? { r: request.lora.r, alpha: request.lora.alpha, dropout: request.lora.dropout, targets: request.lora.targetModules } : null })], TORCH_ENV);

/** Runs the contestants in turn, round after round, and summarises each: median tok/s, peak RSS, every run. */
function race(contestants, rounds) {
  const runs = contestants.map(() => []);
  for (let r = 0; r < rounds; r++) contestants.forEach((c, i) => runs[i].push(c.run()));
  return Object.fromEntries(
    contestants.map((c, i) => [
      c.key,
      {
        setting: c.setting,
        tokens_per_second: median(runs[i].map((x) => x.tokens_per_second)),
        peak_rss_bytes: Math.max(...runs[i].map((x) => x.peak_rss_bytes)),
        runs_tokens_per_second: runs[i].map((x) => Math.round(x.tokens_per_second)),
      },
    ]),
  );
}

function measure(shape, kind, lora, steps, rounds, openblas) {
  const train = kind === 'train';
  const request = train
    ? { mode: 'train', config: shape.config, ...shape.train, steps, lora }
    : { mode: 'generate', config: shape.config, ...shape.generate, steps };
  const [main, alt] = train ? [OURS.train, OURS.train_alt] : [OURS.generate, OURS.generate_alt];
  const result = race(
    [
      { key: 'ours', setting: main.label, run: () => ours(request, main) },
      { key: 'pytorch', setting: 'OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2', run: () => torch(request) },
      { key: 'ours_alt', setting: alt.label, run: () => ours(request, alt) },
      ...(openblas ? [{ key: 'ours_openblas', setting: `${main.label}, W2S_SGEMM=openblas`, run: () => ours(request, main, OPENBLAS_ENV) }] : []),
    ],
    rounds,
  );
  return {
    ...result,
    ratio: result.ours.tokens_per_second / result.pytorch.tokens_per_second,
    // Ours over the same engine with OpenBLAS's sgemm: above 1, the addon's own sgemm is the faster.
    ...(openblas ? { openblas_ratio: result.ours.tokens_per_second / result.ours_openblas.tokens_per_second } : {}),
    ratio_alt: result.ours_alt.tokens_per_second / result.pytorch.tokens_per_second,
    memory_ratio: result.ours.peak_rss_bytes / result.pytorch.peak_rss_bytes,
  };
}

const mib = (b) => (b / 2 ** 20).toFixed(0);

export async function run(flags) {
  const quick = flags.includes('--quick');
  const rounds = quick ? 3 : 5;
  const openblasCore = pinOpenblasCore();
  const kernels = getKernels();
  const kernelsInfo = kernelInfo();
  // OpenBLAS takes part where the addon can load it.
  const openblas = typeof kernels.setSgemm === 'function' && kernels.setSgemm('openblas') === null;
  if (openblas) kernels.setSgemm('w2s');
  const torchVersion = runChild(PYTHON, ['-c', 'import json, torch; print(json.dumps(torch.__version__))'], TORCH_ENV);
  const shapes = { default: await defaultShape(), reference: REFERENCE };
  const loadBefore = loadavg()[0];
  const out = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const small = name === 'default';
    const trainSteps = Math.ceil((small ? 60 : 10) / (quick ? 3 : 1));
    const genRuns = Math.ceil((small ? 40 : 10) / (quick ? 4 : 1));
    const train = measure(shape, 'train', null, trainSteps, rounds, openblas);
    const lora = measure(shape, 'train', LORA, trainSteps, rounds, openblas);
    const generate = measure(shape, 'generate', null, genRuns, rounds, openblas);
    out[name] = {
      train_ratio: train.ratio,
      lora_train_ratio: lora.ratio,
      generate_ratio: generate.ratio,
      train_memory_ratio: train.memory_ratio,
      ...(openblas ? { train_openblas_ratio: train.openblas_ratio, generate_openblas_ratio: generate.openblas_ratio } : {}),
      shape: {
        hidden_size: shape.config.hidden_size,
        intermediate_size: shape.config.intermediate_size,
        num_hidden_layers: shape.config.num_hidden_layers,
        num_attention_heads: shape.config.num_attention_heads,
        vocab_size: shape.config.vocab_size,
        tie_word_embeddings: shape.config.tie_word_embeddings,
        train: shape.train,
        generate: shape.generate,
        derivation: shape.derivation,
      },
      train,
      steps_per_run: { train: trainSteps, generate_runs: genRuns },
      lora_train: { lora: LORA, ...lora },
      generate,
    };
  }
  const loadAfter = loadavg()[0];

  console.log(`ours: ${describeKernels(kernelsInfo)}; PyTorch ${torchVersion} CPU, OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2`);
  console.log(`tok/s: median of ${rounds} alternating runs, each in its own process; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after`);
  for (const [name, r] of Object.entries(out)) {
    const s = r.shape;
    console.log(`\n(${name === 'default' ? 'a' : 'b'}) ${name}: d ${s.hidden_size}, ${s.num_hidden_layers} layers, ${s.num_attention_heads} heads, MLP ${s.intermediate_size}, vocab ${s.vocab_size}; train B${s.train.batch} T${s.train.seq}; generate B${s.generate.batch} ${s.generate.prompt}+${s.generate.new_tokens}`);
    console.log(`    ${s.derivation}`);
    const header = ['', 'ours tok/s', 'PyTorch tok/s', 'ratio', 'alt tok/s', 'alt ratio', 'ours MiB', 'PyTorch MiB', ...(openblas ? ['OpenBLAS tok/s', 'ours/OpenBLAS'] : [])];
    const rows = [['train (full)', r.train], ['train (LoRA r16 q,v)', r.lora_train], ['generate (greedy, KV cache)', r.generate]].map(([label, m]) => [
      label, m.ours.tokens_per_second.toFixed(0), m.pytorch.tokens_per_second.toFixed(0), m.ratio.toFixed(2),
      m.ours_alt.tokens_per_second.toFixed(0), m.ratio_alt.toFixed(2), mib(m.ours.peak_rss_bytes), mib(m.pytorch.peak_rss_bytes),
      ...(openblas ? [m.ours_openblas.tokens_per_second.toFixed(0), m.openblas_ratio.toFixed(2)] : []),
    ]);
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
    for (const line of [header, ...rows]) console.log('    ' + line.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  }
  console.log(`\nours: train ${OURS.train.label}, alt ${OURS.train_alt.label}; generate ${OURS.generate.label}, alt ${OURS.generate_alt.label}`);

  mkdirSync(join(here, 'results'), { recursive: true });
  const result = {
    ...out,
    threads: {
      ours: { train: OURS.train.label, train_alt: OURS.train_alt.label, generate: OURS.generate.label, generate_alt: OURS.generate_alt.label },
      pytorch: 'OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2',
    },
    statistic: `median tok/s of ${rounds} alternating runs per side (ours, PyTorch, ours alt${openblas ? ', ours with OpenBLAS' : ''}, repeated), each run in its own process; peak RSS: the largest of the runs`,
    kernels: kernelsInfo,
    openblas: openblas ? kernels.info().openblas : null,
    openblas_core: openblasCore,
    // Inherited by both sides (e.g. a pinned OPENBLAS_CORETYPE), on top of each side's own thread settings.
    environment: Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(OPENBLAS|OMP|GOTO)_/.test(k))),
    cpu: { model: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
    torch: torchVersion,
    load_average: [loadBefore, loadAfter],
    quick,
  };
  writeFileSync(join(here, 'results', 'engine.json'), JSON.stringify(result, null, 2) + '\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run(process.argv.slice(2));
