import type { Variation } from '../core/types.js';
import type { Rng } from '../core/rng.js';

/** How a task's prompt variations are made (PAPER.md, Sec. 4.1). */
export type VariationKind = 'permutation' | 'label-swap' | 'paraphrase';

/** The split names every task materialises. */
export type SplitName = 'train' | 'val' | 'test';

/** A question of any task, in the task-independent shape the pipeline handles. */
export interface Question {
  id: string;
  /** Canonical gold answer (option text, "0"/"1", normalised number), or null when the record has none. */
  gold: string | null;
}

/**
 * A task: its record schema, splits, App. B prompt, variations, parser and gold answer.
 * `R` is the task's record type with Hugging Face field names.
 */
export interface Task<R extends Question = Question> {
  readonly name: string;
  readonly variationKind: VariationKind;
  /** Default number of variations N (5 for multiple choice, 2 for the binary task). */
  readonly defaultVariations: number;
  /** Build the N variations of a question; variant 0 is the original prompt. */
  variations(record: R, n: number, rng: Rng): Variation[];
  /** Parse a raw model output, shown the given variation, to a canonical answer (or null). */
  parseAnswer(output: string, variation: Pick<Variation, 'choices' | 'prompt'>): string | null;
  /** Render a canonical answer as a completion for the given variation (ground-truth and relabelled rows). */
  renderAnswer(answer: string, variation: Pick<Variation, 'choices' | 'prompt'>, record?: R): string;
}
