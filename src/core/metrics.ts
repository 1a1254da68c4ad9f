// Metrics of the paper's tables and figures, and the diagnostics beside them.

/** Whether a canonical answer is right: equal to a known gold answer; an unparseable (null) answer never is. */
export function isCorrect(prediction: string | null | undefined, gold: string | null | undefined): boolean {
  return typeof prediction === 'string' && prediction === gold;
}

/** Fraction of predictions equal to their gold answer (a null prediction is wrong): test accuracy everywhere. */
export function accuracy(predictions: readonly (string | null)[], golds: readonly (string | null)[]): number {
  if (predictions.length !== golds.length) throw new RangeError(`accuracy: ${predictions.length} predictions for ${golds.length} golds`);
  if (predictions.length === 0) throw new RangeError('accuracy of an empty set');
  let correct = 0;
  for (let i = 0; i < predictions.length; i++) if (isCorrect(predictions[i], golds[i])) correct++;
  return correct / predictions.length;
}

/** Weak-label accuracy of the kept questions, of the dropped ones and of all (null where a group is empty). */
export interface KeptDroppedAccuracy {
  all: number | null;
  kept: number | null;
  dropped: number | null;
}

/** Counts correct and total weak labels of kept and of dropped questions, for {@link KeptDroppedAccuracy}. */
export class KeptDroppedTally {
  private readonly correct = [0, 0];
  private readonly total = [0, 0];

  /** `correct` of `total` labels (rows or questions) of a kept or a dropped question. */
  add(kept: boolean, correct: number, total: number): void {
    const group = kept ? 0 : 1;
    this.correct[group] = (this.correct[group] as number) + correct;
    this.total[group] = (this.total[group] as number) + total;
  }

  result(): KeptDroppedAccuracy {
    const ratio = (correct: number, total: number): number | null => (total === 0 ? null : correct / total);
    const [keptCorrect, droppedCorrect] = this.correct as [number, number];
    const [keptTotal, droppedTotal] = this.total as [number, number];
    return { all: ratio(keptCorrect + droppedCorrect, keptTotal + droppedTotal), kept: ratio(keptCorrect, keptTotal), dropped: ratio(droppedCorrect, droppedTotal) };
  }
}

/** PGR, or why it is undefined. */
export type Pgr = { defined: true; value: number } | { defined: false; reason: string };

/** PGR = (weak-to-strong - weak) / (strong ceiling - weak); undefined when the ceiling does not beat the weak model. */
export function pgr(weak: number, weakToStrong: number, ceiling: number): Pgr {
  if (!(ceiling > weak)) return { defined: false, reason: `undefined: ceiling (${ceiling.toFixed(4)}) <= weak (${weak.toFixed(4)})` };
  return { defined: true, value: (weakToStrong - weak) / (ceiling - weak) };
}

/** The PGR as a number for JSON (null when undefined). */
export function pgrValue(p: Pgr): number | null {
  return p.defined ? p.value : null;
}

/** Positives and negatives seen at one score value. */
export interface OutcomeCounts {
  positive: number;
  negative: number;
}

/**
 * AUROC of a score for a binary outcome (does a high score mean a correct weak label?): the probability that a
 * random positive scores above a random negative, ties counting one half (Mann-Whitney U / (n+ n-)).
 * Null when either class is empty.
 */
export function auroc(scores: readonly number[], positive: readonly boolean[]): number | null {
  if (scores.length !== positive.length) throw new RangeError(`auroc: ${scores.length} scores for ${positive.length} labels`);
  const histogram = new Map<number, OutcomeCounts>();
  scores.forEach((score, i) => addOutcome(histogram, score, positive[i] === true, 1));
  return aurocFromHistogram(histogram);
}

/** Tally `count` outcomes at a score (streaming callers keep one small histogram instead of every score). */
export function addOutcome(histogram: Map<number, OutcomeCounts>, score: number, positive: boolean, count: number): void {
  const entry = histogram.get(score) ?? { positive: 0, negative: 0 };
  if (positive) entry.positive += count;
  else entry.negative += count;
  histogram.set(score, entry);
}

/** AUROC from outcome counts per score value: each positive beats the negatives below it, ties count one half. */
export function aurocFromHistogram(histogram: ReadonlyMap<number, OutcomeCounts>): number | null {
  let negativesBelow = 0;
  let wins = 0;
  let totalPositive = 0;
  for (const score of [...histogram.keys()].sort((a, b) => a - b)) {
    const { positive, negative } = histogram.get(score) as OutcomeCounts;
    wins += positive * (negativesBelow + negative / 2);
    negativesBelow += negative;
    totalPositive += positive;
  }
  if (totalPositive === 0 || negativesBelow === 0) return null;
  return wins / (totalPositive * negativesBelow);
}

