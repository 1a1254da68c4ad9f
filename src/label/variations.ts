// The N prompt variations of a question (docs/method.md, Sec. 4.1), drawn the same way by `w2s label` and by `w2s run`:
// one random stream per question, derived from the seed and the question's id, so a question's variations depend on
// nothing else (not on the other questions, their order, or which command asks).
import { Rng } from '../core/rng.js';
import type { Variation } from '../core/types.js';
import type { Question, Task } from '../tasks/types.js';

/** The random stream a question's variations are drawn with. */
export function variationRng(seed: number, id: string): Rng {
  return Rng.derive(seed, `variations/${id}`);
}

/** One question's N variations (variant 0 = the original prompt); paraphrasing tasks first get their rewritten texts. */
export async function variationsOf<R extends Question>(task: Task<R>, record: R, n: number, seed: number): Promise<Variation[]> {
  const rng = variationRng(seed, record.id);
  const texts = task.variationTexts ? await task.variationTexts(record, n, rng) : undefined;
  return task.variations(record, n, rng, texts);
}

/** Every question's N variations, in question order. */
export function questionVariations<R extends Question>(task: Task<R>, records: readonly R[], n: number, seed: number): Promise<Variation[][]> {
  return Promise.all(records.map((record) => variationsOf(task, record, n, seed)));
}
