// `w2s eval`'s work, loaded when the command runs (src/cli/lazy.ts); its options are declared in commands/eval.ts.
import { badInput } from '../../errors.js';
import type { AnswerLine } from '../../io/answers.js';
import { writeFileAtomically } from '../../io/atomic.js';
import { evalTable } from '../../eval/table.js';
import { getTask } from '../../tasks/registry.js';

export interface EvalFlags {
  weak: string;
  ceiling?: string;
  strong: string[];
  task?: string;
  out?: string;
  json?: boolean;
}

export function evalAction(flags: EvalFlags): void {
  const task = flags.task === undefined ? undefined : getTask(flags.task);
  const parse = task ? (row: AnswerLine): string | null => task.parseAnswer(row.output, row) : undefined;
  const strong = flags.strong.map((spec) => {
    const at = spec.indexOf('=');
    if (at <= 0 || at === spec.length - 1) throw badInput(`expected name=answers, got "${spec}"`, { field: '--strong' });
    return { name: spec.slice(0, at), path: spec.slice(at + 1) };
  });
  const rows = evalTable({ weak: flags.weak, ...(flags.ceiling !== undefined ? { ceiling: flags.ceiling } : {}), strong }, parse);
  const table = rows.map(({ model, result: { ids: _ids, ...result }, pgr, pgr_note }) => ({ model, ...result, pgr, ...(pgr_note !== undefined ? { pgr_note } : {}) }));
  if (flags.json) process.stdout.write(`${JSON.stringify({ rows: table })}\n`);
  else {
    const width = Math.max(...rows.map((r) => r.model.length), 5);
    const lines = [`${'model'.padEnd(width)}  accuracy  questions  PGR`];
    for (const r of rows) {
      const gap = r.model === 'weak' || r.model === 'ceiling' ? '' : r.pgr === null ? (r.pgr_note ?? '') : r.pgr.toFixed(3);
      lines.push(`${r.model.padEnd(width)}  ${r.result.accuracy.toFixed(4).padStart(8)}  ${String(r.result.questions).padStart(9)}  ${gap}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (flags.out !== undefined) writeFileAtomically(flags.out, `${JSON.stringify({ rows: table }, null, 2)}\n`);
}
