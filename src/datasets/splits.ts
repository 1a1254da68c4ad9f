// Split materialisation (docs/method.md, App. B): train, val and test of a task made from its source splits by the task's
// split plan, deterministically from a seed.
//
// - Every random choice draws from an Rng derived from the seed and `<task>/<source split>`, so a split depends only
//   on the seed and its own source split, and the two halves of a source come from one shuffle (they are disjoint).
// - `sample`: `size` records drawn without replacement; a source with fewer records gives all of them.
// - `half`: a seeded shuffle of the source cut in two. With a `size`, each half takes at most `size` records from
//   its end of the shuffle (HellaSwag: 5,000 + 5,000 of 10,042, the rest unused), and when the source has fewer
//   than 2 x size records each half takes floor(n/2). Without a size, half 0 takes floor(n/2) and half 1 the rest
//   (ETHICS: 13,910 -> 6,955 + 6,955; GSM8K: 7,473 -> 3,736 + 3,737).
// - `all`: the source as it is.
// Each split lists its records in their source order.
import { Rng } from '../core/rng.js';
import { badInput } from '../errors.js';
import type { Question, SplitName, SplitRule, Task } from '../tasks/types.js';

/** A task's three splits. */
export type TaskSplits<R> = Record<SplitName, R[]>;

/** Make train, val and test of `task` from its source splits with `seed`; a source the plan needs but lacks is bad input. */
export function materialiseSplits<R extends Question>(
  task: Task<R>,
  sources: Readonly<Record<string, readonly R[]>>,
  seed: number | string,
): TaskSplits<R> {
  const take = (name: SplitName): R[] => materialiseSplit(task, sources, seed, name);
  return { train: take('train'), val: take('val'), test: take('test') };
}

/** Make one split of `task`, the same records {@link materialiseSplits} gives it; only its own source is needed. */
export function materialiseSplit<R extends Question>(
  task: Task<R>,
  sources: Readonly<Record<string, readonly R[]>>,
  seed: number | string,
  name: SplitName,
): R[] {
  const rule: SplitRule = task.splitPlan[name];
  const source = sources[rule.from];
  if (!source) {
    throw badInput(`${task.name} needs its "${rule.from}" split to make its splits; give a file of it`, { field: rule.from });
  }
  return pick(source, indicesOf(rule, source.length, Rng.derive(seed, `${task.name}/${rule.from}`)));
}

/** The source indices a rule selects from a source of `n` records, ascending. */
export function indicesOf(rule: SplitRule, n: number, rng: Rng): number[] {
  switch (rule.kind) {
    case 'all':
      return Array.from({ length: n }, (_, i) => i);
    case 'sample':
      return rng.sampleIndices(n, Math.min(rule.size, n));
    case 'half': {
      const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
      const halfSize = Math.floor(n / 2);
      const first = rule.size === undefined ? halfSize : Math.min(rule.size, halfSize);
      const second = rule.size === undefined ? n - halfSize : first;
      const chosen = rule.part === 0 ? order.slice(0, first) : order.slice(first, first + second);
      return chosen.sort((a, b) => a - b);
    }
  }
}

function pick<R>(source: readonly R[], indices: readonly number[]): R[] {
  return indices.map((i) => source[i] as R);
}
