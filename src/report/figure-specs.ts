// Vega-lite specifications of the report's figures, built from a task's diagnostics (pure: data in, spec out).
import type { TopLevelSpec } from 'vega-lite';
import type { EntropyBin, ReliabilityMatrix, RiskCoveragePoint } from '../core/metrics.js';
import { fixed3, NO_VALUE } from './format.js';

const BASE = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  background: 'white',
  padding: 8,
  config: { font: 'sans-serif', title: { fontSize: 13, anchor: 'start' as const }, axis: { labelLimit: 140 } },
};

const CORRECT = 'correct';
const INCORRECT = 'incorrect';

/** The x label of an entropy bin: its value when the bin is one distinct entropy, else its range. */
export function entropyBinLabel(bin: EntropyBin): string {
  return bin.low === bin.high ? fixed3(bin.low) : `${fixed3(bin.low)}-${fixed3(bin.high)}`;
}

/**
 * Fig. 3/5: per entropy bin (Eq. 3), weak labels stacked as correct and incorrect, the bin's weak-label accuracy
 * written above its bar. The paper's premise shows as accuracy falling from left to right.
 */
export function entropyFigureSpec(task: string, bins: readonly EntropyBin[]): TopLevelSpec {
  const labels = bins.map(entropyBinLabel);
  const bars = bins.flatMap((bin, i) => [
    { bin: labels[i], outcome: CORRECT, rank: 0, count: bin.correct },
    { bin: labels[i], outcome: INCORRECT, rank: 1, count: bin.incorrect },
  ]);
  const accuracies = bins.map((bin, i) => ({
    bin: labels[i],
    total: bin.correct + bin.incorrect,
    label: bin.accuracy === null ? NO_VALUE : `acc ${fixed3(bin.accuracy)}`,
  }));
  const x = { field: 'bin', type: 'ordinal' as const, sort: labels, title: 'Entropy S_ent of the question (Eq. 3)', axis: { labelAngle: 0 } };
  return {
    ...BASE,
    title: `${task}: weak-label correctness by entropy (Fig. 3)`,
    width: { step: 64 },
    height: 220,
    layer: [
      {
        name: 'bars',
        data: { values: bars },
        mark: { type: 'bar' },
        encoding: {
          x,
          y: { field: 'count', type: 'quantitative', stack: 'zero', title: 'Questions' },
          color: {
            field: 'outcome',
            type: 'nominal',
            scale: { domain: [CORRECT, INCORRECT], range: ['#4c78a8', '#e45756'] },
            title: 'Weak label',
          },
          order: { field: 'rank', type: 'quantitative' },
          description: { field: 'outcome', type: 'nominal' },
        },
      },
      {
        name: 'accuracy',
        data: { values: accuracies },
        mark: { type: 'text', dy: -7, fontSize: 11 },
        encoding: { x, y: { field: 'total', type: 'quantitative' }, text: { field: 'label', type: 'nominal' } },
      },
    ],
  };
}

/**
 * Fig. 4/6: mean reliability S_prob (Eq. 4) per weak label (y) and gold label (x), the value written in each cell.
 * A reliable score puts its highest values on the diagonal. Cells without rows have no colour and read "n/a".
 */
export function reliabilityFigureSpec(task: string, matrix: ReliabilityMatrix): TopLevelSpec {
  const cells = matrix.weakLabels.flatMap((weak, i) =>
    matrix.goldLabels.map((gold, j) => {
      const mean = matrix.mean[i]?.[j] ?? null;
      return { weak, gold, mean, count: matrix.count[i]?.[j] ?? 0, label: mean === null ? NO_VALUE : fixed3(mean) };
    }),
  );
  const x = { field: 'gold', type: 'nominal' as const, sort: matrix.goldLabels, title: 'Gold label', axis: { labelAngle: 0 } };
  // Columns wide enough for their labels (about 7 px per character at the axis font size) and for a value "0.000".
  const longest = matrix.goldLabels.reduce((m, label) => Math.max(m, label.length), 0);
  const y = { field: 'weak', type: 'nominal' as const, sort: matrix.weakLabels, title: 'Weak label' };
  return {
    ...BASE,
    title: `${task}: mean reliability by weak and gold label (Fig. 4)`,
    width: { step: Math.min(140, Math.max(56, 7 * longest + 14)) },
    height: { step: 40 },
    layer: [
      {
        name: 'cells',
        data: { values: cells.filter((c) => c.mean !== null) },
        mark: { type: 'rect' },
        encoding: {
          x,
          y,
          color: { field: 'mean', type: 'quantitative', scale: { domain: [0, 1], scheme: 'blues' }, title: 'Mean S_prob' },
          description: { field: 'label', type: 'nominal' },
        },
      },
      {
        name: 'values',
        data: { values: cells },
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          x,
          y,
          text: { field: 'label', type: 'nominal' },
          // Dark cells need light text to stay readable.
          color: { condition: { test: 'datum.mean !== null && datum.mean > 0.6', value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

/** Risk-coverage curve: keep the most reliable weak labels first; the error rate among those kept. */
export function riskCoverageFigureSpec(task: string, points: readonly RiskCoveragePoint[]): TopLevelSpec {
  return {
    ...BASE,
    title: `${task}: risk-coverage of the reliability score`,
    width: 320,
    height: 220,
    data: { values: points.map((p) => ({ coverage: p.coverage, risk: p.risk })) },
    mark: { type: 'line', point: { filled: true, size: 36 } },
    encoding: {
      x: { field: 'coverage', type: 'quantitative', scale: { domain: [0, 1] }, title: 'Coverage (share of weak labels kept)' },
      y: { field: 'risk', type: 'quantitative', scale: { domain: [0, 1] }, title: 'Risk (error rate of those kept)' },
    },
  };
}

/**
 * Each method's difference to naive in test accuracy, a point with its 95% interval (the paired bootstrap over seeds x
 * test questions); filled when it exceeds the noise after the run's correction. A vertical rule marks 0.
 */
export function differenceFigureSpec(task: string, rows: readonly { method: string; diff: number; low: number; high: number; exceeds: boolean }[]): TopLevelSpec {
  const y = { field: 'method', type: 'nominal' as const, sort: rows.map((r) => r.method), title: null };
  const values = rows.map((r) => ({ ...r, verdict: r.exceeds ? 'beyond the noise (corrected)' : 'within the noise' }));
  return {
    ...BASE,
    title: `${task}: difference to naive in test accuracy (95% interval)`,
    width: 360,
    height: { step: 22 },
    layer: [
      { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#888' }, encoding: { x: { field: 'zero', type: 'quantitative' } } },
      {
        data: { values },
        mark: { type: 'rule' },
        encoding: { y, x: { field: 'low', type: 'quantitative', title: 'accuracy(method) - accuracy(naive)' }, x2: { field: 'high' } },
      },
      {
        data: { values },
        mark: { type: 'point', size: 60 },
        encoding: {
          y,
          x: { field: 'diff', type: 'quantitative' },
          fill: { field: 'verdict', type: 'nominal', scale: { domain: ['beyond the noise (corrected)', 'within the noise'], range: ['#4c78a8', 'white'] }, title: null },
          stroke: { value: '#4c78a8' },
        },
      },
    ],
  };
}
