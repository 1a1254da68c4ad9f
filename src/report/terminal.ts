// The summary printed in the terminal at the end of `w2s run`: accuracy and PGR per task and method, fixed width.
import type { MethodName, RunResults } from '../run/results.js';
import { SELECTION_METHODS } from '../core/selection.js';
import { formatAccuracy, formatPgr, NOT_RUN } from './format.js';

// The full words of an undefined PGR do not fit a terminal column: the cell is marked and a footnote says why.
const PGR_UNDEFINED_CELL = 'undefined*';
const FOOTNOTE = '* PGR undefined: the ceiling does not beat the weak model on this task.';
const GAP = '  ';

/** Rows = methods present in the run (weak first, then the selection methods in their order), columns = tasks. */
export function summaryTable(results: RunResults): string {
  const tasks = Object.keys(results.tasks);
  const methods: MethodName[] = (['weak', ...SELECTION_METHODS] as MethodName[]).filter((m) =>
    tasks.some((task) => results.tasks[task]?.methods[m] !== undefined),
  );
  const header = ['method', ...tasks.flatMap((task) => [`${printable(task)} acc`, 'PGR'])];
  let undefinedPgr = false;
  const rows = methods.map((method) => [
    method,
    ...tasks.flatMap((task) => {
      const result = results.tasks[task]?.methods[method];
      if (result === undefined) return [NOT_RUN, ''];
      if (method === 'weak' || method === 'ceiling') return [formatAccuracy(result), ''];
      const pgr = result.pgr === null ? PGR_UNDEFINED_CELL : formatPgr(result);
      undefinedPgr ||= result.pgr === null;
      return [formatAccuracy(result), pgr];
    }),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number)))
      .join(GAP)
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join(GAP);
  const seeds = results.seeds.length;
  const lines = [
    `${printable(results.suite)}: test accuracy (mean ± half 95% interval over ${seeds > 1 ? `${seeds} seeds x test questions` : 'test questions: one seed'}) and PGR`,
    line(header),
    rule,
    ...rows.map(line),
  ];
  if (undefinedPgr) lines.push(FOOTNOTE);
  return `${lines.join('\n')}\n`;
}

// A task or suite name must not move the cursor or recolour the terminal.
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
