// What `python -m w2s_hf train --request FILE` reads (the sidecar contract, snake_case), built from our settings, and
// the command line that runs it plainly or under `accelerate launch`.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { badInput } from '../../errors.js';
import type { SftSettings } from '../types.js';
import { PACKAGE_ROOT } from './python.js';

export type Precision = 'auto' | 'fp32' | 'bf16';

/** Settings of the Hugging Face engine that the built-in engine has no use for. */
export interface HfTrainOptions {
  /** auto: bf16 on a GPU that supports it, else fp32. */
  precision?: Precision;
  /** Examples per forward per process (default: the settings' microBatchSize, else batch / processes). */
  microBatchSize?: number;
  gradientCheckpointing?: boolean;
  /** Render rows with the tokenizer's chat template (default: raw text, as the paper; see usesChatTemplate). */
  chatTemplate?: boolean;
}

import { ACCELERATE_CONFIGS } from './presets.js';

/** A shipped accelerate config by name, or the user's own config file. */
export function accelerateConfigFile(nameOrFile: string): string {
  if ((ACCELERATE_CONFIGS as readonly string[]).includes(nameOrFile)) return join(PACKAGE_ROOT, 'python', 'accelerate', `${nameOrFile}.yaml`);
  if (existsSync(nameOrFile)) return resolve(nameOrFile);
  throw badInput(`"${nameOrFile}" is neither a shipped accelerate config (${ACCELERATE_CONFIGS.join(', ')}) nor an existing file`, { field: '--accelerate' });
}

/** The train request of the contract, with every default written out so the file says exactly what ran. */
export function trainRequest(base: string, rowsFile: string, out: string, settings: SftSettings, options: HfTrainOptions = {}): Record<string, unknown> {
  const lora = settings.lora;
  return {
    base,
    rows: rowsFile,
    out,
    lora: lora === null ? null : { r: lora.r, alpha: lora.alpha, dropout: lora.dropout, target_modules: [...lora.targetModules] },
    learning_rate: settings.learningRate,
    batch_size: settings.batchSize,
    micro_batch_size: options.microBatchSize ?? settings.microBatchSize ?? null,
    epochs: settings.epochs ?? 3,
    max_steps: settings.maxSteps ?? null,
    schedule: settings.schedule ?? 'linear',
    warmup_steps: settings.warmupSteps ?? 0,
    // The built-in engine's AdamW and clipping (Trainer's defaults), so that both engines train the same way.
    weight_decay: 0,
    max_grad_norm: 1.0,
    seed: settings.seed,
    shuffle: true,
    precision: options.precision ?? 'auto',
    gradient_checkpointing: options.gradientCheckpointing ?? false,
    chat_template: options.chatTemplate ?? false,
  };
}

/** The shipped configs that run one process per GPU: their files name a placeholder count that the launch overrides. */
const PER_GPU_CONFIGS = ['multi-gpu', 'deepspeed-zero2', 'deepspeed-zero3', 'fsdp'];

/**
 * Arguments after the interpreter: `-m w2s_hf train`, under `accelerate launch` when a config is given. A shipped
 * per-GPU config gets `--num_processes` = the GPUs the sidecar sees; a user's own file is left to say its own.
 */
export function trainArgs(requestFile: string, accelerate?: { name: string; file: string; devices: number }): string[] {
  const train = ['-m', 'w2s_hf', 'train', '--request', requestFile];
  if (accelerate === undefined) return train;
  const processes = PER_GPU_CONFIGS.includes(accelerate.name) ? ['--num_processes', String(Math.max(1, accelerate.devices))] : [];
  return ['-m', 'accelerate.commands.launch', '--config_file', accelerate.file, ...processes, ...train];
}
