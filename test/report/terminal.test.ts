import { describe, expect, it } from 'vitest';
import { summaryTable } from '../../src/report/terminal.js';
import { oneSeedResults, renamedTask, runResults } from './fixture.js';

describe('summaryTable', () => {
  it('has one fixed-width line per method, aligned columns, accuracy and PGR per task', () => {
    const lines = summaryTable(runResults()).trimEnd().split('\n');
    expect(lines[0]).toBe('default: test accuracy (mean ± half 95% interval over 3 seeds x test questions) and PGR');
    expect(lines[1]).toMatch(/^method +world-mc acc +PGR +world-judgement acc +PGR$/);
    const body = lines.slice(3, 14);
    expect(body.map((l) => l.split(' ')[0])).toEqual(['weak', 'naive', 'filter-s', 'filter', 'reweight-s', 'reweight', 'ceiling', 'filter-reweight', 'majority', 'random', 'consistent']);
    const filter = body[3] as string;
    expect(filter).toMatch(/^filter +0\.604 ± 0\.017 +0\.672 +0\.668 ± 0\.017 +undefined\*$/);
    // Right-aligned columns end at the same place on every full line.
    const end = (lines[2] as string).length;
    for (const line of body.filter((l) => l.endsWith('*'))) expect(line.length).toBe(end);
  });

  it('marks an undefined PGR with a footnote instead of a number', () => {
    const text = summaryTable(runResults());
    expect(text).toContain('* PGR undefined: the ceiling does not beat the weak model on this task.');
    const results = runResults();
    delete results.tasks['world-judgement'];
    expect(summaryTable(results)).not.toContain('undefined');
  });

  it('omits methods the run did not train, and says when the intervals cover test questions only (one seed)', () => {
    const results = oneSeedResults();
    for (const t of Object.values(results.tasks)) delete t.methods.majority;
    const text = summaryTable(results);
    expect(text).not.toMatch(/^majority/m);
    expect(text).toContain('0.602 ± 0.030');
    expect(text.split('\n')[0]).toContain('over test questions: one seed');
  });

  it('prints control characters of a task name as "?"', () => {
    expect(summaryTable(renamedTask(runResults(), 'world-mc', 'evil\u001b[31m'))).toContain('evil?[31m acc');
  });
});
