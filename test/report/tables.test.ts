import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { toCsv, toMarkdown, type Table } from '../../src/report/table.js';
import { comparisonsTable, diagnosticsTable, oursAndControlsTable, reportTables, table1, table2 } from '../../src/report/tables.js';
import { oneSeedResults, renamedTask, runResults } from './fixture.js';

function column(table: Table, name: string): string[] {
  const c = table.header.indexOf(name);
  expect(c, `column "${name}" in ${table.header.join(', ')}`).toBeGreaterThan(0);
  return table.rows.map((row) => row[c] as string);
}

function row(table: Table, method: string): string[] {
  const found = table.rows.find((r) => r[0] === method);
  expect(found, `row ${method}`).toBeDefined();
  return found as string[];
}

describe('Table 1 and Table 2', () => {
  it('have the paper\'s rows in order and accuracy and PGR columns per task', () => {
    const results = runResults();
    expect(table1(results).rows.map((r) => r[0])).toEqual(['weak', 'naive', 'filter-s', 'filter', 'ceiling']);
    expect(table2(results).rows.map((r) => r[0])).toEqual(['weak', 'naive', 'reweight-s', 'reweight', 'ceiling']);
    expect(table1(results).header).toEqual([
      'Method',
      'world-mc accuracy',
      'world-mc PGR',
      'world-judgement accuracy',
      'world-judgement PGR',
    ]);
  });

  it('print mean accuracy with the half-width of its 95% interval over seeds', () => {
    const results = runResults();
    const filter = results.tasks['world-mc']?.methods.filter;
    if (filter?.accuracy_ci === null || filter === undefined) throw new Error('fixture has an interval');
    const half = (filter.accuracy_ci[1] - filter.accuracy_ci[0]) / 2;
    expect(row(table1(results), 'filter')[1]).toBe(`${filter.accuracy.toFixed(3)} ± ${half.toFixed(3)}`);
    // (0.602 + 0.611 + 0.598) / 3 = 0.6037; sd 0.00666, t(2) 4.303: half-width 0.0165.
    expect(row(table1(results), 'filter')[1]).toBe('0.604 ± 0.017');
  });

  it('print the interval over test questions with one seed', () => {
    expect(row(table1(oneSeedResults()), 'filter')[1]).toBe('0.602 ± 0.030');
  });

  it('print PGR with three decimals where defined, computed from the mean accuracies', () => {
    const results = runResults();
    const mc = results.tasks['world-mc']?.methods;
    const expected = (((mc?.filter?.accuracy ?? 0) - (mc?.weak?.accuracy ?? 0)) / ((mc?.ceiling?.accuracy ?? 0) - (mc?.weak?.accuracy ?? 0))).toFixed(3);
    expect(row(table1(results), 'filter')[2]).toBe(expected);
    expect(Number(expected)).toBeGreaterThan(0.6);
  });

  it('print an undefined PGR as words, never as a number', () => {
    const table = table2(runResults());
    const pgr = column(table, 'world-judgement PGR');
    expect(pgr.slice(1, 4)).toEqual(Array(3).fill('undefined (ceiling <= weak)'));
    for (const cell of pgr) expect(Number.isNaN(Number(cell))).toBe(true);
  });

  it('print no PGR for the weak model and the ceiling, the two ends of its scale', () => {
    const table = table1(runResults());
    expect(row(table, 'weak')[2]).toBe('—');
    expect(row(table, 'ceiling')[2]).toBe('—');
  });

  it('say "not run" for a method the run did not train', () => {
    const results = runResults();
    delete results.tasks['world-mc']?.methods['filter-s'];
    expect(row(table1(results), 'filter-s').slice(1, 3)).toEqual(['not run', 'not run']);
  });
});

describe('our method and controls', () => {
  it('has filter-reweight, majority, random, consistent and the references random-s and oracle', () => {
    const table = oursAndControlsTable(runResults());
    expect(table.rows.map((r) => r[0])).toEqual(['filter-reweight', 'majority', 'random', 'consistent', 'random-s', 'oracle']);
    expect(row(table, 'consistent')[1]).toBe('0.600 ± 0.012');
  });
});

