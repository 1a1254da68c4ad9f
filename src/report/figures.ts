// The report's figures rendered to SVG: vega-lite compiles each spec to vega, and vega's headless view draws it
// (SVG needs no canvas, so this runs in plain Node).
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Comparison, RunResults, TaskResults, WeakLabelDiagnostics } from '../run/results.js';
import { differenceFigureSpec, entropyFigureSpec, reliabilityFigureSpec, riskCoverageFigureSpec } from './figure-specs.js';

/** The report's figures: Fig. 3 (entropy), Fig. 4 (reliability), risk-coverage, and the methods' differences. */
export type FigureKind = 'difference' | 'entropy' | 'reliability' | 'risk-coverage';

/** One rendered figure of one task. */
export interface Figure {
  task: string;
  kind: FigureKind;
  /** What the figure shows, in words (also its caption in the HTML). */
  caption: string;
  svg: string;
}

/** Compile a vega-lite spec and render it to a standalone SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Fig. 3, Fig. 4 and the risk-coverage curve of one task. */
export async function taskFigures(task: string, d: WeakLabelDiagnostics): Promise<Figure[]> {
  return [
    {
      task,
      kind: 'entropy',
      caption: 'Fig. 3: weak labels of the validation split per entropy bin, correct and incorrect, with the bin accuracy.',
      svg: await renderSvg(entropyFigureSpec(task, d.entropy_bins)),
    },
    {
      task,
      kind: 'reliability',
      caption: 'Fig. 4: mean reliability score S_prob per weak label (rows) and gold label (columns).',
      svg: await renderSvg(reliabilityFigureSpec(task, d.reliability_matrix)),
    },
    {
      task,
      kind: 'risk-coverage',
      caption: 'Risk-coverage: error rate of the weak labels kept when keeping the most reliable first.',
      svg: await renderSvg(riskCoverageFigureSpec(task, d.risk_coverage)),
    },
  ];
}

/** The methods' differences to naive with their intervals, or nothing when the run has no comparison with naive. */
export async function differenceFigure(task: string, t: TaskResults): Promise<Figure[]> {
  const rows = t.comparisons
    .filter((c: Comparison) => c.baseline === 'naive')
    .map((c) => ({ method: c.method, diff: c.diff, low: c.ci[0], high: c.ci[1], exceeds: c.exceeds_noise }));
  if (rows.length === 0) return [];
  return [
    {
      task,
      kind: 'difference',
      caption: "Each method's test accuracy minus naive's, with its 95% interval (seeds x test questions); filled: beyond the noise after Holm's correction.",
      svg: await renderSvg(differenceFigureSpec(task, rows)),
    },
  ];
}

/** Every task's figures, tasks in the order of the results. */
export async function reportFigures(results: RunResults): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const [task, t] of Object.entries(results.tasks)) figures.push(...(await differenceFigure(task, t)), ...(await taskFigures(task, t.diagnostics)));
  return figures;
}
