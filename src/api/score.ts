// The library's `score`: `w2s score` as a function, over an answers file or over answer records a program holds or
// produces. Records are spooled to a temporary JSON Lines file first: the scorer reads its input twice (docs/method.md
// Sec. 4: tau needs every question's entropy before any row is selected), and a file keeps memory flat however many
// records there are.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TAU_PERCENTILE, DEFAULT_TEMPERATURE } from '../core/reliability.js';
import type { SelectionMethod } from '../core/selection.js';
import { W2sError } from '../errors.js';
import type { AnswerLine } from '../io/answers.js';
import { score as scoreFile, type ScoreSummary } from '../score/score.js';
import type { Task } from '../tasks/types.js';

export type { ScoreSummary } from '../score/score.js';

/**
 * One answer of an answers file (docs/contracts.md): an `AnswerRecord` whose `answer` may be left out when a task
 * derives it from `output`.
 */
export type AnswerInput = AnswerLine;

/** What {@link score} reads: an answers file's path, or answer records (the lines of such a file, in order). */
export type ScoreInput = string | Iterable<AnswerInput> | AsyncIterable<AnswerInput>;

/** Settings of {@link score}; everything but `out` has the paper's default. */
export interface ScoreOptions {
  /** The folder that receives reliability.jsonl, sft-<method>.jsonl and summary.json (replaced as a whole). */
  out: string;
  /** T of S_prob (Eq. 4); default 0.2. */
  temperature?: number;
  /** Questions with entropy at or below this percentile of all entropies are kept (Sec. 4.2); default 50. */
  tauPercentile?: number;
  /** Seed of the sampled (`-s`) sets and the `random` control; default 0. */
  seed?: number;
  /** Methods whose SFT rows to write; default: the paper's (`ceiling` only when gold answers are present). */
  methods?: readonly SelectionMethod[];
  /** Train on the raw `output` (the paper, default) or on the canonical `answer` rendered for the row. */
  completion?: 'output' | 'answer';
  /**
   * A task (a name such as `mmlu`, or a task object from `w2s/tasks`): derives a missing `answer` from `output` with
   * the task's parser, and renders relabelled answers in the task's answer format.
   */
  task?: string | Task;
  /** Called now and then with the pass (1 or 2) and the fraction of the input read. */
  onProgress?: (pass: 1 | 2, fraction: number) => void;
  /** Stops the scoring when aborted; nothing is written then. */
  signal?: AbortSignal;
}

/** How spooled records are named in errors and in summary.json, instead of the temporary file's path. */
const RECORDS = 'answer records';

/**
 * Score answers for reliability and write every selection method's SFT rows into `options.out` (the same files and
 * numbers as `w2s score`); resolves to the summary that summary.json holds. Bad input rejects with a {@link W2sError}
 * naming the file (or, for records, the record's number as its line) and field, and leaves nothing at `out`.
 */
export async function score(input: ScoreInput, options: ScoreOptions): Promise<ScoreSummary> {
  const task = typeof options.task === 'string' ? (await import('../tasks/registry.js')).getTask(options.task) : options.task;
  const settings = {
    out: options.out,
    temperature: options.temperature ?? DEFAULT_TEMPERATURE,
    tauPercentile: options.tauPercentile ?? DEFAULT_TAU_PERCENTILE,
    seed: options.seed ?? 0,
    completion: options.completion ?? 'output',
    ...(options.methods !== undefined ? { methods: options.methods } : {}),
    ...(task !== undefined
      ? { parseAnswer: (row: AnswerInput) => task.parseAnswer(row.output, row), render: (answer: string, row: AnswerInput) => task.renderAnswer(answer, row) }
      : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  };
  if (typeof input === 'string') return scoreFile({ ...settings, input });
  const dir = await mkdtemp(join(tmpdir(), 'w2s-score-'));
  try {
    const file = join(dir, 'answers.jsonl');
    await spool(input, file);
    const summary = await scoreFile({ ...settings, input: file, inputName: RECORDS }).catch((error: unknown) => {
      throw error instanceof W2sError && error.location.file === file ? new W2sError(error.detail, { ...error.location, file: RECORDS }, error.exitCode) : error;
    });
    return summary;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes records as JSON lines, waiting for the stream to drain so a long producer never fills memory. */
async function spool(records: Iterable<AnswerInput> | AsyncIterable<AnswerInput>, file: string): Promise<void> {
  const out = createWriteStream(file);
  const failed = once(out, 'error').then(([error]) => Promise.reject(error as Error));
  failed.catch(() => undefined);
  try {
    for await (const record of records) {
      if (!out.write(`${JSON.stringify(record)}\n`)) await Promise.race([once(out, 'drain'), failed]);
    }
  } finally {
    out.end();
  }
  await Promise.race([once(out, 'finish'), failed]);
}