describe('comparisons', () => {
  it('give the difference, its interval and a plain-words verdict, from the results', () => {
    const table = comparisonsTable(runResults());
    expect(table.header).toEqual(['Task', 'Method', 'Baseline', 'Difference', '95% interval', 'p', 'p (Holm)', 'Exceeds the noise?']);
    const filterVsNaive = table.rows.find((r) => r[0] === 'world-mc' && r[1] === 'filter' && r[2] === 'naive');
    // Paired differences 0.041, 0.041, 0.046: mean 0.0427, interval 0.0427 ± 4.303 * 0.00289 / sqrt(3).
    expect(filterVsNaive).toEqual(['world-mc', 'filter', 'naive', '+0.043', '[+0.035, +0.050]', '0.0010', '0.0040', 'yes: above naive']);
    const reweightVsConsistent = table.rows.find((r) => r[0] === 'world-mc' && r[1] === 'reweight' && r[2] === 'consistent');
    expect(reweightVsConsistent?.[7]).toBe('no: within the noise of consistent');
  });

  it('follow the verdict of the results, in both directions', () => {
    const results = runResults();
    const c = results.tasks['world-mc']?.comparisons[0];
    if (c === undefined) throw new Error('fixture has comparisons');
    Object.assign(c, { diff: -0.05, ci: [-0.07, -0.03], exceeds_noise: true });
    expect(comparisonsTable(results).rows[0]?.slice(3)).toEqual(['-0.050', '[-0.070, -0.030]', '0.0010', '0.0040', 'yes: below naive']);
  });

  it('cannot tell with one seed', () => {
    const table = comparisonsTable(oneSeedResults());
    expect(new Set(table.rows.map((r) => r[7]))).toEqual(new Set(['cannot tell: one seed']));
  });
});

describe('premise diagnostics', () => {
  it('show AUROC, weak-label accuracy of kept and dropped questions and wrong-answer positions', () => {
    const table = diagnosticsTable(runResults());
    expect(table.rows[0]).toEqual(['world-mc', '800', '412 (52%)', '0.673 / 0.673 / 0.673', '0.712', '0.734', '0.553', '0.720', '0.377', 'A 46% · B 19% · C 18% · D 17%']);
    expect(table.rows[1]?.[9]).toBe('n/a');
  });
});

describe('Markdown and CSV', () => {
  it('CSV parses back with csv-parse to the same cells, quotes and all', () => {
    const results = renamedTask(runResults(), 'world-mc', 'world "mc", v2\nsecond line');
    for (const table of reportTables(results)) {
      const csv = toCsv(table);
      expect(csv.endsWith('\r\n')).toBe(true);
      expect(parse(csv, { relax_column_count: false })).toEqual([table.header, ...table.rows]);
    }
  });

  it('CSV quotes only fields that need it and doubles inner quotes (RFC 4180)', () => {
    const table: Table = { name: 't', title: 't', header: ['a', 'b'], rows: [['plain', 'say "hi", twice']], notes: [] };
    expect(toCsv(table)).toBe('a,b\r\nplain,"say ""hi"", twice"\r\n');
  });

  it('Markdown has a heading, one line per row, and the notes', () => {
    const table = table1(runResults());
    const lines = toMarkdown(table).trimEnd().split('\n');
    expect(lines[0]).toBe('## Table 1: uncertainty filtering');
    expect(lines[2]).toBe('| Method | world-mc accuracy | world-mc PGR | world-judgement accuracy | world-judgement PGR |');
    expect(lines[3]).toBe('| --- | --- | --- | --- | --- |');
    expect(lines[5]).toBe('| naive | 0.561 ± 0.022 | 0.390 | 0.661 ± 0.026 | undefined (ceiling <= weak) |');
    expect(lines.filter((l) => l.startsWith('| '))).toHaveLength(2 + table.rows.length);
    expect(lines.at(-1)).toMatch(/^PGR = /);
  });

  it('Markdown keeps a hostile task name inside its cell and out of HTML', () => {
    const table = table1(renamedTask(runResults(), 'world-mc', 'a|b <script>x</script>\nc'));
    const header = toMarkdown(table).split('\n')[2] as string;
    expect(header).toContain('a\\|b &lt;script>x&lt;/script> c accuracy');
    expect(header.split(/(?<!\\)\|/).length - 2).toBe(table.header.length);
  });
});
