// Test accuracy from an answers file (`w2s eval`; the same rule as core/metrics `accuracy`): the answer to the original prompt (variant 0) of each question against its gold
// answer, as the paper evaluates (greedy decoding of the original prompt on D_test). Streams the file.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readAnswerLines, type AnswerLine } from '../io/answers.js';
import { isCorrect } from '../core/metrics.js';
import { badInput } from '../errors.js';

/** What one answers file scores on its test questions. */
export interface TestAccuracy {
  file: string;
  /** Questions with a variant-0 row and a gold answer: the denominator. */
  questions: number;
  correct: number;
  /** Variant-0 answers that could not be parsed (they count as wrong). */
  unparseable: number;
  accuracy: number;
  /** The ids of the scored questions (to check that models are compared on the same ones). */
  ids: ReadonlySet<string>;
}

/** The answers file of a path: the file itself, or `answers.jsonl` inside a `w2s label` run directory. */
export function answersFileOf(path: string): string {
  if (existsSync(path) && statSync(path).isDirectory()) return join(path, 'answers.jsonl');
  return path;
}

/**
 * Accuracy of the variant-0 answers against gold. `parseAnswer` derives a missing `answer` from `output` (a task's
 * parser); without it, a line with no `answer` is bad input. Rows without gold are skipped; a file with none is bad input.
 */
export function testAccuracy(path: string, parseAnswer?: (row: AnswerLine) => string | null): TestAccuracy {
  const file = answersFileOf(path);
  if (!existsSync(file)) throw badInput('no such answers file', { file });
  let questions = 0;
  let correct = 0;
  let unparseable = 0;
  const seen = new Set<string>();
  const ids = new Set<string>();
  for (const { line, row } of readAnswerLines(file)) {
    if (row.variant !== 0) continue;
    if (seen.has(row.id)) throw badInput(`question "${row.id}" has a second variant-0 row`, { file, line, field: 'id' });
    seen.add(row.id);
    if (row.gold === undefined || row.gold === null) continue;
    let answer = row.answer;
    if (answer === undefined) {
      if (!parseAnswer) throw badInput('no "answer" field; give --task to parse "output"', { file, line, field: 'answer' });
      answer = parseAnswer(row);
    }
    questions++;
    ids.add(row.id);
    if (answer === null) unparseable++;
    else if (isCorrect(answer, row.gold)) correct++;
  }
  if (questions === 0) throw badInput('no variant-0 row with a gold answer: nothing to score', { file });
  return { file, questions, correct, unparseable, accuracy: correct / questions, ids };
}
