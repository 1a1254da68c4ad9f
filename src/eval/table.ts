// One cell of Table 1 or 2 from answers files: the test accuracy of the weak model, of each weak-to-strong model and
// of the ceiling, and each weak-to-strong model's PGR (docs/method.md, Sec. 3), on top of core/metrics.
import { pgr, pgrValue } from '../core/metrics.js';
import { badInput } from '../errors.js';
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
  sameQuestions(rows);
  return rows;
}

/** Accuracies and PGR compare models only on the same test questions: any other set is refused (exit 2). */
function sameQuestions(rows: readonly EvalRow[]): void {
  const [first, ...rest] = rows;
  if (first === undefined) return;
  for (const row of rest) {
    const missing = [...first.result.ids].filter((id) => !row.result.ids.has(id));
    const extra = [...row.result.ids].filter((id) => !first.result.ids.has(id));
    if (missing.length === 0 && extra.length === 0) continue;
    const example = missing.length > 0 ? `"${missing[0]}" is not in it` : `"${extra[0]}" is not in the weak model's`;
    throw badInput(
      `${row.model} was scored on ${row.result.questions} test questions and the weak model on ${first.result.questions} (${example}); ` +
        'give every model the same test questions',
      { file: row.result.file },
    );
  }
}
