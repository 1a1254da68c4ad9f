// The report's tables as cells: the paper's Tables 1-2, our methods and controls, the comparisons over seeds,
// and the premise diagnostics.
import type { MethodName, RunResults } from '../run/results.js';
import { formatAccuracy, formatInterval, formatPgr, fixed3, maybeFixed3, noiseVerdict, percent, signed3, NO_VALUE, PGR_UNDEFINED } from './format.js';
import type { Table } from './table.js';

/** Rows of Table 1 (uncertainty filtering, Sec. 4.2), in the paper's order. */
export const TABLE1_METHODS: readonly MethodName[] = ['weak', 'naive', 'filter-s', 'filter', 'ceiling'];
/** Rows of Table 2 (reliability re-weighting, Sec. 4.3), in the paper's order. */
export const TABLE2_METHODS: readonly MethodName[] = ['weak', 'naive', 'reweight-s', 'reweight', 'ceiling'];
/** Our method, the controls that tell selection from relabelling, and the references of selection. */
export const OURS_AND_CONTROLS: readonly MethodName[] = ['filter-reweight', 'majority', 'random', 'consistent', 'random-s', 'oracle'];

/** What each row means, for the legend under the tables (exhaustive: a new method needs its sentence). */
export const METHOD_DESCRIPTIONS: Readonly<Record<MethodName, string>> = {
  weak: 'the weak model itself, fine-tuned on the train split with ground truth',
  naive: 'strong model trained on the weak answer to the original prompt',
  'filter-s': 'rows drawn from the filter pool, as many as naive has',
  filter: 'all variations of the questions with entropy S_ent <= tau (Eq. 3)',
  'reweight-s': 'rows drawn from all weak answers, as many as naive has, weighted by S_prob',
  reweight: 'all variations, each row\'s loss weighted by its reliability S_prob (Eq. 4-5)',
  ceiling: 'strong model trained on the ground truth of the validation split',
  'filter-reweight': 'ours: the filter rows, each weighted by S_prob',
  majority: 'control: every variation of a kept question trained on its majority answer',
  random: 'control: all rows of a seeded random set of questions as large as filter\'s',
  consistent: 'control: every variation of a question trained on the original prompt\'s answer',
  'random-s': 'reference: as many rows as filter-s has, from a seeded random set of questions as large as filter\'s',
  oracle: 'reference: naive\'s rows of the questions whose weak answer is right (the best selection of naive\'s rows)',
};

// The two ends of the PGR scale: their PGR is 0 and 1 by definition, so the tables do not print it.
const PGR_ENDPOINTS: ReadonlySet<MethodName> = new Set<MethodName>(['weak', 'ceiling']);
const NOT_APPLICABLE = '—';

/** Rows = methods, columns = accuracy and PGR per task, shaped like the paper's tables. */
export function methodTable(results: RunResults, name: string, title: string, methods: readonly MethodName[]): Table {
  const tasks = Object.keys(results.tasks);
  const header = ['Method', ...tasks.flatMap((task) => [`${task} accuracy`, `${task} PGR`])];
  const rows = methods.map((method) => [
    method,
    ...tasks.flatMap((task) => {
      const result = results.tasks[task]?.methods[method];
      return [formatAccuracy(result), PGR_ENDPOINTS.has(method) && result !== undefined ? NOT_APPLICABLE : formatPgr(result)];
    }),
  ]);
  return { name, title, header, rows, notes: methodNotes(results) };
}

function methodNotes(results: RunResults): string[] {
  const seeds = results.seeds.length;
  const tests = Object.entries(results.tasks)
    .map(([task, t]) => `${task} ${t.n_test}`)
    .join(', ');
  return [
    seeds > 1
      ? `Accuracy on the test split (questions: ${tests}): mean over ${seeds} seeds ± half-width of its 95% t interval.`
      : `Accuracy on the test split (questions: ${tests}): one seed, so no interval.`,
    `PGR = (method - weak) / (ceiling - weak) of the mean accuracies; "${PGR_UNDEFINED}" where the ceiling does not beat the weak model; ${NOT_APPLICABLE} for weak and ceiling (0 and 1 by definition).`,
  ];
}

