import type { Variation } from '../core/types.js';
import type { Rng } from '../core/rng.js';

/** How a task's prompt variations are made (docs/method.md, Sec. 4.1). */
export type VariationKind = 'permutation' | 'label-swap' | 'paraphrase';

/** The split names every task materialises. */
export type SplitName = 'train' | 'val' | 'test';

/** A question of any task, in the task-independent shape the pipeline handles. */
export interface Question {
  id: string;
  /** Canonical gold answer (option text, "0"/"1", normalised number), or null when the record has none. */
  gold: string | null;
}

/** The formats a task's records are read from. */
export type RowFormat = 'jsonl' | 'csv' | 'parquet';

/** Where a raw row came from, handed to {@link Task.fromRow} so that ids and errors can name it. */
export interface RowContext {
  file: string;
  /** 1-based line of the row (for CSV the line its record starts on; for parquet the 1-based row number). */
  line: number;
  format: RowFormat;
  /** The source split the row belongs to, in the Hugging Face hub's naming. */
  split: string;
  /** 0-based position of the row among all rows of its split (over all files of the split, in the order given). */
  index: number;
  /** How many rows of this split were counted under `key` before this one (MMLU numbers questions per subject). */
  occurrence(key: string): number;
}

/**
 * One of our splits taken from a source split (docs/method.md, App. B):
 * - `all`: the source split as it is;
 * - `sample`: `size` records drawn without replacement (all of them when the source has fewer);
 * - `half`: one half of a seeded shuffle of the source; with `size`, each half holds at most `size` records
 *   (HellaSwag's 5,000 + 5,000 from 10,042), without it part 0 holds floor(n/2) and part 1 the rest.
 */
export type SplitRule =
  | { kind: 'all'; from: string }
  | { kind: 'sample'; from: string; size: number }
  | { kind: 'half'; from: string; part: 0 | 1; size?: number };

/** Where train, val and test of a task come from. */
export type SplitPlan = Readonly<Record<SplitName, SplitRule>>;

/** The orders four options can be shown in (4!): the most variations of a four-option multiple-choice question. */
export const FOUR_OPTION_ORDERS = 24;

/**
 * A task: its record schema, splits, App. B prompt, variations, parser and gold answer.
 * `R` is the task's record type with Hugging Face field names.
 */
export interface Task<R extends Question = Question> {
  readonly name: string;
  readonly variationKind: VariationKind;
  /** Default number of variations N (5 for multiple choice, 2 for the binary task). */
  readonly defaultVariations: number;
  /** The most variations a question can have (the orders of its options, its label-word orders, its templates); absent: no fixed limit. */
  readonly maxVariations?: number;
  /** Build the N variations of a question; variant 0 is the original prompt. */
  variations(record: R, n: number, rng: Rng, texts?: readonly string[]): Variation[];
  /** Parse a raw model output, shown the given variation, to a canonical answer (or null). */
  parseAnswer(output: string, variation: Pick<Variation, 'choices' | 'prompt'>): string | null;
  /** Render a canonical answer as a completion for the given variation (ground-truth and relabelled rows). */
  renderAnswer(answer: string, variation: Pick<Variation, 'choices' | 'prompt'>, record?: R): string;

  /** The source splits the task's files hold, in the hub's naming (e.g. `train`, `validation`). */
  readonly sourceSplits: readonly string[];
  /** How train, val and test are made from the source splits (App. B). */
  readonly splitPlan: SplitPlan;
  /** Column names of a header-less CSV release (MMLU); absent when the CSV's first line is its header. */
  readonly csvColumns?: readonly string[];
  /** The source split a file holds, told from its name (hub and original-release names), if it can be told. */
  sourceSplitOf(file: string): string | undefined;
  /** Validate one raw row and build the record; bad input throws a W2sError naming file, line and field. */
  fromRow(row: Readonly<Record<string, unknown>>, at: RowContext): R;
  /** The original App. B prompt of a record (what variant 0 shows under the default options). */
  prompt(record: R): string;
  /** The ground-truth completion for the original prompt, or null when the record has no gold answer. */
  goldCompletion(record: R): string | null;
  /**
   * Texts the variations are built from when they cannot be made synchronously (GSM8K paraphrases): n texts,
   * the first the original. Absent for tasks whose variations need nothing fetched.
   */
  variationTexts?(record: R, n: number, rng: Rng): Promise<string[]>;
}

/** Why a task cannot make `n` variations of a question (more than its `maxVariations`), or undefined when it can. */
export function variationsBeyondLimit(task: Pick<Task, 'name' | 'maxVariations'>, n: number): string | undefined {
  const max = task.maxVariations;
  return max !== undefined && n > max ? `${task.name} questions have at most ${max} variations, got ${n}` : undefined;
}
