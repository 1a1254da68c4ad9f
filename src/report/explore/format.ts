// What explore.html embeds: shared by the writer (Node) and the page's script (browser), so both read the same
// names. Pure: no I/O, no DOM. The page is a view, not a contract: it is read by its own script only.
import type { SelectionOptions } from '../../core/selection.js';

export const EXPLORE_FORMAT = 1;

/** Answer codes as in `w2s score`: an answer is answers[code - 1]; NULL_ANSWER is an unparseable answer, NO_ANSWER none. */
export const NULL_ANSWER = 0;
export const NO_ANSWER = -1;

/** Element ids of the embedded blocks: gzip-compressed JSON, base64-encoded, in `<script type="application/octet-stream">`. */
export const DATA_ELEMENT = 'w2s-data';
export const textBlockId = (k: number): string => `w2s-t${k}`;
export const originalBlockId = (k: number): string => `w2s-o${k}`;

/**
 * The page's table data: every row's question, variant and answer code in file order; questions in order of first
 * appearance (the order `w2s score` numbers them, on which its seeded draws depend).
 */
export interface ExploreData {
  format: typeof EXPLORE_FORMAT;
  title: string;
  /** Where the answers came from (a file, or a run's labels). */
  source: string;
  /** The settings the page opens with (those of the score or run that wrote it). */
  options: SelectionOptions;
  /** Distinct answer and gold texts. */
  answers: string[];
  ids: string[];
  /** Each question's gold answer code (NO_ANSWER: none given); null when no question has one. */
  gold: number[] | null;
  rowQuestion: number[];
  rowVariant: number[];
  rowAnswer: number[];
  /**
   * The rows' texts are in blocks `textBlockId(k)`, each a JSON array of [prompt, output] for rows
   * textBlockStarts[k] .. textBlockStarts[k + 1] - 1.
   */
  textBlockStarts: number[];
  /** The original prompts (variant 0), in file order of the variant-0 rows, in this many blocks `originalBlockId(k)`. */
  originalBlocks: number;
}
