// One cell of Table 1 or 2 from answers files: the test accuracy of the weak model, of each weak-to-strong model and
// of the ceiling, and each weak-to-strong model's PGR (docs/method.md, Sec. 3), on top of core/metrics.
import { pgr, pgrValue } from '../core/metrics.js';
import type { AnswerLine } from '../io/answers.js';
import { testAccuracy, type TestAccuracy } from './test-accuracy.js';

/** Where each model's test answers are: an answers file or a `w2s label` run directory. */
export interface EvalInputs {
  weak: string;
  ceiling?: string;
  strong: readonly { name: string; path: string }[];
}

/** One model's row: its accuracy and, for a weak-to-strong model, its PGR (or why there is none). */
export interface EvalRow {
  model: string;
  result: TestAccuracy;
  pgr: number | null;
  pgr_note?: string;
}

/** The rows in table order: weak, the weak-to-strong models as given, then the ceiling. */
export function evalTable(inputs: EvalInputs, parseAnswer?: (row: AnswerLine) => string | null): EvalRow[] {
  const weak = testAccuracy(inputs.weak, parseAnswer);
  const ceiling = inputs.ceiling === undefined ? null : testAccuracy(inputs.ceiling, parseAnswer);
  const rows: EvalRow[] = [{ model: 'weak', result: weak, pgr: null }];
  for (const { name, path } of inputs.strong) {
    const result = testAccuracy(path, parseAnswer);
    const gap = ceiling === null ? { defined: false as const, reason: 'undefined: no --ceiling given' } : pgr(weak.accuracy, result.accuracy, ceiling.accuracy);
    rows.push({ model: name, result, pgr: pgrValue(gap), ...(gap.defined ? {} : { pgr_note: gap.reason }) });
  }
  if (ceiling) rows.push({ model: 'ceiling', result: ceiling, pgr: null });
  return rows;
}
