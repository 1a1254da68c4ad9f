// Where a record's original prompt shows the gold answer. The weak model's SFT split may have a skewed key (gold
// first far more often than by chance), as real multiple-choice datasets often do; a model trained on it learns to
// fall back on the first slot when it does not know, so its wrong answers move when the options are reordered.
// This is the premise of the paper's prompt variations, made to arise from training rather than from the decoder.
import type { Rng } from '../../core/rng.js';

/**
 * The probability that the gold answer is shown first (option A, or the first label word); the other slots share
 * the rest equally. 1/k (0.25 for four options, 0.5 for two label words) is a balanced key.
 */
export type GoldFirstProbability = number;

/** The slot (0-based) of the gold answer among k: 0 with probability `goldFirst`, else one of 1..k-1 uniformly. */
export function goldSlot(k: number, goldFirst: GoldFirstProbability, rng: Rng): number {
  if (!(goldFirst >= 0 && goldFirst <= 1)) throw new RangeError(`goldFirst must be in [0, 1], got ${goldFirst}`);
  return rng.next() < goldFirst ? 0 : 1 + rng.int(k - 1);
}

/** The options in display order: the gold at `slot`, the distractors in a random order around it. */
export function placeGold<T>(gold: T, distractors: readonly T[], slot: number, rng: Rng): T[] {
  const shown = rng.shuffle(distractors);
  shown.splice(slot, 0, gold);
  return shown;
}

/** `count` distinct values of `values` other than `gold`, drawn at random. */
export function distractorsFor<T>(gold: T, values: readonly T[], count: number, rng: Rng): T[] {
  const others = values.filter((v) => v !== gold);
  if (others.length < count) throw new RangeError(`need ${count} distractors, only ${others.length} values besides the gold`);
  return rng.sampleIndices(others.length, count).map((i) => others[i] as T);
}
