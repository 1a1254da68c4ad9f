// Prompt variations (docs/method.md, Sec. 4.1). Variant 0 is always the original prompt: `naive` trains on it and the test
// uses it; variants 1..N-1 are the variations.
import type { Rng } from './rng.js';

/**
 * How the N option orders of a multiple-choice question are chosen.
 * - `original-first` (default): order 0 is the identity, orders 1..N-1 are distinct non-identity permutations drawn
 *   without replacement, so the N orders are distinct.
 * - `all-random`: all N orders drawn without replacement from the K! permutations, as the paper's public code does;
 *   the original order appears only by chance, and variant 0 is then the first order drawn.
 */
export type PermutationMode = 'original-first' | 'all-random';

/** All K! permutations of 0..K-1 in lexicographic order (the identity first). */
export function allPermutations(k: number): number[][] {
  if (!Number.isInteger(k) || k < 1 || k > 8) throw new RangeError(`allPermutations: K must be in 1..8, got ${k}`);
  const out: number[][] = [];
  const current: number[] = [];
  const used = new Array<boolean>(k).fill(false);
  const visit = (): void => {
    if (current.length === k) {
      out.push(current.slice());
      return;
    }
    for (let i = 0; i < k; i++) {
      if (used[i]) continue;
      used[i] = true;
      current.push(i);
      visit();
      current.pop();
      used[i] = false;
    }
  };
  visit();
  return out;
}

/**
 * N distinct option orders for K options. Each order lists original option indices in display order:
 * order [1, 2, 0, 3] shows original option B first ("A."), C second, A third, D fourth (docs/method.md App. A).
 */
export function choosePermutations(k: number, n: number, rng: Rng, mode: PermutationMode = 'original-first'): number[][] {
  const all = allPermutations(k);
  if (!Number.isInteger(n) || n < 1 || n > all.length) {
    throw new RangeError(`choosePermutations: N must be in 1..${all.length} (= ${k}!), got ${n}`);
  }
  if (mode === 'all-random') return rng.shuffle(rng.sampleIndices(all.length, n)).map((i) => all[i] as number[]);
  const others = rng.sampleIndices(all.length - 1, n - 1).map((i) => all[i + 1] as number[]);
  return [all[0] as number[], ...rng.shuffle(others)];
}

/** The options of a question in the display order given by `order`. */
export function applyPermutation<T>(options: readonly T[], order: readonly number[]): T[] {
  if (order.length !== options.length) throw new RangeError(`applyPermutation: ${order.length} indices for ${options.length} options`);
  return order.map((i) => options[i] as T);
}

/** The two orders of a binary task's label words: the original, then swapped (N = 2). */
export function labelWordOrders<T>(words: readonly [T, T]): [[T, T], [T, T]] {
  return [
    [words[0], words[1]],
    [words[1], words[0]],
  ];
}

/**
 * Supplies paraphrases of a question for generation tasks (GSM8K). Template paraphrases are built in; LLM
 * paraphrases come from the real backends. Implementations return exactly `n` distinct, non-empty texts.
 */
export interface ParaphraseProvider {
  readonly name: string;
  paraphrase(question: string, n: number, rng: Rng): Promise<string[]>;
}