/** Table 1: uncertainty filtering. */
export function table1(results: RunResults): Table {
  return methodTable(results, 'table1-filter', 'Table 1: uncertainty filtering', TABLE1_METHODS);
}

/** Table 2: reliability re-weighting. */
export function table2(results: RunResults): Table {
  return methodTable(results, 'table2-reweight', 'Table 2: reliability re-weighting', TABLE2_METHODS);
}

/** Our method and the controls, in the same shape as Tables 1-2. */
export function oursAndControlsTable(results: RunResults): Table {
  return methodTable(results, 'table3-ours-and-controls', 'Our method and controls', OURS_AND_CONTROLS);
}

/** Each method's difference to its baselines (naive, random-s, consistent), and whether it exceeds the noise. */
export function comparisonsTable(results: RunResults): Table {
  const rows = Object.entries(results.tasks).flatMap(([task, t]) =>
    t.comparisons.map((c) => [task, c.method, c.baseline, signed3(c.diff), formatInterval(c.ci), c.p.toFixed(4), c.p_adjusted.toFixed(4), noiseVerdict(c, results.seeds.length)]),
  );
  return {
    name: 'table4-comparisons',
    title: 'Differences to naive, random-s and consistent',
    header: ['Task', 'Method', 'Baseline', 'Difference', '95% interval', 'p', 'p (Holm)', 'Exceeds the noise?'],
    rows,
    notes: [
      'Difference = mean over seeds of accuracy(method) - accuracy(baseline), paired by seed and test question; interval and p from a bootstrap over seeds x test questions.',
      "It exceeds the noise when its p-value after Holm's correction over every comparison of the run is below 0.05, and only with two seeds or more.",
    ],
  };
}

/** The premise, per task: does reliability separate right from wrong weak labels, and where do wrong answers sit? */
export function diagnosticsTable(results: RunResults): Table {
  const rows = Object.entries(results.tasks).map(([task, { diagnostics: d }]) => [
    task,
    String(d.questions),
    `${Number.isInteger(d.kept_questions) ? d.kept_questions : d.kept_questions.toFixed(1)} (${percent(d.kept_share)})`,
    d.tau_per_seed.map(fixed3).join(' / '),
    maybeFixed3(d.auroc_entropy),
    maybeFixed3(d.auroc_reliability),
    maybeFixed3(d.weak_label_accuracy.all),
    maybeFixed3(d.weak_label_accuracy.kept),
    maybeFixed3(d.weak_label_accuracy.dropped),
    d.wrong_answer_positions === undefined ? NO_VALUE : positions(d.wrong_answer_positions),
  ]);
  return {
    name: 'diagnostics',
    title: 'Premise diagnostics (weak labels on the validation split, pooled over seeds)',
    header: [
      'Task',
      'Questions',
      'Kept (S_ent <= tau), mean over seeds',
      'tau (per seed)',
      'AUROC (-entropy)',
      'AUROC (S_prob)',
      'Weak-label accuracy, all',
      'Weak-label accuracy, kept',
      'Weak-label accuracy, dropped',
      'Wrong answers by position',
    ],
    rows,
    notes: [
      'AUROC: probability that a correct weak label scores above a wrong one (0.5 = no signal). Entropy is Eq. 3, S_prob is Eq. 4.',
      'Wrong answers by position: share of the weak model\'s wrong answers on each displayed option slot (a position habit shows as an uneven split).',
    ],
  };
}

function positions(shares: readonly number[]): string {
  return shares.map((share, i) => `${String.fromCharCode(65 + i)} ${percent(share)}`).join(' · ');
}

/** Every table of the report, in reading order. */
export function reportTables(results: RunResults): Table[] {
  return [diagnosticsTable(results), table1(results), table2(results), oursAndControlsTable(results), comparisonsTable(results)];
}
