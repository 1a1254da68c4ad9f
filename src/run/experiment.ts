// The paper's experiment (Figure 2) on the synthetic suite, one stage after another:
// weak SFT on train -> weak labels on val under N variations -> reliability and selection -> strong SFT per method
// -> test accuracy -> PGR. Every stage is recorded in the run directory and skipped when a run resumes.
import { join } from 'node:path';
import { pgr, type Pgr } from '../core/metrics.js';
import { hashString } from '../core/rng.js';
import { selectRows, type SelectionMethod, type SelectionOptions } from '../core/selection.js';
import { meanWithInterval, pairedDifference } from '../core/statistics.js';
import type { SftSettings, TrainProgress } from '../backends/types.js';
import type { SftRecipe } from '../tasks/synthetic/suite.js';
import { experimentSetup, type TaskPlan } from './plans.js';
import { goldSftRows } from '../datasets/gold-rows.js';
import { writeFileAtomically } from '../io/atomic.js';
import { answersText, readAnswerRecords } from '../io/answers.js';
import type { Comparison, MethodName, MethodResult, RunResults, TaskResults, WeakLabelDiagnostics } from './results.js';
import { runSeeds, type RunConfig } from './config.js';
import { createRunEngine } from './engines/create.js';
import { lazyModel, type RunEngine } from './engines/types.js';
import { StageStore } from './stage-store.js';
import { accuracyOfOutputs, evaluateAccuracy, labelQuestions, originalPrompts, weakLabelDiagnostics } from './weak-labels.js';

/** What the experiment tells its caller as it goes (progress bars, logs). */
export interface ExperimentEvents {
  /** A stage starts (`total` work units) or advances (`done`). */
  progress(stage: string, done: number, total: number): void;
}

const SILENT: ExperimentEvents = { progress: () => {} };

function sftSettings(recipe: SftRecipe, seed: number, label: string): SftSettings {
  return {
    learningRate: recipe.learningRate,
    batchSize: recipe.batchSize,
    epochs: recipe.epochs,
    warmupSteps: recipe.warmupSteps,
    lora: recipe.lora,
    seed: hashString(`${seed}:${label}`),
  };
}

/** One strong model's outcome, as recorded in the stage store. */
interface StrongRecord {
  accuracy: number;
  n_train_rows: number;
  seconds: number;
}

/** One (family, seed) of the experiment. */
interface CellOutcome {
  weak: number;
  strong: Partial<Record<SelectionMethod, StrongRecord>>;
  diagnostics: WeakLabelDiagnostics;
}

/** Run the whole experiment into `runDir` (resuming what is recorded there) and return its results. */
export async function runExperiment(runDir: string, config: RunConfig, events: ExperimentEvents = SILENT): Promise<RunResults> {
  const timing: Record<string, number> = {};
  const addTime = (stage: string, seconds: number): void => {
    timing[stage] = (timing[stage] ?? 0) + seconds;
  };
  const timed = async <T>(stage: string, f: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await f();
    } finally {
      addTime(stage, (performance.now() - start) / 1000);
    }
  };
  const setup = await timed('pretrain', () => experimentSetup(config, events.progress));
  const store = new StageStore(join(runDir, 'stages'));
  const seeds = runSeeds(config);
  const tasks: Record<string, TaskResults> = {};
  const engine = await createRunEngine(config);
  try {
    for (const name of setup.taskNames) {
      const plan = await setup.plan(name);
      const outcomes: CellOutcome[] = [];
      for (const seed of seeds) {
        outcomes.push(await runCell({ runDir, config, plan, seed, store, events, timed, addTime, engine }));
      }
      tasks[plan.key] = aggregate(outcomes, config.methods, plan.splits.test.length);
    }
  } finally {
    await engine.close();
  }
  return { version: 1, suite: setup.label, seeds, tasks, timing };
}

interface CellContext {
  runDir: string;
  config: RunConfig;
  plan: TaskPlan;
  seed: number;
  store: StageStore;
  events: ExperimentEvents;
  timed: <T>(stage: string, f: () => Promise<T>) => Promise<T>;
  addTime: (stage: string, seconds: number) => void;
  engine: RunEngine;
}

