// The configuration of `w2s run`: one zod schema that is at once validation, defaults and documentation.
// A config file (YAML or JSON) sets any of these fields; flags override the file.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { badInput } from '../errors.js';
import { DEFAULT_TAU_PERCENTILE, DEFAULT_TEMPERATURE } from '../core/reliability.js';
import { PAPER_METHODS, SELECTION_METHODS } from '../core/selection.js';
import { FAMILY_NAMES } from '../tasks/synthetic/family.js';

/** The methods a run trains by default: the paper's, ours, and the two controls. */
export const DEFAULT_RUN_METHODS = [...PAPER_METHODS, 'filter-reweight', 'majority', 'random', 'consistent'] as const;

const sftOverrides = z
  .object({
    learningRate: z.number().positive(),
    batchSize: z.number().int().positive(),
    epochs: z.number().positive(),
    warmupSteps: z.number().int().nonnegative(),
  })
  .partial()
  .strict();

export const runConfigSchema = z
  .object({
    suite: z.enum(['default', 'control', 'quick']).default('default').describe('synthetic suite: default (the premise holds), control (balanced answer key: it does not), quick (a smoke run)'),
    tasks: z.array(z.enum(FAMILY_NAMES)).min(1).default([...FAMILY_NAMES]).describe('task families to run'),
    seeds: z.number().int().min(1).max(30).default(1).describe('how many seeds (first_seed, first_seed + 1, ...)'),
    first_seed: z.number().int().min(0).default(0).describe('the first seed'),
    methods: z.array(z.enum(SELECTION_METHODS)).min(1).default([...DEFAULT_RUN_METHODS]).describe('selection methods to train strong models with'),
    temperature: z.number().positive().default(DEFAULT_TEMPERATURE).describe('T of S_prob (Eq. 4)'),
    tau_percentile: z.number().min(0).max(100).default(DEFAULT_TAU_PERCENTILE).describe('tau = this percentile of the entropies (Sec. 4.2)'),
    completion: z.enum(['output', 'answer']).default('output').describe("train on the weak model's raw output (the paper) or its canonical answer"),
    variations: z.partialRecord(z.enum(FAMILY_NAMES), z.number().int().min(1)).default({}).describe('N per family (default: 5, 2 for judgement)'),
    workers: z.number().int().min(1).max(64).default(2).describe('training jobs run in parallel (one per core)'),
    engine: z.enum(['builtin', 'hf']).default('builtin').describe('who trains and generates: the built-in engine, or the Hugging Face sidecar (PyTorch + transformers + PEFT; see python/README.md)'),
    hf: z
      .object({
        python: z.string().min(1).optional(),
        accelerate: z.string().min(1).optional(),
        precision: z.enum(['auto', 'fp32', 'bf16']).optional(),
      })
      .strict()
      .default({})
      .describe('engine hf: python (interpreter; default $W2S_PYTHON or .venv-hf), accelerate (single-gpu, multi-gpu, deepspeed-zero2 or a config file), precision (auto, fp32, bf16)'),
    weak_sft: sftOverrides.default({}).describe("overrides of the weak model's SFT recipe"),
    strong_sft: sftOverrides.default({}).describe("overrides of the strong model's SFT recipe"),
  })
  .strict();

export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** Validate a config object; errors name the file and the field. */
export function parseRunConfig(value: unknown, file?: string): RunConfig {
  const parsed = runConfigSchema.safeParse(value ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || undefined;
    throw badInput(issue?.message ?? 'invalid config', { ...(file !== undefined ? { file } : {}), ...(field !== undefined ? { field } : {}) });
  }
  return parsed.data;
}

/** Read a YAML or JSON config file. */
export function readRunConfigFile(file: string): RunConfigInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw badInput(`cannot read the config file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file });
  }
  try {
    const value: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (value !== null && (typeof value !== 'object' || Array.isArray(value))) throw new Error('expected a mapping of settings');
    return (value ?? {}) as RunConfigInput;
  } catch (error) {
    const line = (error as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    throw badInput(`not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`, { file, ...(line !== undefined ? { line } : {}) });
  }
}

/** The seeds of a run. */
export function runSeeds(config: RunConfig): number[] {
  return Array.from({ length: config.seeds }, (_, i) => config.first_seed + i);
}
