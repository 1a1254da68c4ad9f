// What a label run leaves in its directory besides the request store: manifest.json when it starts; answers.jsonl
// (the DESIGN.md answers contract, complete questions only), failures.jsonl and summary.json, all together, when
// every request has an outcome.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnswerRecord, Variation } from '../core/types.js';
import type { Generation } from '../backends/types.js';
import type { Question, Task } from '../tasks/types.js';
import type { RequestTally } from './cached-generator.js';
import { DEFAULT_FAILURE_STOP } from './failure-stop.js';
import type { LabelConfig } from './label.js';
import { StagedOutput } from './output-dir.js';

/** The run's account: what `summary.json` holds and the CLI prints. */
export interface LabelSummary {
  task: string;
  split: string;
  backend: string;
  model: string;
  variations: number;
  questions: number;
  /** Questions with every variant answered (they are in answers.jsonl). */
  complete_questions: number;
  failed_questions: number;
  requests: number;
  cache_hits: number;
  sent: number;
  retries: number;
  retries_by_reason: Record<string, number>;
  failures: number;
  failures_by_reason: Record<string, number>;
  /** Answered outputs the task's parser could not read (answer null). */
  unparseable: number;
  /** The rewrite requests of LLM paraphrases, when there were any. */
  paraphrase?: { requests: number; cache_hits: number; sent: number; retries: number; failures: number; failed_questions: number };
  /** Why the run stopped before every request had an outcome; null when it finished. */
  stopped: string | null;
  seconds: number;
}

/** One (question, variant) to ask. */
export interface Item {
  question: number;
  variation: Variation;
}

/** A question's variations, or why it has none. */
export type QuestionVariations = { ok: true; variations: Variation[] } | { ok: false; reason: string; message: string };

/** Everything a run asked and got: the items of a question are contiguous, in variant order. */
export interface LabelRun {
  task: Task;
  variations: number;
  questions: readonly Question[];
  /** Per question; undefined where the run stopped before its variations were made. */
  built: readonly (QuestionVariations | undefined)[];
  items: readonly Item[];
  /** Per item; undefined where the run stopped before it had an outcome. */
  results: readonly (Generation | undefined)[];
}

/** The summary of a run. */
export function summarize(
  config: LabelConfig,
  run: LabelRun,
  tally: RequestTally,
  rewriteTally: RequestTally | undefined,
  stopped: string | null,
  started: number,
): LabelSummary {
  const complete = run.questions.map((_, q) => run.built[q]?.ok === true);
  let unparseable = 0;
  run.items.forEach((item, i) => {
    const result = run.results[i];
    if (result?.ok !== true) complete[item.question] = false;
    else if (run.task.parseAnswer(result.output, item.variation) === null) unparseable++;
  });
  const completeQuestions = complete.filter(Boolean).length;
  const summary: LabelSummary = {
    task: run.task.name,
    split: config.split,
    backend: config.backend.backend,
    model: config.backend.model,
    variations: run.variations,
    questions: run.questions.length,
    complete_questions: completeQuestions,
    failed_questions: run.questions.length - completeQuestions,
    requests: tally.requests,
    cache_hits: tally.cacheHits,
    sent: tally.sent,
    retries: tally.retries,
    retries_by_reason: tally.retriesByReason,
    failures: tally.failures,
    failures_by_reason: tally.failuresByReason,
    unparseable,
    stopped,
    seconds: (performance.now() - started) / 1000,
  };
  if (rewriteTally) {
    summary.paraphrase = {
      requests: rewriteTally.requests,
      cache_hits: rewriteTally.cacheHits,
      sent: rewriteTally.sent,
      retries: rewriteTally.retries,
      failures: rewriteTally.failures,
      failed_questions: run.built.filter((b) => b !== undefined && !b.ok).length,
    };
  }
  return summary;
}

/** answers.jsonl (complete questions), failures.jsonl (what is missing and why) and summary.json, all together. */
export function writeOutputs(out: string, run: LabelRun, summary: LabelSummary): void {
  const output = new StagedOutput(out);
  try {
    const answers = output.writer('answers.jsonl');
    const failures = output.writer('failures.jsonl');
    let next = 0;
    run.questions.forEach((q, qi) => {
      const first = next;
      while (next < run.items.length && (run.items[next] as Item).question === qi) next++;
      const built = run.built[qi];
      if (built === undefined || !built.ok) {
        failures.write(`${JSON.stringify({ id: q.id, variant: null, reason: built?.reason ?? 'paraphrase', message: built?.message ?? '' })}\n`);
        return;
      }
      const lines: string[] = [];
      let failed = false;
      for (let i = first; i < next; i++) {
        const { variation } = run.items[i] as Item;
        const result = run.results[i] as Generation;
        if (!result.ok) {
          failed = true;
          failures.write(`${JSON.stringify({ id: q.id, variant: variation.variant, reason: result.reason, message: result.message })}\n`);
          continue;
        }
        const record: AnswerRecord = {
          id: q.id,
          variant: variation.variant,
          prompt: variation.prompt,
          output: result.output,
          answer: run.task.parseAnswer(result.output, variation),
          gold: q.gold,
          ...(variation.choices ? { choices: variation.choices } : {}),
        };
        lines.push(`${JSON.stringify(record)}\n`);
      }
      if (!failed) for (const line of lines) answers.write(line);
    });
    answers.close();
    failures.close();
    const summaryWriter = output.writer('summary.json');
    summaryWriter.write(`${JSON.stringify(summary, null, 2)}\n`);
    summaryWriter.close();
    output.commit();
  } catch (error) {
    output.abort();
    throw error;
  }
}

/** The run's settings, for whoever reads the directory later. No secret: the API key's variable is named, never read here. */
export function writeManifest(config: LabelConfig): void {
  const manifest = {
    command: 'label',
    w2s_version: packageVersion(),
    task: config.task,
    task_options: config.taskOptions ?? {},
    split: config.split,
    seed: config.source.seed,
    data: config.source.data ?? null,
    variations: config.variations ?? null,
    limit: config.limit ?? null,
    backend: config.backend,
    decoding: config.decoding,
    paraphrase: config.paraphrase ?? null,
    failure_stop: config.failureStop ?? DEFAULT_FAILURE_STOP,
    started_at: new Date().toISOString(),
  };
  const path = join(config.out, 'manifest.json');
  writeFileSync(`${path}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}
