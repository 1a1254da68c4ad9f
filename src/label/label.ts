// `w2s label`: the weak supervisor labels a split (docs/method.md: Sec. 4.1 and the pipeline's step 2). For every
// question of the split, N prompt variations are built, the weak model is asked each one, and each output is parsed to
// a canonical answer. Every request goes through the run directory's request store, so a stopped or killed run resumes
// where it was and sends no answered request again. The answers file is written, all at once, when every request has
// an outcome, in question order then variant order, whatever order the answers came in.
import { mkdirSync } from 'node:fs';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { llmParaphraser, ParaphraseError } from './paraphrase.js';
import { apiKeyFromEnv, createGenerator, type BackendConfig } from '../backends/create.js';
import { isGenerator, type Generation, type Generator } from '../backends/types.js';
import { badInput } from '../errors.js';
import { getTask, type TaskOptions } from '../tasks/registry.js';
import { variationsBeyondLimit, type Question, type Task } from '../tasks/types.js';
import { CachedGenerator, emptyTally } from './cached-generator.js';
import { DEFAULT_FAILURE_STOP, FailureStop } from './failure-stop.js';
import { summarize, writeManifest, writeOutputs } from './output.js';
import type { Item, LabelConfig, LabelRun, LabelSummary, QuestionVariations } from './types.js';
import { loadSplitRecords } from '../datasets/split-records.js';
import { RequestStore } from './request-store.js';
import { questionVariations, variationsOf } from './variations.js';

export type { LabelConfig, LabelProgress, LabelSummary, ParaphraseConfig } from './types.js';

/** Label a split of a task into `config.out`; see the file comment. */
export async function runLabel(config: LabelConfig): Promise<LabelSummary> {
  const started = performance.now();
  const env = config.env ?? process.env;
  const key = (backend: BackendConfig): string | undefined =>
    backend.backend === 'openai' ? apiKeyFromEnv(backend.apiKeyEnv, backend.apiKeyRequired === true, env) : undefined;
  // The Generators this run opened, and closes; a caller's own Generator stays open.
  const generators: Generator[] = [];
  const open = async (backend: BackendConfig | Generator): Promise<Generator> => {
    if (isGenerator(backend)) return backend;
    const opened = await createGenerator(backend, key(backend));
    generators.push(opened);
    return opened;
  };
  const generator = await open(config.backend);
  const stop = new AbortController();
  // Every request in flight listens to it (Node warns from 11 listeners on).
  setMaxListeners(0, stop.signal);
  const onAbort = (): void => stop.abort();
  config.signal?.addEventListener('abort', onAbort, { once: true });
  let store: RequestStore | undefined;
  try {
    // Everything that can be bad input is read before the run directory is made: a refused run leaves no folder.
    const plainTask = getTask(config.task, config.taskOptions);
    const records = await loadSplitRecords(plainTask, config.split, config.source);
    const beyond = config.variations === undefined ? undefined : variationsBeyondLimit(plainTask, config.variations);
    if (beyond !== undefined) throw badInput(beyond, { field: '--variations' });
    mkdirSync(config.out, { recursive: true });
    store = RequestStore.open(join(config.out, 'store.sqlite'));
    writeManifest(config);
    const failureStop = new FailureStop(config.failureStop ?? DEFAULT_FAILURE_STOP);
    const labels = new CachedGenerator(generator, store);

    let rewrites: CachedGenerator | undefined;
    const taskOptions: TaskOptions = { ...config.taskOptions };
    if (plainTask.variationKind === 'paraphrase' && (config.paraphrase?.source ?? 'llm') === 'llm') {
      const own = config.paraphrase?.backend;
      const paraphraseGenerator = own ? await open(own) : generator;
      rewrites = new CachedGenerator(paraphraseGenerator, store);
      taskOptions.paraphraser = llmParaphraser({
        complete: rewrites.complete(),
        decoding: config.paraphrase?.decoding,
        maxAttempts: config.paraphrase?.maxAttempts,
        signal: stop.signal,
      });
    }
    const task = getTask(config.task, taskOptions);
    const n = config.variations ?? task.defaultVariations;
    const questions = config.limit === undefined ? records : records.slice(0, config.limit);

    const built = await buildVariations(task, questions, n, config, rewrites, failureStop, stop);
    const items: Item[] = [];
    built.forEach((b, question) => {
      if (b?.ok) for (const variation of b.variations) items.push({ question, variation });
    });
    const results = new Array<Generation | undefined>(items.length);
    if (!stop.signal.aborted) {
      let done = 0;
      config.onProgress?.({ stage: 'label', done, total: items.length, tally: labels.tally });
      await forEachConcurrently(items.length, generator.concurrency, stop.signal, async (i) => {
        const item = items[i] as Item;
        const result = await labels.generate(item.variation.prompt, config.decoding, stop.signal);
        if (!result.ok && result.reason === 'aborted') return;
        results[i] = result;
        if (!result.cached && failureStop.record(result)) stop.abort();
        config.onProgress?.({ stage: 'label', done: ++done, total: items.length, tally: labels.tally });
      });
    }
    const stopped = failureStop.reason ?? (config.signal?.aborted ? 'interrupted' : null);
    const run: LabelRun = { task, variations: n, questions, built, items, results };
    const summary = summarize(config, run, labels.tally, rewrites?.tally, stopped, started);
    if (stopped === null) writeOutputs(config.out, run, summary);
    return summary;
  } finally {
    config.signal?.removeEventListener('abort', onAbort);
    store?.close();
    await Promise.all(generators.map((g) => g.close()));
  }
}

