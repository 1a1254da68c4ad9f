import { describe, expect, it } from 'vitest';
import { entropyFigureSpec, reliabilityFigureSpec, riskCoverageFigureSpec } from '../../src/report/figure-specs.js';
import { renderSvg, reportFigures } from '../../src/report/figures.js';
import { runResults } from './fixture.js';
import { markItems, parseSvg, texts } from './svg.js';

const mc = (): NonNullable<ReturnType<typeof runResults>['tasks'][string]>['diagnostics'] => {
  const d = runResults().tasks['world-mc']?.diagnostics;
  if (d === undefined) throw new Error('fixture has world-mc');
  return d;
};

describe('Fig. 3: entropy bins', () => {
  it('draws a correct and an incorrect bar per bin, heights in proportion to the counts', async () => {
    const d = mc();
    const doc = parseSvg(await renderSvg(entropyFigureSpec('world-mc', d.entropy_bins)));
    const bars = markItems(doc, 'bars', 'path');
    expect(bars).toHaveLength(2 * d.entropy_bins.length);
    expect(bars.map((b) => b.getAttribute('aria-label'))).toEqual(d.entropy_bins.flatMap(() => ['correct', 'incorrect']));
    // Bar heights are the `v` of "M x,y h w v H h -w Z": the first bin's correct and incorrect are 230 and 60.
    const height = (i: number): number => Number(/v(-?[\d.]+)/.exec(bars[i]?.getAttribute('d') ?? '')?.[1]);
    expect(height(0) / height(1)).toBeCloseTo(230 / 60, 2);
  });

  it('writes each bin\'s weak-label accuracy above it and labels bins by their entropy value', async () => {
    const d = mc();
    const doc = parseSvg(await renderSvg(entropyFigureSpec('world-mc', d.entropy_bins)));
    const labels = markItems(doc, 'accuracy', 'text').map((t) => t.textContent);
    expect(labels).toEqual(['acc 0.793', 'acc 0.656', 'n/a', 'acc 0.443', 'acc 0.308', 'acc 0.222', 'acc 0.200']);
    const all = texts(doc);
    for (const value of ['0.000', '0.500', '0.673', '0.950', '1.055', '1.332', '1.609']) expect(all).toContain(value);
    expect(all).toContain('world-mc: weak-label correctness by entropy (Fig. 3)');
  });

  it('labels equal-width bins by their range', async () => {
    const doc = parseSvg(await renderSvg(entropyFigureSpec('t', [{ low: 0, high: 0.8, correct: 3, incorrect: 1, accuracy: 0.75 }])));
    expect(texts(doc)).toContain('0.000-0.800');
  });
});

describe('Fig. 4: reliability heatmap', () => {
  it('draws one cell per (weak, gold) pair with rows, writes every value, and leaves empty pairs uncoloured', async () => {
    const d = mc();
    const doc = parseSvg(await renderSvg(reliabilityFigureSpec('world-mc', d.reliability_matrix)));
    expect(markItems(doc, 'cells', 'path')).toHaveLength(15);
    const values = markItems(doc, 'values', 'text').map((t) => t.textContent);
    expect(values).toHaveLength(16);
    expect(values.slice(0, 4)).toEqual(['0.910', '0.420', '0.380', '0.400']);
    expect(values[7]).toBe('n/a');
  });

  it('puts weak labels on y and gold labels on x', async () => {
    const d = mc();
    const doc = parseSvg(await renderSvg(reliabilityFigureSpec('world-mc', d.reliability_matrix)));
    const cells = markItems(doc, 'values', 'text');
    // The cell (weak B, gold A) = 0.450 sits one row below (weak A, gold A) = 0.910 and in the same column.
    const at = (i: number): [number, number] => {
      const m = /translate\(([\d.]+),([\d.]+)\)/.exec(cells[i]?.getAttribute('transform') ?? '');
      return [Number(m?.[1]), Number(m?.[2])];
    };
    expect(cells[4]?.textContent).toBe('0.450');
    expect(at(4)[0]).toBeCloseTo(at(0)[0], 5);
    expect(at(4)[1]).toBeGreaterThan(at(0)[1]);
    expect(texts(doc)).toEqual(expect.arrayContaining(['Weak label', 'Gold label']));
  });
});

describe('risk-coverage', () => {
  it('draws one point per curve point on one line', async () => {
    const d = mc();
    const doc = parseSvg(await renderSvg(riskCoverageFigureSpec('world-mc', d.risk_coverage)));
    const symbols = Array.from(doc.getElementsByTagName('g')).filter((g) => (g.getAttribute('class') ?? '').includes('mark-symbol role-mark'));
    expect(symbols.flatMap((g) => Array.from(g.getElementsByTagName('path')))).toHaveLength(d.risk_coverage.length);
    const lines = Array.from(doc.getElementsByTagName('g')).filter((g) => (g.getAttribute('class') ?? '').includes('mark-line role-mark'));
    expect(lines.flatMap((g) => Array.from(g.getElementsByTagName('path')))).toHaveLength(1);
  });
});

describe('reportFigures', () => {
  it('renders a task without diagnostics data as empty, well-formed figures', async () => {
    const results = runResults();
    const d = results.tasks['world-mc']?.diagnostics;
    if (d === undefined) throw new Error('fixture has world-mc');
    Object.assign(d, { entropy_bins: [], risk_coverage: [], reliability_matrix: { weakLabels: [], goldLabels: [], mean: [], count: [] } });
    const [entropy, reliability] = await reportFigures(results);
    expect(markItems(parseSvg(entropy?.svg ?? ''), 'bars', 'path')).toHaveLength(0);
    expect(markItems(parseSvg(reliability?.svg ?? ''), 'cells', 'path')).toHaveLength(0);
  });

  it('renders four figures per task (differences to naive, Fig. 3, Fig. 4, risk-coverage), each a well-formed SVG, and escapes names that look like markup', async () => {
    const results = runResults();
    results.tasks['a <b> & "c"'] = results.tasks['world-judgement'] as NonNullable<(typeof results.tasks)[string]>;
    const figures = await reportFigures(results);
    expect(figures.map((f) => `${f.task}/${f.kind}`)).toEqual(
      ['world-mc', 'world-judgement', 'a <b> & "c"'].flatMap((t) => [`${t}/difference`, `${t}/entropy`, `${t}/reliability`, `${t}/risk-coverage`]),
    );
    for (const figure of figures) expect(parseSvg(figure.svg).documentElement?.nodeName).toBe('svg');
    expect(texts(parseSvg(figures[9]?.svg ?? ''))).toContain('a <b> & "c": weak-label correctness by entropy (Fig. 3)');
    const difference = texts(parseSvg(figures[0]?.svg ?? ''));
    expect(difference).toContain('world-mc: difference to naive in test accuracy (95% interval)');
    // One row per method compared with naive.
    for (const method of ['filter', 'reweight', 'filter-reweight']) expect(difference).toContain(method);
  });
});
