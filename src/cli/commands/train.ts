import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { BuiltinTrainer } from '../../backends/builtin-trainer.js';
import { MODEL_PAIRS, MODEL_PRESETS, PAPER_SFT } from '../../backends/hf/presets.js';
import { ACCELERATE_CONFIGS, accelerateConfigFile } from '../../backends/hf/train-request.js';
import { HfTrainer, modelLocation } from '../../backends/hf/trainer.js';
import type { ModelRef, SftSettings, Trainer } from '../../backends/types.js';
import type { SftRow } from '../../core/types.js';
import { readSftRows } from '../../io/sft-rows.js';
import { LORA_TARGETS, PAPER_LORA, type LoraConfig, type LoraTarget } from '../../engine/lora.js';
import { badInput, EXIT_FAILURE, W2sError } from '../../errors.js';
import { StageProgress } from '../progress.js';
import { flagName, parseFlags } from '../flags.js';
import { moveDirIntoPlace } from '../../io/atomic.js';

const positiveInt = z.coerce.number().int().min(1);
const trainFlags = z.object({
  base: z.string().min(1),
  rows: z.string().min(1),
  out: z.string().min(1),
  engine: z.enum(['builtin', 'hf']),
  full: z.boolean(),
  loraR: positiveInt,
  loraAlpha: z.coerce.number().positive(),
  loraDropout: z.coerce.number().min(0).lt(1),
  loraTargets: z.string().min(1),
  learningRate: z.coerce.number().positive(),
  batchSize: positiveInt,
  microBatchSize: positiveInt.optional(),
  epochs: z.coerce.number().positive(),
  maxSteps: positiveInt.optional(),
  schedule: z.enum(['linear', 'cosine', 'constant']),
  warmupSteps: z.coerce.number().int().min(0),
  seed: z.coerce.number().int().min(0),
  accelerate: z.string().min(1).optional(),
  precision: z.enum(['auto', 'fp32', 'bf16']),
  gradientCheckpointing: z.boolean(),
  python: z.string().min(1).optional(),
  overwrite: z.boolean(),
});
type TrainFlags = z.infer<typeof trainFlags>;

/** Options that only the hf engine has. */
const HF_ONLY: readonly (keyof TrainFlags)[] = ['accelerate', 'python', 'gradientCheckpointing'];
const LORA_FLAGS: readonly (keyof TrainFlags)[] = ['loraR', 'loraAlpha', 'loraDropout', 'loraTargets'];

