// The page's two small figures as SVG markup (numbers only, no text from the data): Fig. 3's entropy histogram with
// the current tau, and the risk-coverage curve with the current threshold's point.
import type { EntropyBin, RiskCoveragePoint } from '../../../core/metrics.js';

const WIDTH = 440;
const HEIGHT = 220;
const M = { left: 44, right: 12, top: 12, bottom: 34 };
const PLOT_W = WIDTH - M.left - M.right;
const PLOT_H = HEIGHT - M.top - M.bottom;
const COLORS = { correct: '#3a8f4f', incorrect: '#c8453a', plain: '#6b7c93' };

const f = (x: number): string => (Math.round(x * 10) / 10).toString();

function frame(body: string[], xLabel: string, yLabel: string, label: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${label}">`,
    `<line x1="${M.left}" y1="${M.top + PLOT_H}" x2="${M.left + PLOT_W}" y2="${M.top + PLOT_H}" stroke="#888"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + PLOT_H}" stroke="#888"/>`,
    ...body,
    `<text x="${M.left + PLOT_W / 2}" y="${HEIGHT - 4}" text-anchor="middle">${xLabel}</text>`,
    `<text transform="translate(11 ${M.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`,
    '</svg>',
  ].join('');
}

/** Ticks at "nice" steps over [0, max]. */
function ticks(max: number, count: number): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((s) => s * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = 0; t <= max + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** Questions per distinct entropy, stacked by the correctness of the original prompt's answer, with tau marked. */
export function histogramSvg(bins: readonly EntropyBin[], tau: number, hasGold: boolean): string {
  const maxEntropy = Math.max(tau, ...bins.map((b) => b.high), 0);
  const xMax = maxEntropy > 0 ? maxEntropy * 1.06 : 1;
  const yMax = Math.max(1, ...bins.map((b) => b.correct + b.incorrect));
  const x = (e: number): number => M.left + (e / xMax) * PLOT_W;
  const y = (n: number): number => M.top + PLOT_H - (n / yMax) * PLOT_H;
  const barWidth = Math.max(3, Math.min(28, (PLOT_W / Math.max(bins.length, 1)) * 0.6));
  const body: string[] = [];
  for (const t of ticks(yMax, 4)) body.push(`<line x1="${M.left - 3}" y1="${f(y(t))}" x2="${M.left}" y2="${f(y(t))}" stroke="#888"/><text x="${M.left - 5}" y="${f(y(t) + 3)}" text-anchor="end">${t}</text>`);
  for (const t of ticks(xMax, 5)) body.push(`<text x="${f(x(t))}" y="${M.top + PLOT_H + 13}" text-anchor="middle">${t}</text>`);
  for (const bin of bins) {
    const left = x(bin.low) - barWidth / 2;
    // Fig. 3's bins round entropies to 1e-9: a bin at tau is kept.
    const opacity = bin.low <= tau + 1e-9 ? 1 : 0.35;
    const parts: [number, string][] = hasGold ? [[bin.correct, COLORS.correct], [bin.incorrect, COLORS.incorrect]] : [[bin.correct + bin.incorrect, COLORS.plain]];
    let base = 0;
    for (const [count, color] of parts) {
      if (count === 0) continue;
      body.push(`<rect x="${f(left)}" y="${f(y(base + count))}" width="${f(barWidth)}" height="${f(y(base) - y(base + count))}" fill="${color}" fill-opacity="${opacity}"><title>entropy ${bin.low.toFixed(3)}: ${count}</title></rect>`);
      base += count;
    }
  }
  body.push(`<line id="tau-line" x1="${f(x(tau))}" y1="${M.top}" x2="${f(x(tau))}" y2="${M.top + PLOT_H}" stroke="#1c4e80" stroke-width="1.5" stroke-dasharray="4 3"/>`);
  body.push(`<text x="${f(Math.min(x(tau) + 4, M.left + PLOT_W - 40))}" y="${M.top + 10}" fill="#1c4e80">tau ${tau.toFixed(3)}</text>`);
  return frame(body, 'entropy S_ent (Eq. 3)', 'questions', 'entropy histogram');
}

/** The risk-coverage curve (most reliable first) and the current threshold's point on it. */
export function riskCoverageSvg(curve: readonly RiskCoveragePoint[], point: RiskCoveragePoint | null): string {
  const yMax = Math.max(0.05, ...curve.map((p) => p.risk), point?.risk ?? 0) * 1.08;
  const x = (c: number): number => M.left + c * PLOT_W;
  const y = (r: number): number => M.top + PLOT_H - (r / yMax) * PLOT_H;
  const body: string[] = [];
  for (const t of ticks(yMax, 4)) body.push(`<line x1="${M.left - 3}" y1="${f(y(t))}" x2="${M.left}" y2="${f(y(t))}" stroke="#888"/><text x="${M.left - 5}" y="${f(y(t) + 3)}" text-anchor="end">${t}</text>`);
  for (const t of ticks(1, 5)) body.push(`<text x="${f(x(t))}" y="${M.top + PLOT_H + 13}" text-anchor="middle">${t}</text>`);
  if (curve.length > 0) {
    const points = [`${f(x(0))},${f(y((curve[0] as RiskCoveragePoint).risk))}`, ...curve.map((p) => `${f(x(p.coverage))},${f(y(p.risk))}`)];
    body.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${COLORS.plain}" stroke-width="1.5"/>`);
  } else body.push(`<text x="${M.left + PLOT_W / 2}" y="${M.top + PLOT_H / 2}" text-anchor="middle">no gold answers</text>`);
  if (point !== null) {
    body.push(`<circle id="rc-point" cx="${f(x(point.coverage))}" cy="${f(y(point.risk))}" r="5" fill="#1c4e80"><title>coverage ${point.coverage.toFixed(3)}, risk ${point.risk.toFixed(3)}</title></circle>`);
  }
  return frame(body, 'coverage (share of questions kept)', 'risk (weak-label error)', 'risk-coverage curve');
}
