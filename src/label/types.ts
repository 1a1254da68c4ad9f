// The shapes a label run is described by: its configuration and progress, the tally of its requests, what it asked
// and got, and the summary it writes (summary.json uses the tally's own snake_case names).
import type { BackendConfig } from '../backends/create.js';
import type { Decoding, Generation, Generator } from '../backends/types.js';
import type { Variation } from '../core/types.js';
import type { SplitSource } from '../datasets/split-records.js';
import type { SyntheticTaskName, TaskName, TaskOptions } from '../tasks/registry.js';
import type { Question, SplitName, Task } from '../tasks/types.js';
import type { FailureStopOptions } from './failure-stop.js';

/** Where paraphrase variations come from (generation tasks only). */
export interface ParaphraseConfig {
  /** `llm` (the paper: a language model rewrites the question) or `template` (the built-in rule-based rewrites). */
  source: 'llm' | 'template';
  /** The backend that paraphrases (a configuration, or a Generator of the caller's); default: the labelling backend. */
  backend?: BackendConfig | Generator;
  decoding?: Partial<Decoding>;
  maxAttempts?: number;
}

/** What a label run does: which task and split, with which model and decoding, into which run directory. */
export interface LabelConfig {
  /** A paper's task, or a synthetic family (its split records given as files). */
  task: TaskName | SyntheticTaskName;
  taskOptions?: Omit<TaskOptions, 'paraphraser'>;
  split: SplitName;
  source: SplitSource;
  /** Variations per question (default: the task's N). */
  variations?: number;
  /** Label only the first K questions of the split. */
  limit?: number;
  /** The run directory: store.sqlite, manifest.json, answers.jsonl, failures.jsonl, summary.json. */
  out: string;
  /**
   * The labelling model: a backend configuration (w2s opens and closes its Generator), or a Generator of the caller's
   * (library use: used as it is, and left open).
   */
  backend: BackendConfig | Generator;
  decoding: Decoding;
  paraphrase?: ParaphraseConfig;
  failureStop?: FailureStopOptions;
  env?: NodeJS.ProcessEnv;
  /** Stops the run (Ctrl-C); what is answered stays in the store. */
  signal?: AbortSignal;
  onProgress?: (progress: LabelProgress) => void;
}

/** Where a run is: `paraphrase` (building variations; GSM8K with LLM paraphrases) or `label`. */
export interface LabelProgress {
  stage: 'paraphrase' | 'label';
  done: number;
  total: number;
  tally: RequestTally;
}

/** What the requests of a run came to. */
export interface RequestTally {
  /** Requests asked for, cached or not. */
  requests: number;
  /** Answered from the store (or by an identical request of this run) without being sent. */
  cache_hits: number;
  /** Sent to the backend. */
  sent: number;
  /** Retried attempts, all sent requests together, and by the reason of the failed attempt. */
  retries: number;
  retries_by_reason: Record<string, number>;
  /** Sent requests that failed for good, by the reason of their last attempt. */
  failures: number;
  failures_by_reason: Record<string, number>;
}

/** The run's account: what `summary.json` holds and the CLI prints. */
export interface LabelSummary extends RequestTally {
  task: string;
  split: string;
  backend: string;
  model: string;
  variations: number;
  questions: number;
  /** Questions with every variant answered (they are in answers.jsonl). */
  complete_questions: number;
  /** Questions with a failed request, or whose variations could not be made (paraphrases). */
  failed_questions: number;
  /** Questions the run stopped before they had every outcome (none of those a failure); 0 when it finished. */
  unfinished_questions: number;
  /** Answered outputs the task's parser could not read (answer null). */
  unparseable: number;
  /** The rewrite requests of LLM paraphrases, when there were any. */
  paraphrase?: RequestTally & { failed_questions: number };
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

