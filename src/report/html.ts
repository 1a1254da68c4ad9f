// The run report as one self-contained HTML page: inline CSS, inline SVG figures, no script, no external request.
import type { RunResults } from '../run/results.js';
import type { ExploreLink } from './explore/paths.js';
import { conclusion } from './conclusion.js';
import type { Figure } from './figures.js';
import { fixed3, percent } from './format.js';
import type { Table } from './table.js';
import { METHOD_DESCRIPTIONS, reportTables } from './tables.js';
import { documentHead, escapeHtml } from './escape.js';

export { escapeHtml };

/**
 * Several SVGs in one page share one id space, and vega numbers its clip paths and gradients per document:
 * prefixing every id (and every reference to it) keeps each figure pointing at its own definitions.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}-${id})`)
    .replace(/\bhref="#([^"]+)"/g, (_, id: string) => `href="#${prefix}-${id}"`);
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ddd}h3{font-size:1.05rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #ccc;padding:.25rem .55rem;text-align:right;white-space:nowrap}
th[scope=row],thead th{text-align:left;background:#f4f4f4}
thead th{white-space:normal;vertical-align:bottom}
td.text{text-align:left;white-space:normal}
p.note{font-size:.85rem;color:#555;margin:.2rem 0}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dl.facts dt{font-weight:600}
figure{margin:1rem 0}figcaption{font-size:.85rem;color:#555}
figure svg{max-width:100%;height:auto}
`;

/** The whole page for a run's results and its rendered figures; `explore`: the run's explore pages to link to. */
export function renderReportHtml(results: RunResults, figures: readonly Figure[], explore: readonly ExploreLink[] = []): string {
  const tables = reportTables(results);
  const [diagnostics, ...methodTables] = tables;
  const title = `w2s run report: ${results.suite}`;
  return [
    // Belt and braces for "no external requests": the browser refuses any load this page might attempt.
    ...documentHead(title, "default-src 'none'; style-src 'unsafe-inline'", STYLE),
    `<h1>${escapeHtml(title)}</h1>`,
    '<section id="conclusion"><h2>Conclusion</h2><ul>',
    ...conclusion(results).map((sentence) => `<li>${escapeHtml(sentence)}</li>`),
    '</ul></section>',
    protocol(results),
    runFacts(results),
    '<section id="premise"><h2>Premise diagnostics</h2>',
    diagnostics === undefined ? '' : tableHtml(diagnostics),
    exploreLinks(explore),
    '</section>',
    '<section id="results"><h2>Results</h2>',
    ...methodTables.map(tableHtml),
    methodLegend(),
    '</section>',
    figuresHtml(figures),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** How the numbers were made: budget and steps, seeds, tau and the kept share, the statistics. */
function protocol(results: RunResults): string {
  const fact = (term: string, value: string): string => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`;
  const budget =
    results.budget === 'matched'
      ? "matched: every strong model trains as many optimizer steps as naive does in the recipe's epochs (rows cycled in seeded reshuffles)"
      : "paper: App. C's fixed epochs for every method, so methods with more rows take more optimizer steps";
  const steps = Object.entries(results.tasks).map(([task, t]) => {
    const byMethod = Object.entries(t.methods)
      .filter(([method]) => method !== 'weak')
      .map(([method, m]) => `${method} ${Math.round(m?.train_steps ?? 0)}`);
    return `${task}: ${byMethod.join(', ')}`;
  });
  const tau = Object.entries(results.tasks).map(
    ([task, t]) => `${task}: tau ${t.diagnostics.tau_per_seed.map(fixed3).join(' / ')}, kept ${percent(t.diagnostics.kept_share)} of ${t.diagnostics.questions}`,
  );
  return [
    '<section id="protocol"><h2>Protocol</h2><dl class="facts">',
    fact('Training budget', budget),
    fact('Optimizer steps (mean over seeds)', steps.join('; ')),
    fact('Seeds', `${results.seeds.length} (${results.seeds.join(', ')}): each seed fine-tunes every model anew; the world, the splits and the bases stay the same`),
    fact('tau and kept share (per seed)', tau.join('; ')),
    fact('Intervals and verdicts', `95% intervals from a paired bootstrap over seeds x test questions (${results.bootstrap_replicates} replicates); verdicts after Holm's correction over every comparison of the run, and only with two seeds or more`),
    '</dl></section>',
  ].join('\n');
}

function runFacts(results: RunResults): string {
  const tasks = Object.entries(results.tasks).map(([task, t]) => `${task} (${t.n_test} test questions)`);
  // `total` is the command's wall time; the stages' times are summed over workers that run side by side.
  const stages = Object.entries(results.timing).filter(([stage]) => stage !== 'total');
  const workerTime = stages.reduce((sum, [, seconds]) => sum + seconds, 0);
  const wall = results.timing.total;
  const fact = (term: string, value: string): string => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`;
  const timing = stages.map(([stage, seconds]) => `<tr><th scope="row">${escapeHtml(stage)}</th><td>${seconds.toFixed(1)}</td></tr>`);
  return [
    '<section id="run"><h2>Run</h2><dl class="facts">',
    fact('Suite', results.suite),
    fact('Seeds', `${results.seeds.join(', ')} (${results.seeds.length})`),
    fact('Tasks', tasks.join(', ')),
    ...(wall !== undefined ? [fact('Wall time', `${wall.toFixed(1)} s`)] : []),
    fact('Worker time', `${workerTime.toFixed(1)} s, summed over stages, tasks, seeds and the jobs that ran side by side`),
    '</dl>',
    `<table id="timing"><caption>Time per stage</caption><thead><tr><th>Stage</th><th>Seconds</th></tr></thead><tbody>${timing.join('')}</tbody></table>`,
    '</section>',
  ].join('\n');
}

/** A report table as HTML; its cells are the same strings as in the Markdown and CSV files. */
export function tableHtml(table: Table): string {
  const head = `<thead><tr>${table.header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const body = table.rows
    .map(([first = '', ...rest]) => `<tr><th scope="row">${escapeHtml(first)}</th>${rest.map((cell) => `<td${isNumeric(cell) ? '' : ' class="text"'}>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('');
  const notes = table.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('');
  return `<div class="scroll"><table id="${escapeHtml(table.name)}"><caption>${escapeHtml(table.title)}</caption>${head}<tbody>${body}</tbody></table></div>${notes}`;
}

function isNumeric(cell: string): boolean {
  return /^[+-]?\d/.test(cell);
}

/** Links to the explore pages: each task's weak labels, question by question, per seed. */
function exploreLinks(links: readonly ExploreLink[]): string {
  if (links.length === 0) return '';
  const tasks = [...new Set(links.map((l) => l.task))].map((task) => {
    const seeds = links.filter((l) => l.task === task).map((l) => `<a href="${escapeHtml(l.href)}">seed ${l.seed}</a>`);
    return `<li>${escapeHtml(task)}: ${seeds.join(' · ')}</li>`;
  });
  return `<p id="explore">Every weak label, question by question, with tau to move (explore pages):</p><ul>${tasks.join('')}</ul>`;
}

function methodLegend(): string {
  const items = Object.entries(METHOD_DESCRIPTIONS).map(([method, text]) => `<dt>${escapeHtml(method)}</dt><dd>${escapeHtml(text)}</dd>`);
  return `<h3>Methods</h3><dl class="facts">${items.join('')}</dl>`;
}

function figuresHtml(figures: readonly Figure[]): string {
  const parts = ['<section id="figures"><h2>Figures</h2>'];
  let task: string | undefined;
  figures.forEach((figure, i) => {
    if (figure.task !== task) {
      task = figure.task;
      parts.push(`<h3>${escapeHtml(task)}</h3>`);
    }
    parts.push(
      `<figure class="figure-${figure.kind}">${scopeSvgIds(figure.svg, `fig${i}`)}<figcaption>${escapeHtml(figure.caption)}</figcaption></figure>`,
    );
  });
  parts.push('</section>');
  return parts.join('\n');
}
