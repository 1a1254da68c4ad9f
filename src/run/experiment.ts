// The paper's experiment (Figure 2) on the synthetic suite, one stage after another:
// weak SFT on train -> weak labels on val under N variations -> reliability and selection -> strong SFT per method
// -> test accuracy -> PGR. Every stage is recorded in the run directory and skipped when a run resumes.
import { join } from 'node:path';
import { hashString } from '../core/rng.js';
import { selectRows, type SelectionMethod, type SelectionOptions } from '../core/selection.js';
import { BOOTSTRAP_REPLICATES } from '../core/statistics.js';
import type { SftSettings, TrainProgress } from '../backends/types.js';
import type { SftRecipe } from '../tasks/synthetic/suite.js';
import { experimentSetup, type TaskPlan } from './plans.js';
import { goldSftRows } from '../datasets/gold-rows.js';
import { writeFileAtomically } from '../io/atomic.js';
import { answersText, readAnswerRecords } from '../io/answers.js';
import { runExplorePage } from '../report/explore/paths.js';
import { writeExplorePage } from '../report/explore/writer.js';
import type { RunResults, TaskResults } from './results.js';
import { runSeeds, type RunConfig } from './config.js';
import { createRunEngine } from './engines/create.js';
import { lazyModel, type RunEngine } from './engines/types.js';
import { StageStore } from './stage-store.js';
import { answerTest, labelQuestions, originalPrompts, scoreTestOutputs, type TestOutcome } from './weak-labels.js';
import { aggregate, correctComparisons, type CellOutcome, type StrongOutcome } from './aggregate.js';
import { CellProgress } from './cell-progress.js';

/** What the experiment tells its caller as it goes (progress bars, logs). */
export interface ExperimentEvents {
  /** A stage starts (`total` work units) or advances (`done`). */
  progress(stage: string, done: number, total: number): void;
}

const SILENT: ExperimentEvents = { progress: () => {} };

/** A recipe's SFT settings; `maxSteps` replaces its epochs (a matched budget). */
function sftSettings(recipe: SftRecipe, seed: number, label: string, maxSteps?: number): SftSettings {
  return {
    learningRate: recipe.learningRate,
    batchSize: recipe.batchSize,
    ...(maxSteps === undefined ? { epochs: recipe.epochs } : { maxSteps }),
    warmupSteps: recipe.warmupSteps,
    lora: recipe.lora,
    seed: hashString(`${seed}:${label}`),
  };
}

/** Optimizer steps of `rows` examples at a recipe's batch size and epochs (as the trainers count them). */
function recipeSteps(rows: number, recipe: Pick<SftRecipe, 'batchSize' | 'epochs'>): number {
  return Math.ceil(recipe.epochs * Math.ceil(rows / recipe.batchSize));
}

/**
 * Run the whole experiment into `runDir` (resuming what is recorded there) and return its results. `given`: an engine
 * to run on instead of the config's (the caller closes it); the config's is created and closed here.
 */
