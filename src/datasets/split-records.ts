// The records of a task's splits, from the files the user gives or from the hub cache that `w2s data fetch` fills:
// only the source splits the wanted splits are made from are read, each once.
import { existsSync } from 'node:fs';
import { taskFiles } from '../hub/download.js';
import { loadRecords, loadSourceSplits } from './records.js';
import { materialiseSplit } from './splits.js';
import { badInput } from '../errors.js';
import type { Question, SplitName, Task } from '../tasks/types.js';

/** Where a split's records come from: the user's files or the hub cache, and the seed of the split (App. B). */
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
  return (await loadSplits(task, [split], source))[split] as R[];
}

/** The records of several splits of `task`, each source split read once however many splits are made from it. */
export async function loadSplits<R extends Question>(task: Task<R>, splits: readonly SplitName[], source: SplitSource): Promise<Partial<Record<SplitName, R[]>>> {
  const sources = await loadSources(task, [...new Set(splits.map((split) => task.splitPlan[split].from))], splits, source);
  return Object.fromEntries(splits.map((split) => [split, materialiseSplit(task, sources, source.seed, split)]));
}

/** The source splits named `needed`, from the files the user gave or from the hub cache. */
async function loadSources<R extends Question>(task: Task<R>, needed: readonly string[], splits: readonly SplitName[], source: SplitSource): Promise<Record<string, R[]>> {
  if (source.data && source.data.length > 0) {
    for (const file of source.data) if (!existsSync(file)) throw badInput('no such file', { file, field: '--data' });
    const sources = await loadSourceSplits(task, source.data);
    for (const split of splits) {
      const from = task.splitPlan[split].from;
      if (!sources[from]) {
        throw badInput(
          `${task.name}'s ${split} split is made from its "${from}" split, and no file given holds it (they hold: ${Object.keys(sources).join(', ')})`,
          { field: '--data' },
        );
      }
    }
    return sources;
  }
  const loaded: Record<string, R[]> = {};
  for (const from of needed) {
    const files = taskFiles(task.name, { cacheDir: source.cacheDir }, { splits: [from] });
    const missing = files.filter((f) => !existsSync(f.path));
    if (missing.length > 0) {
      throw badInput(
        `${task.name}'s "${from}" split is not in the cache (${missing[0]?.path}); run \`w2s data fetch ${task.name} --split ${from}\` or give the file with --data`,
        { field: '--data' },
      );
    }
    loaded[from] = (await loadRecords(task, files.map((f) => f.path), { split: from })).records;
  }
  return loaded;
}