/** `w2s train`: fine-tune a model on SFT rows with the built-in engine or the Hugging Face sidecar. */
export function registerTrain(program: Command): void {
  const lora = PAPER_SFT.lora ?? PAPER_LORA;
  program
    .command('train')
    .description('fine-tune a model on SFT rows (completion-only CLM loss, per-row weights: docs/method.md Eq. 1 and 5) into a LoRA adapter or a checkpoint')
    .requiredOption('--base <model>', 'the model to fine-tune: a checkpoint folder; with --engine hf also a hub id or a preset (llama2-7b, llama2-13b, mistral-7b, llama3-8b)')
    .requiredOption('--rows <file>', 'SFT rows, JSONL {"id", "prompt", "completion", "weight"} (as `w2s score` writes them)')
    .requiredOption('--out <dir>', 'where the model goes: a PEFT adapter folder (LoRA) or a checkpoint folder (--full), with train.json')
    .option('--engine <name>', 'builtin (this package, CPU) or hf (PyTorch + transformers + PEFT in a Python sidecar, GPUs)', 'builtin')
    .option('--full', 'full fine-tuning instead of LoRA', false)
    .option('--lora-r <n>', 'LoRA rank', String(lora.r))
    .option('--lora-alpha <a>', 'LoRA alpha (scaling = alpha / r)', String(lora.alpha))
    .option('--lora-dropout <p>', 'dropout on the LoRA input path', String(lora.dropout))
    .option('--lora-targets <list>', `comma-separated modules, some of ${LORA_TARGETS.join(', ')}`, lora.targetModules.join(','))
    .option('--learning-rate <lr>', 'peak learning rate', String(PAPER_SFT.learningRate))
    .option('--batch-size <B>', 'examples per optimizer step (the B of Eq. 5; over all GPUs)', String(PAPER_SFT.batchSize))
    .option('--micro-batch-size <n>', 'examples per forward pass (per GPU); gradients accumulate up to --batch-size')
    .option('--epochs <n>', 'passes over the rows', String(PAPER_SFT.epochs))
    .option('--max-steps <n>', 'stop after this many optimizer steps (overrides --epochs)')
    .option('--schedule <kind>', 'learning-rate schedule: linear, cosine or constant', PAPER_SFT.schedule)
    .option('--warmup-steps <n>', 'linear warmup steps', String(PAPER_SFT.warmupSteps))
    .option('--seed <n>', 'seed of shuffling, LoRA initialisation and dropout', String(PAPER_SFT.seed))
    .option('--accelerate <config>', `hf: run under accelerate launch with ${ACCELERATE_CONFIGS.join(', ')} or your own config file`)
    .option('--precision <p>', 'auto (bf16 on a GPU that has it, else fp32), fp32 or bf16; the builtin engine is fp32', 'auto')
    .option('--gradient-checkpointing', 'hf: recompute activations in the backward pass (less memory, slower)', false)
    .option('--python <path>', 'hf: the Python interpreter (default: $W2S_PYTHON, else .venv-hf, else python3)')
    .option('--overwrite', 'replace --out if it exists and is not empty', false)
    .addHelpText(
      'after',
      '\nDefaults are the paper\'s (App. C): LoRA r 16, alpha 32, dropout 0.05 on q_proj and v_proj; learning rate 5e-5;\n' +
        'batch 24; 3 epochs; linear decay. The model and train.json (settings, losses, engine, seconds) appear in --out\n' +
        'together when training ends; Ctrl-C stops it and leaves nothing behind. Exit code 2 for bad input (the message\n' +
        'names the file, line and field), 1 for other failures.\n\n' +
        `Presets (--engine hf; the weights come from your Hugging Face cache):\n${Object.entries(MODEL_PRESETS).map(([name, id]) => `  ${name.padEnd(11)} ${id}`).join('\n')}\n` +
        `The paper's pairs (weak -> strong): ${MODEL_PAIRS.map((p) => `${p.weak} -> ${p.strong}`).join(', ')}.\n\n` +
        'Examples:\n' +
        '  w2s train --base runs/exp/bases/strong --rows runs/exp/score/sft-reweight.jsonl --out runs/exp/strong-reweight\n' +
        '  w2s train --engine hf --base mistral-7b --rows runs/mmlu/score/sft-reweight.jsonl --out runs/mmlu/mistral-reweight \\\n' +
        '      --accelerate multi-gpu --micro-batch-size 4\n' +
        '  w2s label --backend hf --model mistral-7b --adapter runs/mmlu/mistral-reweight ...',
    )
    .action(async (raw: Record<string, unknown>, command: Command) => {
      const flags: TrainFlags = parseFlags(trainFlags, raw);
      const named = (option: keyof TrainFlags): boolean => command.getOptionValueSource(option) === 'cli';
      const settings = sftSettings(flags, named);
      const trainer = makeTrainer(flags, named);
      const base = baseModel(flags);
      const out = resolve(flags.out);
      checkOut(out, base, flags.overwrite);
      const rows = readSftRows(flags.rows);
      await trainInto(trainer, base, rows, settings, out, flags);
    });
}

function sftSettings(flags: TrainFlags, named: (option: keyof TrainFlags) => boolean): SftSettings {
  if (flags.full) {
    const given = LORA_FLAGS.find(named);
    if (given !== undefined) throw badInput(`${flagName(given)} is a LoRA setting; --full trains every weight`, { field: flagName(given) });
  }
  return {
    learningRate: flags.learningRate,
    batchSize: flags.batchSize,
    ...(flags.microBatchSize !== undefined ? { microBatchSize: flags.microBatchSize } : {}),
    epochs: flags.epochs,
    ...(flags.maxSteps !== undefined ? { maxSteps: flags.maxSteps } : {}),
    schedule: flags.schedule,
    warmupSteps: flags.warmupSteps,
    lora: flags.full ? null : loraConfig(flags),
    seed: flags.seed,
  };
}

function loraConfig(flags: TrainFlags): LoraConfig {
  const targets = flags.loraTargets.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const unknown = targets.find((t) => !(LORA_TARGETS as readonly string[]).includes(t));
  if (unknown !== undefined || targets.length === 0) {
    throw badInput(`${unknown === undefined ? 'no module named' : `unknown module "${unknown}"`}; expected some of ${LORA_TARGETS.join(', ')}`, { field: '--lora-targets' });
  }
  return { r: flags.loraR, alpha: flags.loraAlpha, dropout: flags.loraDropout, targetModules: [...new Set(targets)] as LoraTarget[] };
}

function makeTrainer(flags: TrainFlags, named: (option: keyof TrainFlags) => boolean): Trainer {
  if (flags.engine === 'builtin') {
    const given = HF_ONLY.find(named);
    if (given !== undefined) throw badInput(`${flagName(given)} is an option of --engine hf`, { field: flagName(given) });
    if (flags.precision === 'bf16') throw badInput('the builtin engine trains in fp32', { field: '--precision' });
    return new BuiltinTrainer();
  }
  if (flags.accelerate !== undefined) accelerateConfigFile(flags.accelerate);
  return new HfTrainer({
    precision: flags.precision,
    gradientCheckpointing: flags.gradientCheckpointing,
    ...(flags.accelerate !== undefined ? { accelerate: flags.accelerate } : {}),
    ...(flags.python !== undefined ? { python: flags.python } : {}),
  });
}