async function runCell(c: CellContext): Promise<CellOutcome> {
  const { plan, seed, store, config } = c;
  const { task, splits } = plan;
  const cell = `${plan.name}/seed-${seed}`;
  const where = (kind: string): string => join(c.runDir, kind, plan.name, `seed-${seed}`);
  const label = `${plan.name} (seed ${seed})`;
  // The test's questions are asked with their original prompts, the same for the weak model and every strong one.
  const originals = await originalPrompts(task, splits.test);

  // 1. Weak supervisor: the weak base fine-tuned on train with ground truth.
  c.events.progress(`${label}: weak SFT`, 0, 1);
  const weakRows = goldSftRows(task, splits.train);
  const weak = await store.once(`${cell}/weak-sft`, () =>
    c.timed('weak SFT', async () => {
      const onStep = (p: TrainProgress): void => c.events.progress(`${label}: weak SFT`, p.step, p.totalSteps);
      return (await c.engine.trainer.train(plan.weak.base, weakRows, sftSettings(plan.weak.recipe, seed, 'weak'), join(where('models'), 'weak'), { onStep })).model;
    }),
  );
  // 2. Weak labels on val, N variations per question. The weak model is opened only when a stage needs it (a resumed
  // run may have recorded both) and closed before the strong models train.
  const answersFile = join(where('labels'), 'answers.jsonl');
  const weakModel = lazyModel(c.engine, weak.value);
  let weakTest: number;
  try {
    weakTest = (await store.once(`${cell}/weak-test`, () => c.timed('evaluate', () => evaluateAccuracy(weakModel.generate, task, splits.test, originals, plan.decoding)))).value;
    c.events.progress(`${label}: weak labels`, 0, 1);
    await store.once(`${cell}/labels`, () =>
      c.timed('label', async () => {
        const answers = await labelQuestions(weakModel.generate, task, splits.val, plan.variations, seed, plan.decoding);
        writeFileAtomically(answersFile, answersText(answers));
        return { rows: answers.length };
      }),
    );
    c.events.progress(`${label}: weak labels`, 1, 1);
  } finally {
    await weakModel.close();
  }
  const answers = readAnswerRecords(answersFile);

  // 3. Reliability and selection: one SFT set per method.
  const selection: SelectionOptions = { temperature: config.temperature, tauPercentile: config.tau_percentile, seed, completion: config.completion };
  const { summaries, plan: selectionPlan, rows } = selectRows(answers, config.methods, selection, (answer, row) => task.renderAnswer(answer, row));
  const diagnostics = weakLabelDiagnostics(answers, summaries, selectionPlan, plan.kind);

  // 4. Strong models, one per method, trained side by side in the job pool and evaluated on test.
  const strong: Partial<Record<SelectionMethod, StrongRecord>> = {};
  let done = 0;
  c.events.progress(`${label}: strong SFT`, done, config.methods.length);
  await Promise.all(
    config.methods.map(async (method) => {
      const methodRows = rows.get(method) ?? [];
      const record = await store.once(`${cell}/strong-${method}`, async (): Promise<StrongRecord> => {
        const result = await c.engine.strongJob({
          base: plan.strong.base,
          // A method left with no rows (every answer unparseable) leaves the strong base as it is.
          ...(methodRows.length > 0 ? { train: { rows: methodRows, settings: sftSettings(plan.strong.recipe, seed, `strong:${method}`), outDir: join(where('models'), method) } } : {}),
          prompts: originals.map((v) => v.prompt),
          decoding: plan.decoding,
        }, (step, total) => c.events.progress(`${label}: strong SFT (${method})`, step, total));
        c.addTime('strong SFT', result.trainSeconds);
        c.addTime('evaluate', result.seconds - result.trainSeconds);
        return { accuracy: accuracyOfOutputs(task, splits.test, originals, result.outputs), n_train_rows: methodRows.length, seconds: result.seconds };
      });
      strong[method] = record.value;
      c.events.progress(`${label}: strong SFT`, ++done, config.methods.length);
    }),
  );
  return { weak: weakTest, strong, diagnostics };
}

/** Means over seeds, intervals, PGR of the mean accuracies, and the paired comparisons of the report. */
function aggregate(outcomes: readonly CellOutcome[], methods: readonly SelectionMethod[], nTest: number): TaskResults {
  const perSeed = (method: MethodName): number[] => outcomes.map((o) => (method === 'weak' ? o.weak : (o.strong[method]?.accuracy ?? NaN)));
  const weakMean = meanWithInterval(perSeed('weak')).mean;
  const ceilingMean = methods.includes('ceiling') ? meanWithInterval(perSeed('ceiling')).mean : null;
  const result: Partial<Record<MethodName, MethodResult>> = {};
  for (const method of ['weak', ...methods] as MethodName[]) {
    const values = perSeed(method);
    const { mean, ci } = meanWithInterval(values);
    const gap: Pgr = ceilingMean === null ? { defined: false, reason: 'undefined: no ceiling in this run' } : pgr(weakMean, mean, ceilingMean);
    const rows = method === 'weak' ? 0 : outcomes.reduce((s, o) => s + (o.strong[method as SelectionMethod]?.n_train_rows ?? 0), 0) / outcomes.length;
    result[method] = {
      accuracy: mean,
      accuracy_ci: ci,
      pgr: gap.defined ? gap.value : null,
      ...(gap.defined ? {} : { pgr_note: gap.reason }),
      n_train_rows: rows,
      per_seed: values,
    };
  }
  const comparisons: Comparison[] = [];
  for (const baseline of ['naive', 'consistent'] as const) {
    if (!methods.includes(baseline)) continue;
    for (const method of methods) {
      if (method === baseline || method === 'ceiling' || method === 'naive' || method === 'consistent') continue;
      const d = pairedDifference(perSeed(method), perSeed(baseline));
      comparisons.push({ method, baseline, diff: d.diff, ci: d.ci, exceeds_noise: d.exceedsNoise });
    }
  }
  return { methods: result, comparisons, diagnostics: (outcomes[0] as CellOutcome).diagnostics, n_test: nTest };
}
