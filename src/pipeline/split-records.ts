// The records of one of a task's splits, from the files the user gives or from the hub cache that `w2s data fetch`
// fills: only the source split the wanted split is made from is read.
import { existsSync } from 'node:fs';
import { taskFiles } from '../data/hub.js';
import { loadRecords, loadSourceSplits } from '../data/records.js';
import { materialiseSplit } from '../data/splits.js';
import { badInput } from '../errors.js';
import type { Question, SplitName, Task } from '../tasks/types.js';

export interface SplitSource {
  /** Local dataset files in any format the task reads; absent: the hub cache. */
  data?: readonly string[];
  /** The hub cache folder (W2S_CACHE). */
  cacheDir: string;
  /** Seed of the split materialisation. */
  seed: number;
}

/** The records of `split` of `task`, in split order. */
export async function loadSplitRecords<R extends Question>(task: Task<R>, split: SplitName, source: SplitSource): Promise<R[]> {
  const from = task.splitPlan[split].from;
  if (source.data && source.data.length > 0) {
    for (const file of source.data) if (!existsSync(file)) throw badInput('no such file', { file, field: '--data' });
    const sources = await loadSourceSplits(task, source.data);
    if (!sources[from]) {
      throw badInput(
        `${task.name}'s ${split} split is made from its "${from}" split, and no file given holds it (they hold: ${Object.keys(sources).join(', ')})`,
        { field: '--data' },
      );
    }
    return materialiseSplit(task, { [from]: sources[from] }, source.seed, split);
  }
  const files = taskFiles(task.name, { cacheDir: source.cacheDir }, { splits: [from] });
  const missing = files.filter((f) => !existsSync(f.path));
  if (missing.length > 0) {
    throw badInput(
      `${task.name}'s "${from}" split is not in the cache (${missing[0]?.path}); run \`w2s data fetch ${task.name} --split ${from}\` or give the file with --data`,
      { field: '--data' },
    );
  }
  const { records } = await loadRecords(task, files.map((f) => f.path), { split: from });
  return materialiseSplit(task, { [from]: records }, source.seed, split);
}
