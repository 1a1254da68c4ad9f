// The synthetic suite's pretrained base models, cached by content: the same world, corpus and recipe always give the
// same checkpoint, so it is pretrained once per machine (or shipped with the package) and shared by every run.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { saveCheckpoint } from '../engine/formats/checkpoint.js';
import { getKernels } from '../engine/kernels/index.js';
import { readSafetensors, writeSafetensors } from '../engine/formats/safetensors.js';
import type { StepInfo, TrainState } from '../engine/train.js';
import { badInput } from '../errors.js';
import type { HfTokenizer } from '../engine/tokenizers/tokenizer.js';
import { cacheDirFromEnv } from '../hub/download.js';
import type { BaseRole } from '../tasks/synthetic/corpus.js';
import { pretrainBase } from '../tasks/synthetic/pretrain.js';
import type { SuiteConfig } from '../tasks/synthetic/suite.js';
import type { World } from '../tasks/synthetic/world.js';

/** Bumped whenever pretraining changes in a way the recipe does not show. */
const PRETRAIN_FORMAT = 2;

/** Pretraining steps between two saves of its state. */
const CHECKPOINT_EVERY = 200;

/** Save a training state in one safetensors file, atomically (the step goes in its metadata). */
export function saveTrainState(file: string, state: TrainState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tensors = new Map([
    ['params', { shape: [state.params.length], data: state.params }],
    ['m', { shape: [state.m.length], data: state.m }],
    ['v', { shape: [state.v.length], data: state.v }],
  ]);
  writeSafetensors(file, tensors, { metadata: { step: String(state.step) } });
}

/** Read a state written by {@link saveTrainState}. */
export function loadTrainState(file: string): TrainState {
  const { metadata, tensors } = readSafetensors(file);
  const get = (name: string): Float32Array => {
    const t = tensors.get(name);
    if (!t) throw badInput('not a training state', { file, field: name });
    return t.data;
  };
  const step = Number(metadata?.step);
  if (!Number.isInteger(step) || step < 1) throw badInput('not a training state', { file, field: 'step' });
  return { step, params: get('params'), m: get('m'), v: get('v') };
}

/** Checkpoints shipped with the package (regenerate with `node scripts/pretrain-bases.mjs`). */
export const SHIPPED_BASES_DIR = resolve(fileURLToPath(new URL('../../assets/bases', import.meta.url)));

/** The content key of a base: everything its weights depend on. */
export function baseKey(suite: SuiteConfig, tokenizer: HfTokenizer, role: BaseRole): string {
  const content = JSON.stringify({
    format: PRETRAIN_FORMAT,
    role,
    worldSeed: suite.worldSeed,
    pretrainSeed: suite.pretrainSeed,
    world: suite.world,
    corpus: suite.corpus,
    model: suite[role].model,
    pretrain: suite[role].pretrain,
    tokenizer: createHash('sha256').update(tokenizer.json).digest('hex'),
  });
  return `${role}-${createHash('sha256').update(content).digest('hex').slice(0, 16)}`;
}

export interface BaseCheckpoints {
  weak: string;
  strong: string;
}

/** Where a base is: shipped, else in the cache (pretrained now if missing there). */
export async function ensureBases(
  world: World,
  tokenizer: HfTokenizer,
  suite: SuiteConfig,
  onPretrain?: (role: BaseRole, info: StepInfo, resumedFrom: number | null) => void,
  cacheDir: string = join(cacheDirFromEnv(), 'bases'),
): Promise<BaseCheckpoints> {
  const locate = async (role: BaseRole): Promise<string> => {
    const key = baseKey(suite, tokenizer, role);
    const shipped = join(SHIPPED_BASES_DIR, key);
    if (existsSync(join(shipped, 'model.safetensors'))) return shipped;
    const cached = join(cacheDir, key);
    if (existsSync(join(cached, 'model.safetensors'))) return cached;
    // Pretraining is the one long stage: its state is saved as it goes, and a new run goes on from the last save.
    const partial = join(cacheDir, `${key}.partial.safetensors`);
    const resumeFrom = existsSync(partial) ? loadTrainState(partial) : undefined;
    const result = await pretrainBase(world, tokenizer, suite, role, getKernels(), (info) => onPretrain?.(role, info, resumeFrom?.step ?? null), {
      checkpoint: { every: CHECKPOINT_EVERY, save: (state) => saveTrainState(partial, state) },
      ...(resumeFrom ? { resumeFrom } : {}),
    });
    saveCheckpoint(cached, result.model.config, result.model.tensors(), tokenizer);
    rmSync(partial, { force: true });
    return cached;
  };
  return { weak: await locate('weak'), strong: await locate('strong') };
}
