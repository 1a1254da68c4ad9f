// The configuration of `w2s run`: one zod schema that is at once validation, defaults and documentation.
// A config file (YAML or JSON) sets any of these fields; flags override the file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { badInput } from '../errors.js';
import { DEFAULT_TAU_PERCENTILE, DEFAULT_TEMPERATURE } from '../core/reliability.js';
import { PAPER_METHODS, SELECTION_METHODS } from '../core/selection.js';
import { getFamily } from '../tasks/synthetic/families.js';
import { FAMILY_NAMES, isFamilyName } from '../tasks/synthetic/family.js';
import { getTask, TASK_NAMES } from '../tasks/registry.js';
import { variationsBeyondLimit } from '../tasks/types.js';
import type { SftRecipe } from '../tasks/synthetic/suite.js';

/** The methods a run trains by default: the paper's, ours, and the two controls. */
export const DEFAULT_RUN_METHODS = [...PAPER_METHODS, 'filter-reweight', 'majority', 'random', 'consistent', 'random-s', 'oracle'] as const;

const sftOverrides = z
  .object({
    learning_rate: z.number().positive(),
    batch_size: z.number().int().positive(),
    epochs: z.number().positive(),
    warmup_steps: z.number().int().nonnegative(),
  })
  .partial()
  .strict();

/** A weak_sft / strong_sft block in the recipe's own (camelCase) names. */
export function sftRecipeOverrides(overrides: z.infer<typeof sftOverrides>): Partial<Pick<SftRecipe, 'learningRate' | 'batchSize' | 'epochs' | 'warmupSteps'>> {
  return {
    ...(overrides.learning_rate !== undefined ? { learningRate: overrides.learning_rate } : {}),
    ...(overrides.batch_size !== undefined ? { batchSize: overrides.batch_size } : {}),
    ...(overrides.epochs !== undefined ? { epochs: overrides.epochs } : {}),
    ...(overrides.warmup_steps !== undefined ? { warmupSteps: overrides.warmup_steps } : {}),
  };
}

export const runConfigSchema = z
  .object({
    suite: z.enum(['default', 'control', 'quick']).default('default').describe('synthetic suite: default (the premise holds), control (balanced answer key: it does not), quick (a smoke run)'),
    tasks: z
      .array(z.enum([...FAMILY_NAMES, ...TASK_NAMES]))
      .min(1)
      .default([...FAMILY_NAMES])
      .describe(`the synthetic suite's families (${FAMILY_NAMES.join(', ')}), or the paper's tasks (${TASK_NAMES.join(', ')}) with weak_model and strong_model`),
    seeds: z
      .number()
      .int()
      .min(1)
      .max(30)
      .optional()
      .describe('how many seeds (first_seed, first_seed + 1, ...); default 3 on the default and control suites (the fewest that allow a verdict), else 1'),
    first_seed: z.number().int().min(0).default(0).describe('the first seed'),
    methods: z.array(z.enum(SELECTION_METHODS)).min(1).default([...DEFAULT_RUN_METHODS]).describe('selection methods to train strong models with'),
    budget: z
      .enum(['matched', 'paper'])
      .default('matched')
      .describe("strong SFT length: matched (every method gets naive's optimizer steps at the recipe's epochs, rows cycled in seeded reshuffles) or paper (App. C's fixed epochs per method, so methods with more rows train longer)"),
    temperature: z.number().positive().default(DEFAULT_TEMPERATURE).describe('T of S_prob (Eq. 4)'),
    tau_percentile: z.number().min(0).max(100).default(DEFAULT_TAU_PERCENTILE).describe('tau = this percentile of the entropies (Sec. 4.2)'),
    completion: z.enum(['output', 'answer']).default('output').describe("train on the weak model's raw output (the paper) or its canonical answer"),
    variations: z.partialRecord(z.enum([...FAMILY_NAMES, ...TASK_NAMES]), z.number().int().min(1)).default({}).describe('N per task (default: 5; 2 for judgement and ethics)'),
    weak_model: z.string().min(1).optional().describe("paper's tasks: the weak supervisor's base model (a checkpoint folder; with engine hf also a hub id or a preset: llama2-7b, llama2-13b, mistral-7b, llama3-8b)"),
    strong_model: z.string().min(1).optional().describe("paper's tasks: the strong model's base (as weak_model)"),
    data: z.array(z.string().min(1)).default([]).describe("paper's tasks: dataset files in any format the tasks read (default: the hub cache of `w2s data fetch`)"),
    mmlu_train_source: z.enum(['auxiliary_train', 'dev']).default('auxiliary_train').describe('MMLU: the source split of the train split'),
    limit: z.number().int().min(1).optional().describe("paper's tasks: at most this many questions of each split (a smoke test, or a budget)"),
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
    weak_sft: sftOverrides.default({}).describe("overrides of the weak model's SFT recipe: learning_rate, batch_size, epochs, warmup_steps"),
    strong_sft: sftOverrides.default({}).describe("overrides of the strong model's SFT recipe (keys as weak_sft)"),
  })
  .strict()
  .superRefine((config, context) => {
    // Checked before any stage runs: a count a task cannot make would otherwise stop the run midway.
    for (const [name, n] of Object.entries(config.variations)) {
      // Named as the config names it (the family, not its task's synthetic-<family> name).
      const { maxVariations } = isFamilyName(name) ? getFamily(name).task : getTask(name);
      const beyond = variationsBeyondLimit({ name, maxVariations }, n);
      if (beyond !== undefined) context.addIssue({ code: 'custom', path: ['variations', name], message: beyond });
    }
    const synthetic = config.tasks.filter(isFamilyName);
    if (synthetic.length > 0 && synthetic.length < config.tasks.length) {
      context.addIssue({ code: 'custom', path: ['tasks'], message: "either the synthetic suite's families or the paper's tasks, not both in one run" });
    }
    if (synthetic.length === 0) {
      for (const field of ['weak_model', 'strong_model'] as const) {
        const model = config[field];
        if (model === undefined) context.addIssue({ code: 'custom', path: [field], message: `the paper's tasks need ${field} (a checkpoint folder, hub id or preset)` });
        // Checked before the run directory exists: the built-in engine reads local checkpoint folders only.
        else if (config.engine === 'builtin' && !existsSync(join(model, 'config.json'))) {
          context.addIssue({ code: 'custom', path: [field], message: `"${model}" is not a checkpoint folder (no config.json); hub ids and presets need engine hf` });
        }
      }
    }
  });

export type RunConfig = Omit<z.output<typeof runConfigSchema>, 'seeds'> & { seeds: number };

/**
 * Seeds when none are asked for: three on the synthetic suite's default and control configurations, where a run of
 * three fits in a few minutes and is the fewest that lets the report give verdicts; one for the quick smoke suite and
 * for the paper's tasks (GPU hours per seed).
 */
export function defaultSeeds(config: Pick<z.output<typeof runConfigSchema>, 'suite' | 'tasks'>): number {
  return config.suite !== 'quick' && config.tasks.every(isFamilyName) ? 3 : 1;
}
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** Validate a config object; errors name the file and the field. */
export function parseRunConfig(value: unknown, file?: string): RunConfig {
  const parsed = runConfigSchema.safeParse(value ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || undefined;
    throw badInput(issue?.message ?? 'invalid config', { ...(file !== undefined ? { file } : {}), ...(field !== undefined ? { field } : {}) });
  }
  return { ...parsed.data, seeds: parsed.data.seeds ?? defaultSeeds(parsed.data) };
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