export async function runExperiment(runDir: string, config: RunConfig, events: ExperimentEvents = SILENT, given?: RunEngine): Promise<RunResults> {
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
  const engine = given ?? (await createRunEngine(config));
  try {
    // Cells run in order, each one's weak stages after the previous one's. An engine that pipelines cells starts the
    // next cell's weak stages while this cell's strong jobs run (they queue behind earlier cells' in its pool), so
    // the cores never wait for a stage; the first failure stops the loop, and nothing is left running on return.
    const progress = new CellProgress(events);
    const inFlight: Promise<unknown>[] = [];
    const results: Promise<[string, TaskResults]>[] = [];
    const failures: unknown[] = [];
    try {
      for (const name of setup.taskNames) {
        const plan = await setup.plan(name);
        const cells: Promise<CellOutcome>[] = [];
        for (const seed of seeds) {
          if (failures.length > 0) throw failures[0];
          const shown = progress.open();
          const c: CellContext = { runDir, config, plan, seed, store, events: shown.events, timed, addTime, engine };
          const weak = weakPhase(c);
          const cell = weak.then((w) => strongPhase(c, w));
          cell.then(shown.finish, (error: unknown) => {
            shown.finish();
            failures.push(error);
          });
          inFlight.push(cell);
          cells.push(cell);
          await (engine.pipelinesCells ? weak : cell).catch(() => undefined);
        }
        const task = Promise.all(cells).then((outcomes): [string, TaskResults] => [plan.key, aggregate(plan.key, outcomes, config.methods, plan.kind, plan.splits.test.length)]);
        task.catch(() => undefined);
        results.push(task);
      }
      for (const [key, result] of await Promise.all(results)) tasks[key] = result;
    } finally {
      await Promise.allSettled([...inFlight, ...results]);
    }
  } finally {
    if (!given) await engine.close();
  }
  correctComparisons(tasks, seeds.length);
  return { version: 2, suite: setup.label, seeds, budget: config.budget, bootstrap_replicates: BOOTSTRAP_REPLICATES, tasks, timing };
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

/** What a cell's weak stages hand its strong ones. */
interface WeakPhase {
  weakTest: TestOutcome;
  answers: ReturnType<typeof readAnswerRecords>;
  originals: Awaited<ReturnType<typeof originalPrompts>>;
  selection: ReturnType<typeof selectRows>;
}

/** A cell's names: its stage-store prefix, its folders (models/, labels/) and its label in progress lines. */
function cellNames(c: CellContext): { cell: string; where: (kind: string) => string; label: string } {
  const { plan, seed } = c;
  return {
    cell: `${plan.name}/seed-${seed}`,
    where: (kind) => join(c.runDir, kind, plan.name, `seed-${seed}`),
    label: `${plan.name} (seed ${seed})`,
  };
}

/** Steps 1-3 of a cell: the weak supervisor, its labels and the selection of every method's SFT rows. */
async function weakPhase(c: CellContext): Promise<WeakPhase> {
  const { plan, seed, store, config } = c;
  const { task, splits } = plan;
  const { cell, where, label } = cellNames(c);
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
  // run may have recorded both) and closed once they are done.
  const answersFile = join(where('labels'), 'answers.jsonl');
  const weakModel = lazyModel(c.engine, weak.value);
  let weakTest: TestOutcome;
  try {
    weakTest = (
      await store.once(`${cell}/weak-test`, () =>
        c.timed('evaluate', async () => {
          const scored = scoreTestOutputs(task, splits.test, originals, await answerTest(weakModel.generate, originals, plan.decoding));
          writeFileAtomically(join(where('labels'), 'test-weak.jsonl'), scored.log);
          return scored.outcome;
        }),
      )
    ).value;
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
  const selected = selectRows(answers, config.methods, selection, (answer, row) => task.renderAnswer(answer, row));
  // The weak labels question by question, with the threshold to move (report.html links to the page).
  writeExplorePage(join(c.runDir, runExplorePage(plan.key, seed)), answers, selection, `${plan.key}, seed ${seed}`, answersFile);

  return { weakTest, answers, originals, selection: selected };
}

/** Step 4 of a cell: a strong model per method, trained and evaluated on test. */
async function strongPhase(c: CellContext, weak: WeakPhase): Promise<CellOutcome> {
  const { plan, seed, store, config } = c;
  const { task, splits } = plan;
  const { cell, where, label } = cellNames(c);
  const { weakTest, answers, originals } = weak;
  const { summaries, plan: selectionPlan, rows } = weak.selection;
  // 4. Strong models, one per method, trained side by side in the job pool and evaluated on test. With a matched
  // budget every method trains as many optimizer steps as naive does at the recipe's epochs (docs/method.md).
  const naiveSteps = recipeSteps(selectionPlan.counts.naiveRows, plan.strong.recipe);
  const maxSteps = config.budget === 'matched' && naiveSteps > 0 ? naiveSteps : undefined;
  const strong: Partial<Record<SelectionMethod, StrongOutcome>> = {};
  let done = 0;
  c.events.progress(`${label}: strong SFT`, done, config.methods.length);
  await Promise.all(
    config.methods.map(async (method) => {
      const methodRows = rows.get(method) ?? [];
      const record = await store.once(`${cell}/strong-${method}`, async (): Promise<StrongOutcome> => {
        const result = await c.engine.strongJob({
          base: plan.strong.base,
          // A method left with no rows (every answer unparseable) leaves the strong base as it is.
          ...(methodRows.length > 0 ? { train: { rows: methodRows, settings: sftSettings(plan.strong.recipe, seed, `strong:${method}`, maxSteps), outDir: join(where('models'), method) } } : {}),
          prompts: originals.map((v) => v.prompt),
          decoding: plan.decoding,
        }, (step, total) => c.events.progress(`${label}: strong SFT (${method})`, step, total));
        c.addTime('strong SFT', result.trainSeconds);
        c.addTime('evaluate', result.seconds - result.trainSeconds);
        const scored = scoreTestOutputs(task, splits.test, originals, result.outputs);
        writeFileAtomically(join(where('labels'), `test-${method}.jsonl`), scored.log);
        return { ...scored.outcome, n_train_rows: methodRows.length, train_steps: result.trainSteps, seconds: result.seconds };
      });
      strong[method] = record.value;
      c.events.progress(`${label}: strong SFT`, ++done, config.methods.length);
    }),
  );
  return { weak: weakTest, strong, weakLabels: { answers, summaries, plan: selectionPlan } };
}
