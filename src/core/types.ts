// Contracts shared by every room (docs/contracts.md).

/**
 * One line of an answers file: the weak supervisor's output for one (question, variation).
 * `answer` is the canonical answer parsed from `output`, or null when the output could not be parsed.
 */
export interface AnswerRecord {
  id: string;
  variant: number;
  prompt: string;
  output: string;
  answer: string | null;
  gold?: string | null;
  /** The options in the order this variant showed them (multiple choice only). */
  choices?: string[];
}

/** One supervised fine-tuning row: the input of every Trainer. */
export interface SftRow {
  id: string;
  prompt: string;
  completion: string;
  weight: number;
}

/** One prompt variation of a question. Variant 0 is always the original prompt. */
export interface Variation {
  variant: number;
  prompt: string;
  /** The options in the order this variation shows them (multiple choice only). */
  choices?: string[];
}