/** Every question's variations; paraphrasing questions run `concurrency` at a time and may fail one by one. */
async function buildVariations(
  task: Task,
  questions: readonly Question[],
  n: number,
  config: LabelConfig,
  rewrites: CachedGenerator | undefined,
  failureStop: FailureStop,
  stop: AbortController,
): Promise<(QuestionVariations | undefined)[]> {
  const seed = config.source.seed;
  if (!task.variationTexts) {
    try {
      return (await questionVariations(task, questions, n, seed)).map((variations) => ({ ok: true, variations }));
    } catch (error) {
      // A count the task cannot make (ETHICS has 2 label-word orders, four options 24 orders) is a usage error.
      if (error instanceof RangeError) throw badInput(error.message, { field: '--variations' });
      throw error;
    }
  }
  const built = new Array<QuestionVariations | undefined>(questions.length).fill(undefined);
  let done = 0;
  const report = (): void => config.onProgress?.({ stage: 'paraphrase', done, total: questions.length, tally: rewrites?.tally ?? emptyTally() });
  report();
  await forEachConcurrently(questions.length, rewrites?.generator.concurrency ?? 1, stop.signal, async (i) => {
    try {
      built[i] = { ok: true, variations: await variationsOf(task, questions[i] as Question, n, seed) };
      if (rewrites && failureStop.record({ ok: true })) stop.abort();
    } catch (error) {
      if (error instanceof ParaphraseError) {
        if (error.reason === 'aborted') return;
        built[i] = { ok: false, reason: error.reason === 'paraphrase' ? 'paraphrase' : `paraphrase ${error.reason}`, message: error.message };
        if (failureStop.record({ ok: false, reason: error.reason, message: error.message, fatal: error.fatal })) stop.abort();
      } else if (error instanceof RangeError) {
        // The built-in template paraphrases: this question admits fewer rewrites than asked.
        built[i] = { ok: false, reason: 'paraphrase', message: error.message };
      } else throw error;
    }
    done++;
    report();
  });
  return built;
}

/** Run `work(0..count-1)` with at most `concurrency` calls in flight; no new call starts once `signal` aborts. */
export async function forEachConcurrently(count: number, concurrency: number, signal: AbortSignal, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && !signal.aborted) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
