// `w2s train`'s work, loaded when the command runs (src/cli/lazy.ts); its options are declared in commands/train.ts.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { BuiltinTrainer } from '../../backends/builtin-trainer.js';
import { accelerateConfigFile } from '../../backends/hf/train-request.js';
import { usesChatTemplate } from '../../backends/hf/presets.js';
import { HfTrainer, modelLocation } from '../../backends/hf/trainer.js';
import type { ModelRef, SftSettings, Trainer } from '../../backends/types.js';
import type { SftRow } from '../../core/types.js';
import { readSftRows } from '../../io/sft-rows.js';
import { LORA_TARGETS, type LoraConfig, type LoraTarget } from '../../engine/lora.js';
import { badInput, EXIT_FAILURE, W2sError } from '../../errors.js';
import { StageProgress } from '../progress.js';
import { flagName, parseFlags } from '../flags.js';
import { moveDirIntoPlace } from '../../io/atomic.js';
import { kernelInfo } from '../../native/kernel-info.js';

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
  chatTemplate: z.boolean(),
  python: z.string().min(1).optional(),
  overwrite: z.boolean(),
});
type TrainFlags = z.infer<typeof trainFlags>;

/** Options that only the hf engine has. */
const HF_ONLY: readonly (keyof TrainFlags)[] = ['accelerate', 'python', 'gradientCheckpointing', 'chatTemplate'];
const LORA_FLAGS: readonly (keyof TrainFlags)[] = ['loraR', 'loraAlpha', 'loraDropout', 'loraTargets'];

export async function trainAction(raw: Record<string, unknown>, command: Command): Promise<void> {
  const flags: TrainFlags = parseFlags(trainFlags, raw);
  const named = (option: keyof TrainFlags): boolean => command.getOptionValueSource(option) === 'cli';
  const settings = sftSettings(flags, named);
  const trainer = makeTrainer(flags, named);
  const base = baseModel(flags);
  const out = resolve(flags.out);
  checkOut(out, base, flags.overwrite);
  const rows = readSftRows(flags.rows);
  await trainInto(trainer, base, rows, settings, out, flags);
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
    chatTemplate: usesChatTemplate(flags.base, flags.chatTemplate),
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
    // Which kernels the built-in engine trained on (native or portable, instruction set, sgemm).
    ...(trainer.engine === 'builtin' ? { kernels: kernelInfo() } : {}),
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
            chat_template: usesChatTemplate(flags.base, flags.chatTemplate),
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
