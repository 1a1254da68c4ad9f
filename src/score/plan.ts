// Between the two passes of `w2s score`: each question's distribution (Eq. 2), entropy (Eq. 3) and S_prob (Eq. 4),
// tau, the kept questions, the majority answers, the `random` subset and the `-s` samples (`random-s` too), in flat
// typed arrays.
// The rules are those of planSelection (core/selection.ts); the in-memory selection is the reference the tests hold
// this to. Entropy and S_prob depend only on a question's counts, so they are computed once per distinct shape.
import { entropy, isKept, percentileOfCounts, reliabilityScores } from '../core/reliability.js';
import { Rng } from '../core/rng.js';
import type { SelectionOptions } from '../core/selection.js';
import { NULL_CODE, type QuestionTallies } from './tally.js';

/** The counts of a question's distinct answers, most frequent first, and what follows from them alone. */
export interface CountPattern {
  n: number;
  counts: number[];
  entropy: number;
  /** S_prob of each class (Eq. 4), in the same order. */
  scores: number[];
}

export interface ScorePlan {
  questions: number;
  tau: number;
  patterns: CountPattern[];
  /** Per question: its pattern; its classes are classAnswer[classStart[q], classStart[q + 1]), in pattern order. */
  pattern: Int32Array;
  classStart: Int32Array;
  classAnswer: Int32Array;
  kept: Uint8Array;
  inRandomSubset: Uint8Array;
  /** The majority answer of a kept question (NULL_CODE: none). */
  majority: Int32Array;
  variant0: Int32Array;
  gold: Int32Array;
  counts: { kept: number; naiveRows: number; filterPool: number; reweightPool: number; randomPool: number };
  /**
   * Which positions of the filter (reweight, random subset's) pool, in row order, `filter-s` (`reweight-s`, `random-s`)
   * draws: bitsets.
   */
  filterDrawn: Uint8Array;
  reweightDrawn: Uint8Array;
  randomDrawn: Uint8Array;
}

/** How many of a question's answers are null (unparseable): its classes are answers[first, last) in pattern p's order. */
export function nullCount(answers: Int32Array, first: number, last: number, p: CountPattern): number {
  for (let k = first; k < last; k++) if (answers[k] === NULL_CODE) return p.counts[k - first] as number;
  return 0;
}

/** Whether bit i of a bitset is set. */
export function hasBit(bits: Uint8Array, i: number): boolean {
  return ((bits[i >>> 3] as number) & (1 << (i & 7))) !== 0;
}

/**
 * The same k-of-n draw as Rng.sampleIndices (Floyd's algorithm, the same random numbers in the same order), as a
 * bitset of n bits instead of a sorted array: n/8 bytes.
 */
export function sampleBits(rng: Rng, n: number, k: number): Uint8Array {
  if (k > n || k < 0) throw new RangeError(`sampleBits: cannot draw ${k} of ${n}`);
  const bits = new Uint8Array((n + 7) >>> 3);
  for (let j = n - k; j < n; j++) {
    const t = rng.int(j + 1);
    const pick = hasBit(bits, t) ? j : t;
    bits[pick >>> 3] = (bits[pick >>> 3] as number) | (1 << (pick & 7));
  }
  return bits;
}

/**
 * Plan the selection from the tallies of pass 1 (the same decisions as planSelection). The tallies' class lists are
 * released once sorted into the plan's arrays.
 */
export function planScore(tallies: QuestionTallies, options: SelectionOptions): ScorePlan {
  const questions = tallies.questions;
  const classes = sortClasses(tallies);
  tallies.releaseClasses();
  const { patterns, pattern } = countPatterns(tallies, classes, options.temperature);
  // tau (Sec. 4.2) over the questions' entropies, taken as each pattern's entropy times its number of questions.
  const questionsOf = new Float64Array(patterns.length);
  for (let q = 0; q < questions; q++) questionsOf[pattern[q] as number] = (questionsOf[pattern[q] as number] as number) + 1;
  const tau = percentileOfCounts(
    patterns.map((p) => p.entropy),
    questionsOf,
    options.tauPercentile,
  );

  const kept = new Uint8Array(questions);
  const majority = new Int32Array(questions);
  const counts = { kept: 0, naiveRows: 0, filterPool: 0, reweightPool: 0, randomPool: 0 };
  const nonNull = new Int32Array(questions);
  for (let q = 0; q < questions; q++) {
    const p = patterns[pattern[q] as number] as CountPattern;
    const first = classes.start[q] as number;
    const last = classes.start[q + 1] as number;
    nonNull[q] = p.n - nullCount(classes.answer, first, last, p);
    // A question with no parseable answer has entropy 0 but nothing to train on: never kept (as planSelection).
    if (isKept(p.entropy, tau) && (nonNull[q] as number) > 0) {
      kept[q] = 1;
      counts.kept++;
      counts.filterPool += nonNull[q] as number;
      majority[q] = majorityAnswer(classes.answer, first, last, p, tallies.variant0[q] as number);
    } else majority[q] = NULL_CODE;
    counts.reweightPool += nonNull[q] as number;
    if ((tallies.variant0[q] as number) > NULL_CODE) counts.naiveRows++;
  }
  const inRandomSubset = bitsToFlags(sampleBits(new Rng(options.seed), questions, counts.kept), questions);
  for (let q = 0; q < questions; q++) if (inRandomSubset[q] === 1) counts.randomPool += nonNull[q] as number;
  const draws = (label: string, pool: number, size: number): Uint8Array => sampleBits(Rng.derive(options.seed, label), pool, Math.min(pool, size));
  const filterSRows = Math.min(counts.filterPool, counts.naiveRows);
  return {
    questions,
    tau,
    patterns,
    pattern,
    classStart: classes.start,
    classAnswer: classes.answer,
    kept,
    inRandomSubset,
    majority,
    variant0: tallies.variant0.subarray(0, questions),
    gold: tallies.gold.subarray(0, questions),
    counts,
    filterDrawn: draws('filter-s', counts.filterPool, counts.naiveRows),
    reweightDrawn: draws('reweight-s', counts.reweightPool, counts.naiveRows),
    randomDrawn: draws('random-s', counts.randomPool, filterSRows),
  };
}

