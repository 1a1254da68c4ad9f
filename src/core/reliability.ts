// Reliability of a question's weak answers under prompt variations (docs/method.md, Sec. 4.1-4.3).
// An unparseable answer (null) is one more class: it counts for the distribution, the entropy and S_prob.

/** The paper's softmax temperature T for S_prob (Eq. 4). */
export const DEFAULT_TEMPERATURE = 0.2;
/** The paper's tau: the 50th percentile of the entropies (Sec. 4.2). */
export const DEFAULT_TAU_PERCENTILE = 50;

/** One distinct prediction of a question and how many of its N variations gave it. */
export interface AnswerCount {
  answer: string | null;
  count: number;
}

/** The empirical distribution over distinct predictions, most frequent first (ties: non-null first, then by text). */
export interface AnswerDistribution {
  n: number;
  classes: AnswerCount[];
}

/** Eq. 2: p(y_k | x) = (1/N) * #{i : a_i = y_k}, from the N answers of one question. */
export function answerDistribution(answers: readonly (string | null)[]): AnswerDistribution {
  const counts = new Map<string | null, number>();
  for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
  return distributionFromCounts(counts);
}

/** The same distribution from counts already tallied (streaming readers tally as they go). */
export function distributionFromCounts(counts: ReadonlyMap<string | null, number>): AnswerDistribution {
  const classes: AnswerCount[] = [];
  let n = 0;
  for (const [answer, count] of counts) {
    if (count <= 0) continue;
    classes.push({ answer, count });
    n += count;
  }
  classes.sort(compareClasses);
  return { n, classes };
}

function compareClasses(a: AnswerCount, b: AnswerCount): number {
  if (a.count !== b.count) return b.count - a.count;
  if (a.answer === null || b.answer === null) return a.answer === null ? (b.answer === null ? 0 : 1) : -1;
  return a.answer < b.answer ? -1 : a.answer > b.answer ? 1 : 0;
}

/** p(y_k | x) of a class. */
export function probability(dist: AnswerDistribution, count: number): number {
  return count / dist.n;
}

/**
 * Eq. 3: S_ent(x) = - sum_k p_k * ln p_k (natural log; 0 when all answers agree).
 * Summed over the counts in ascending order so that the value depends only on the multiset of counts:
 * the same answers under any option order give bit-identical entropies (tau ties are then exact).
 */
export function entropy(dist: AnswerDistribution): number {
  const counts = dist.classes.map((c) => c.count).sort((a, b) => a - b);
  let h = 0;
  for (const count of counts) {
    const p = count / dist.n;
    h -= p * Math.log(p);
  }
  return h === 0 ? 0 : h;
}

/**
 * The P-th percentile of values with linear interpolation between closest ranks (numpy's default "linear" method):
 * position = (P/100) * (n - 1).
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty list');
  const sorted = Float64Array.from(values).sort();
  return interpolate((rank) => sorted[rank] as number, sorted.length, p);
}

/**
 * The same percentile of a multiset given as distinct values and how often each occurs (streaming callers keep one
 * count per distinct value instead of every value). Values are ordered by `<` (so -0 and 0 are not told apart).
 */
export function percentileOfCounts(values: ArrayLike<number>, counts: ArrayLike<number>, p: number): number {
  const order = Array.from({ length: values.length }, (_, i) => i)
    .filter((i) => (counts[i] as number) > 0)
    .sort((a, b) => (values[a] as number) - (values[b] as number));
  const n = order.reduce((sum, i) => sum + (counts[i] as number), 0);
  if (n === 0) throw new RangeError('percentile of an empty list');
  // The value at a rank of the sorted multiset: walk the distinct values, smallest first.
  const at = (rank: number): number => {
    let seen = 0;
    for (const i of order) {
      seen += counts[i] as number;
      if (rank < seen) return values[i] as number;
    }
    throw new RangeError(`rank ${rank} of ${n}`);
  };
  return interpolate(at, n, p);
}

function interpolate(sortedAt: (rank: number) => number, n: number, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
  const position = (p / 100) * (n - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const lo = sortedAt(lower);
  const hi = sortedAt(upper);
  return lo + (hi - lo) * (position - lower);
}

/** tau = P-th percentile of the per-question entropies (Sec. 4.2; P = 50). */
export function tau(entropies: ArrayLike<number>, p: number = DEFAULT_TAU_PERCENTILE): number {
  return percentile(entropies, p);
}

/** Filtering keeps a question iff S_ent(x) <= tau (Sec. 4.2). */
export function isKept(questionEntropy: number, threshold: number): boolean {
  return questionEntropy <= threshold;
}

/**
 * Eq. 4: S_prob(x_i, a_i) = exp(p(y_{k_i}|x)/T) / sum_k exp(p(y_k|x)/T), over the distinct predictions of the question.
 * Returns the score of each class of `dist`, in the same order.
 */
export function reliabilityScores(dist: AnswerDistribution, temperature: number = DEFAULT_TEMPERATURE): number[] {
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
  const logits = dist.classes.map((c) => c.count / dist.n / temperature);
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** S_prob of one answer of the question (0 when the answer is not among its predictions). */
export function reliabilityOf(dist: AnswerDistribution, answer: string | null, temperature: number = DEFAULT_TEMPERATURE): number {
  const scores = reliabilityScores(dist, temperature);
  const index = dist.classes.findIndex((c) => c.answer === answer);
  return index < 0 ? 0 : (scores[index] as number);
}
