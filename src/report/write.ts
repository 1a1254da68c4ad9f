// Writes the report of a run into its run directory: tables/*.md|csv, figures/*.svg and report.html.
import { join } from 'node:path';
import { StagedOutput } from '../io/staged-output.js';
import type { RunResults } from '../run/results.js';
import { runExplorePages } from './explore/paths.js';
import { reportFigures, type Figure, type FigureKind } from './figures.js';
import { renderReportHtml } from './html.js';
import { toCsv, toMarkdown } from './table.js';
import { reportTables } from './tables.js';

/** Where the report's files landed. */
export interface ReportPaths {
  html: string;
  tables: string[];
  figures: string[];
}

const FIGURE_STEMS: Readonly<Record<FigureKind, string>> = {
  difference: 'difference-to-naive',
  entropy: 'fig3-entropy',
  reliability: 'fig4-reliability',
  'risk-coverage': 'risk-coverage',
};

/**
 * Render and write the report. Every file is written in staging folders first and moved into place only when all
 * are complete, report.html last, so a report.html on disk always comes with its tables and figures.
 */
export async function writeReport(runDir: string, results: RunResults): Promise<ReportPaths> {
  const tables = reportTables(results);
  const figures = await reportFigures(results);
  const html = renderReportHtml(results, figures, runExplorePages(runDir, results));
  const outputs = {
    tables: new StagedOutput(join(runDir, 'tables')),
    figures: new StagedOutput(join(runDir, 'figures')),
    page: new StagedOutput(runDir),
  };
  const staged = [outputs.tables, outputs.figures, outputs.page];
  try {
    const tableFiles = tables.flatMap((table) => [
      writeText(outputs.tables, `${table.name}.md`, toMarkdown(table)),
      writeText(outputs.tables, `${table.name}.csv`, toCsv(table)),
    ]);
    const names = figureFileNames(figures);
    const figureFiles = figures.map((figure, i) => writeText(outputs.figures, names[i] as string, figure.svg));
    writeText(outputs.page, 'report.html', html);
    for (const output of staged) output.commit();
    return {
      html: join(runDir, 'report.html'),
      tables: tableFiles.map((name) => join(runDir, 'tables', name)),
      figures: figureFiles.map((name) => join(runDir, 'figures', name)),
    };
  } catch (error) {
    for (const output of staged) output.abort();
    throw error;
  }
}

function writeText(output: StagedOutput, name: string, text: string): string {
  const writer = output.writer(name);
  writer.write(text);
  writer.close();
  return name;
}

/** `<task>-<figure>.svg`, the task name reduced to characters safe in any file system, made unique if two collide. */
export function figureFileNames(figures: readonly Pick<Figure, 'task' | 'kind'>[]): string[] {
  const used = new Set<string>();
  return figures.map(({ task, kind }) => {
    const stem = `${fileSafe(task)}-${FIGURE_STEMS[kind]}`;
    let name = `${stem}.svg`;
    for (let n = 2; used.has(name); n++) name = `${stem}-${n}.svg`;
    used.add(name);
    return name;
  });
}

function fileSafe(name: string): string {
  const safe = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '');
  return safe === '' ? 'task' : safe;
}