/**
 * The most frequent non-null answer of a question (ties: the original prompt's answer, then the first by text, which
 * is the first of the tied classes in distribution order); NULL_CODE when every answer is null.
 */
function majorityAnswer(answers: Int32Array, first: number, last: number, p: CountPattern, variant0: number): number {
  let best = -1;
  for (let k = first; k < last; k++) {
    const answer = answers[k] as number;
    if (answer === NULL_CODE) continue;
    const count = p.counts[k - first] as number;
    if (best < 0) best = count;
    else if (count !== best) break;
    if (answer === variant0) return variant0;
  }
  if (best < 0) return NULL_CODE;
  for (let k = first; k < last; k++) if (answers[k] !== NULL_CODE) return answers[k] as number;
  return NULL_CODE;
}

function bitsToFlags(bits: Uint8Array, n: number): Uint8Array {
  const flags = new Uint8Array(n);
  for (let i = 0; i < n; i++) flags[i] = hasBit(bits, i) ? 1 : 0;
  return flags;
}

/**
 * Every question's classes in distribution order: most frequent first, ties non-null before null, then by text
 * (the order of AnswerDistribution in core/reliability.ts).
 */
function sortClasses(tallies: QuestionTallies): { start: Int32Array; answer: Int32Array; count: Int32Array } {
  const questions = tallies.questions;
  const start = new Int32Array(questions + 1);
  const answer = new Int32Array(tallies.nodes);
  const count = new Int32Array(tallies.nodes);
  const rank = textRanks(tallies);
  // Class a goes before class b: higher count, then non-null, then smaller text.
  const before = (a: number, b: number, countA: number, countB: number): boolean =>
    countA !== countB ? countA > countB : a === NULL_CODE || b === NULL_CODE ? b === NULL_CODE : (rank[a] as number) < (rank[b] as number);
  let k = 0;
  for (let q = 0; q < questions; q++) {
    start[q] = k;
    const first = k;
    for (let node = tallies.head[q] as number; node >= 0; node = tallies.nodeNext[node] as number) {
      const a = tallies.nodeAnswer[node] as number;
      const c = tallies.nodeCount[node] as number;
      let i = k++;
      while (i > first && before(a, answer[i - 1] as number, c, count[i - 1] as number)) {
        answer[i] = answer[i - 1] as number;
        count[i] = count[i - 1] as number;
        i--;
      }
      answer[i] = a;
      count[i] = c;
    }
  }
  start[questions] = k;
  return { start, answer, count };
}

/** Rank of each answer code by its text (JS string order, as the reference's sort uses). */
function textRanks(tallies: QuestionTallies): Int32Array {
  const size = tallies.keys.answers.size;
  const codes = Array.from({ length: size }, (_, i) => i + 1);
  const texts = codes.map((code) => tallies.keys.answers.text(code));
  codes.sort((a, b) => {
    const x = texts[a - 1] as string;
    const y = texts[b - 1] as string;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const rank = new Int32Array(size + 1);
  codes.forEach((code, i) => (rank[code] = i));
  return rank;
}

/** The distinct count shapes of all questions, with entropy and S_prob computed once per shape. */
function countPatterns(
  tallies: QuestionTallies,
  classes: { start: Int32Array; count: Int32Array },
  temperature: number,
): { patterns: CountPattern[]; pattern: Int32Array } {
  const patterns: CountPattern[] = [];
  // Patterns by a hash of their counts; a bucket lists the patterns with that hash.
  const byHash = new Map<number, number[]>();
  const pattern = new Int32Array(tallies.questions);
  const { start, count } = classes;
  const same = (p: CountPattern, first: number, last: number): boolean => {
    if (p.counts.length !== last - first) return false;
    for (let k = first; k < last; k++) if (p.counts[k - first] !== count[k]) return false;
    return true;
  };
  for (let q = 0; q < tallies.questions; q++) {
    const first = start[q] as number;
    const last = start[q + 1] as number;
    let hash = last - first;
    for (let k = first; k < last; k++) hash = Math.imul(hash, 31) + (count[k] as number);
    let bucket = byHash.get(hash);
    if (bucket === undefined) byHash.set(hash, (bucket = []));
    let index = bucket.find((i) => same(patterns[i] as CountPattern, first, last));
    if (index === undefined) {
      const list = Array.from(count.subarray(first, last));
      const n = list.reduce((sum, c) => sum + c, 0);
      // The shared formulas see a distribution whose answers do not matter: entropy and S_prob use the counts only.
      const dist = { n, classes: list.map((c) => ({ answer: null, count: c })) };
      index = patterns.push({ n, counts: list, entropy: entropy(dist), scores: reliabilityScores(dist, temperature) }) - 1;
      bucket.push(index);
    }
    pattern[q] = index;
  }
  return { patterns, pattern };
}
