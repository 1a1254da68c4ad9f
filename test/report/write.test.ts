import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { figureFileNames, writeReport } from '../../src/report/write.js';
import { runResults } from './fixture.js';
import { parseSvg } from './svg.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'w2s-report-write-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('writeReport', () => {
  it('writes tables as Markdown and CSV, figures as SVG and report.html, and returns their paths', async () => {
    const runDir = join(dir, 'run');
    const paths = await writeReport(runDir, runResults());
    expect(paths.html).toBe(join(runDir, 'report.html'));
    expect(readdirSync(join(runDir, 'tables')).sort()).toEqual(
      ['diagnostics', 'table1-filter', 'table2-reweight', 'table3-ours-and-controls', 'table4-comparisons'].flatMap((n) => [`${n}.csv`, `${n}.md`]),
    );
    expect(paths.figures.map((p) => p.slice(runDir.length + 1))).toEqual([
      'figures/world-mc-difference-to-naive.svg',
      'figures/world-mc-fig3-entropy.svg',
      'figures/world-mc-fig4-reliability.svg',
      'figures/world-mc-risk-coverage.svg',
      'figures/world-judgement-difference-to-naive.svg',
      'figures/world-judgement-fig3-entropy.svg',
      'figures/world-judgement-fig4-reliability.svg',
      'figures/world-judgement-risk-coverage.svg',
    ]);
    for (const path of [...paths.tables, ...paths.figures, paths.html]) expect(existsSync(path)).toBe(true);
    for (const svg of paths.figures) expect(parseSvg(readFileSync(svg, 'utf8')).documentElement?.nodeName).toBe('svg');
    const table1 = parse(readFileSync(join(runDir, 'tables', 'table1-filter.csv'))) as string[][];
    expect(table1.map((r) => r[0])).toEqual(['Method', 'weak', 'naive', 'filter-s', 'filter', 'ceiling']);
    expect(readFileSync(paths.html, 'utf8')).toMatch(/^<!DOCTYPE html>/);
  });

  it('leaves no staging folder behind and replaces an earlier report in place', async () => {
    const runDir = join(dir, 'run');
    await writeReport(runDir, runResults());
    writeFileSync(join(runDir, 'results.json'), '{}');
    const results = runResults();
    results.suite = 'second';
    await writeReport(runDir, results);
    for (const d of [runDir, join(runDir, 'tables'), join(runDir, 'figures')]) {
      expect(readdirSync(d).filter((n) => n.startsWith('.w2s-staging-'))).toEqual([]);
    }
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toContain('<title>w2s run report: second</title>');
    expect(readFileSync(join(runDir, 'results.json'), 'utf8')).toBe('{}');
  });

  it('writes nothing when the run directory cannot be created', async () => {
    const blocker = join(dir, 'file');
    writeFileSync(blocker, 'x');
    await expect(writeReport(join(blocker, 'run'), runResults())).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['file']);
  });
});

describe('figureFileNames', () => {
  it('reduces task names to safe file names and keeps them unique', () => {
    expect(
      figureFileNames([
        { task: '../Evil <name>', kind: 'entropy' },
        { task: 'evil-name', kind: 'entropy' },
        { task: '///', kind: 'reliability' },
      ]),
    ).toEqual(['evil-name-fig3-entropy.svg', 'evil-name-fig3-entropy-2.svg', 'task-fig4-reliability.svg']);
  });
});
