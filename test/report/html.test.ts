import { describe, expect, it } from 'vitest';
import { reportFigures } from '../../src/report/figures.js';
import { escapeHtml, renderReportHtml, scopeSvgIds } from '../../src/report/html.js';
import { renamedTask, runResults } from './fixture.js';

const HOSTILE = '<script>alert("x")</script>';

describe('renderReportHtml', () => {
  it('keeps a task name that is a script tag as text everywhere, and the page has no script at all', async () => {
    const results = renamedTask(runResults(), 'world-mc', HOSTILE);
    results.suite = `suite ${HOSTILE}`;
    const html = renderReportHtml(results, await reportFigures(results));
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain(`<title>w2s run report: suite &lt;script&gt;`);
  });

  it('is self-contained: inline style and SVG, nothing loaded from elsewhere', async () => {
    const results = runResults();
    const html = renderReportHtml(results, await reportFigures(results));
    expect(html).toContain('<style>');
    expect(html.match(/<svg /g)).toHaveLength(8);
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/\b(src|href)="(?!#)/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('has the conclusion, the protocol, the run facts, premise diagnostics, all four result tables and the figures, in that order', async () => {
    const results = runResults();
    const html = renderReportHtml(results, await reportFigures(results));
    const order = ['id="conclusion"', 'id="protocol"', 'id="run"', 'id="diagnostics"', 'id="table1-filter"', 'id="table2-reweight"', 'id="table3-ours-and-controls"', 'id="table4-comparisons"', 'id="figures"'];
    const positions = order.map((marker) => html.indexOf(marker));
    for (const p of positions) expect(p).toBeGreaterThan(0);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(html).toContain('<dd>11, 12, 13 (3)</dd>');
    expect(html).toContain('<dd>120.3 s</dd>');
    expect(html).toContain('<dd>165.0 s, summed over stages, tasks, seeds and the jobs that ran side by side</dd>');
    expect(html).toContain('world-judgement: tau 0.000 / 0.000 / 0.000, kept 78% of 600');
    expect(html).toContain('<td class="text">undefined (ceiling &lt;= weak)</td>');
    expect(html).toMatch(/<li>2 of 12 differences exceed the noise after Holm&#39;s correction/);
  });

  it('gives each inline figure its own ids, so figures do not share clip paths or gradients', async () => {
    const results = runResults();
    // Two renders of the same figures carry the same ids, as renders in two processes would.
    const figures = await reportFigures(results);
    const html = renderReportHtml(results, [...figures, ...figures]);
    expect(html).toContain('gradient');
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [, ref] of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref);
  });
});

describe('scopeSvgIds', () => {
  it('prefixes ids and the references to them', () => {
    const svg = '<svg><defs><linearGradient id="g1"/></defs><path fill="url(#g1)"/><use href="#g1"/></svg>';
    expect(scopeSvgIds(svg, 'fig3')).toBe('<svg><defs><linearGradient id="fig3-g1"/></defs><path fill="url(#fig3-g1)"/><use href="#fig3-g1"/></svg>');
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