function baseModel(flags: TrainFlags): ModelRef {
  if (flags.engine === 'builtin') {
    const folder = resolve(flags.base);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) {
      throw badInput('the builtin engine trains a checkpoint folder; for hub ids and presets use --engine hf', { field: '--base' });
    }
    return { checkpoint: folder };
  }
  return { checkpoint: modelLocation(flags.base) };
}

/** --out must not hold anything yet (unless --overwrite) and must not be the base model itself. */
function checkOut(out: string, base: ModelRef, overwrite: boolean): void {
  const at = { file: out, field: '--out' };
  if (existsSync(base.checkpoint) && resolve(base.checkpoint) === out) throw badInput('--out is the base model; write the trained model elsewhere', at);
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw badInput('exists and is not a folder', at);
  if (readdirSync(out).length > 0 && !overwrite) throw badInput('the folder exists and is not empty; choose another or pass --overwrite', at);
}

/**
 * Trains into a staging folder beside `out` and moves the model (with train.json) into place at the end, so `out` is
 * either untouched or complete; Ctrl-C (SIGINT) and SIGTERM stop the trainer and remove the staging folder.
 */
async function trainInto(trainer: Trainer, base: ModelRef, rows: readonly SftRow[], settings: SftSettings, out: string, flags: TrainFlags): Promise<void> {
  mkdirSync(dirname(out), { recursive: true });
  const staging = mkdtempSync(join(dirname(out), `.${basename(out)}.w2s-train-`));
  const stagedModel = join(staging, 'model');
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = new StageProgress();
  const losses: number[] = [];
  const started = performance.now();
  try {
    const outcome = await trainer.train(base, rows, settings, stagedModel, {
      signal: interrupt.signal,
      onStep: (p) => {
        losses.push(p.loss);
        progress.update(`training (${trainer.engine} engine)`, p.step, p.totalSteps);
      },
    });
    progress.finish();
    const seconds = (performance.now() - started) / 1000;
    const lora = settings.lora !== null;
    const model: ModelRef = lora ? { checkpoint: base.checkpoint, adapter: out } : { checkpoint: out };
    writeFileSync(join(stagedModel, 'train.json'), `${JSON.stringify(trainRecord(trainer, flags, base, rows.length, settings, model, outcome.steps, losses, seconds), null, 2)}\n`);
    moveDirIntoPlace(stagedModel, out);
    process.stdout.write(
      `trained ${flags.base} on ${rows.length} rows with the ${trainer.engine} engine: ${outcome.steps} steps, ` +
        `loss ${outcome.firstLoss.toFixed(4)} -> ${outcome.lastLoss.toFixed(4)}, ${seconds.toFixed(1)} s\n` +
        `wrote ${out}: ${lora ? `a LoRA adapter on ${base.checkpoint}` : 'a full checkpoint'}, with train.json\n`,
    );
  } catch (error) {
    progress.finish();
    if (interrupt.signal.aborted) throw new W2sError(`stopped; nothing was written to ${out}`, {}, EXIT_FAILURE);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(staging, { recursive: true, force: true });
  }
}

/** train.json: what was trained, how, and how it went; no environment, nothing secret. */
function trainRecord(
  trainer: Trainer,
  flags: TrainFlags,
  base: ModelRef,
  rowCount: number,
  settings: SftSettings,
  model: ModelRef,
  steps: number,
  losses: number[],
  seconds: number,
): Record<string, unknown> {
  const hf = trainer instanceof HfTrainer;
  return {
    engine: trainer.engine,
    base: { given: flags.base, model: base.checkpoint },
    rows: { file: resolve(flags.rows), count: rowCount },
    model,
    settings: {
      learning_rate: settings.learningRate,
      batch_size: settings.batchSize,
      micro_batch_size: settings.microBatchSize ?? null,
      epochs: settings.epochs,
      max_steps: settings.maxSteps ?? null,
      schedule: settings.schedule,
      warmup_steps: settings.warmupSteps,
      seed: settings.seed,
      lora: settings.lora === null ? null : { r: settings.lora.r, alpha: settings.lora.alpha, dropout: settings.lora.dropout, target_modules: settings.lora.targetModules },
    },
    ...(hf
      ? {
          hf: {
            precision: flags.precision,
            accelerate: flags.accelerate ?? null,
            gradient_checkpointing: flags.gradientCheckpointing,
            device: trainer.lastStart?.device ?? null,
            precision_used: trainer.lastStart?.precision ?? null,
            processes: trainer.lastStart?.processes ?? null,
            trainable_parameters: trainer.lastStart?.trainable_parameters ?? null,
          },
        }
      : {}),
    steps,
    losses,
    seconds,
  };
}
