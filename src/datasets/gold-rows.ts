// Ground-truth SFT rows: the original App. B prompt of each question and its gold completion. They train the weak
// supervisor (docs/method.md Sec. 4.1: the weak model is fine-tuned on D_train with ground truth) and the ceiling.
import type { SftRow } from '../core/types.js';
import type { Question, Task } from '../tasks/types.js';

/** One row per record with a gold answer (weight 1, Eq. 5); records without one are left out. */
export function goldSftRows<R extends Question>(task: Task<R>, records: readonly R[]): SftRow[] {
  const rows: SftRow[] = [];
  for (const record of records) {
    const completion = task.goldCompletion(record);
    if (completion !== null) rows.push({ id: record.id, prompt: task.prompt(record), completion, weight: 1 });
  }
  return rows;
}