/** One bar group of Fig. 3: questions in an entropy bin, how many weak labels were right, and the accuracy. */
export interface EntropyBin {
  low: number;
  high: number;
  correct: number;
  incorrect: number;
  accuracy: number | null;
}

/**
 * Fig. 3/5: questions binned by entropy with the correctness of their weak label. By default one bin per distinct
 * entropy value (N answers give few values: 7 for N = 5); with `bins`, that many equal-width bins over [0, max].
 */
export function entropyBins(items: readonly { entropy: number; correct: boolean }[], bins?: number): EntropyBin[] {
  const make = (low: number, high: number, members: readonly { correct: boolean }[]): EntropyBin => {
    const correct = members.filter((m) => m.correct).length;
    const incorrect = members.length - correct;
    return { low, high, correct, incorrect, accuracy: members.length === 0 ? null : correct / members.length };
  };
  if (bins === undefined) {
    const byValue = new Map<number, { correct: boolean }[]>();
    for (const item of items) {
      const key = Math.round(item.entropy * 1e9) / 1e9;
      const group = byValue.get(key) ?? [];
      group.push(item);
      byValue.set(key, group);
    }
    return [...byValue.keys()].sort((a, b) => a - b).map((v) => make(v, v, byValue.get(v) ?? []));
  }
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`entropyBins: bins must be a positive integer, got ${bins}`);
  const max = items.reduce((m, item) => Math.max(m, item.entropy), 0);
  const width = max > 0 ? max / bins : 1;
  const groups: { correct: boolean }[][] = Array.from({ length: bins }, () => []);
  for (const item of items) groups[Math.min(bins - 1, Math.floor(item.entropy / width))]?.push(item);
  return groups.map((g, i) => make(i * width, (i + 1) * width, g));
}

/** Fig. 4/6: mean reliability score per (weak label, gold label); rows = weak labels, columns = gold labels. */
export interface ReliabilityMatrix {
  weakLabels: string[];
  goldLabels: string[];
  /** mean[i][j] = mean S_prob of rows with weak label i and gold label j; null where there are none. */
  mean: (number | null)[][];
  count: number[][];
}

/** Fig. 4: the mean S_prob of each (weak label, gold label) pair, over the given rows. */
export function reliabilityMatrix(rows: readonly { weak: string; gold: string; score: number }[]): ReliabilityMatrix {
  const weakLabels = [...new Set(rows.map((r) => r.weak))].sort();
  const goldLabels = [...new Set(rows.map((r) => r.gold))].sort();
  const sum = weakLabels.map(() => goldLabels.map(() => 0));
  const count = weakLabels.map(() => goldLabels.map(() => 0));
  for (const r of rows) {
    const i = weakLabels.indexOf(r.weak);
    const j = goldLabels.indexOf(r.gold);
    (sum[i] as number[])[j] = ((sum[i] as number[])[j] as number) + r.score;
    (count[i] as number[])[j] = ((count[i] as number[])[j] as number) + 1;
  }
  const mean = sum.map((row, i) => row.map((s, j) => (((count[i] as number[])[j] as number) === 0 ? null : s / ((count[i] as number[])[j] as number))));
  return { weakLabels, goldLabels, mean, count };
}

/** One point of a risk-coverage curve: keep the `coverage` fraction of most reliable items; `risk` = their error rate. */
export interface RiskCoveragePoint {
  coverage: number;
  risk: number;
}

/** Risk-coverage curve of a reliability score, most reliable first (ties enter together). */
export function riskCoverage(scores: readonly number[], correct: readonly boolean[]): RiskCoveragePoint[] {
  if (scores.length !== correct.length) throw new RangeError(`riskCoverage: ${scores.length} scores for ${correct.length} labels`);
  const order = scores.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const points: RiskCoveragePoint[] = [];
  let errors = 0;
  for (let k = 0; k < order.length; k++) {
    if (!correct[order[k] as number]) errors++;
    const next = order[k + 1];
    if (next !== undefined && scores[next] === scores[order[k] as number]) continue;
    points.push({ coverage: (k + 1) / order.length, risk: errors / (k + 1) });
  }
  return points;
}
