import type { Command } from 'commander';
import { badInput } from '../../errors.js';
import type { AnswerLine } from '../../io/answers.js';
import { writeFileAtomically } from '../../io/atomic.js';
import { evalTable } from '../../eval/table.js';
import { getTask } from '../../tasks/registry.js';

interface EvalFlags {
  weak: string;
  ceiling?: string;
  strong: string[];
  task?: string;
  out?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `w2s eval`: test accuracy of each model's answers and the PGR of each weak-to-strong model (one cell of Table 1). */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description("test accuracy of models from their answers on the test split (`w2s label --split test --variations 1`), and each weak-to-strong model's PGR")
    .requiredOption('--weak <answers>', "the weak supervisor's test answers: an answers.jsonl or a `w2s label` run directory")
    .option('--ceiling <answers>', "the strong model trained on ground truth: its test answers (needed for PGR)")
    .option('--strong <name=answers>', 'a weak-to-strong model and its test answers, repeatable (e.g. filter=runs/test-filter)', collect, [])
    .option('--task <name>', 'parse answers from "output" with this task\'s parser where a line has no "answer"')
    .option('--out <file>', 'also write the table as JSON here')
    .addHelpText(
      'after',
      '\nAccuracy counts the answer to the original prompt (variant 0) of every question with a gold answer; an unparseable\n' +
        'answer is wrong. PGR = (weak-to-strong - weak) / (ceiling - weak), undefined when the ceiling does not beat the weak model.\n\n' +
        'Example:\n  w2s eval --weak runs/mmlu/test-weak --ceiling runs/mmlu/test-ceiling --strong naive=runs/mmlu/test-naive --strong filter=runs/mmlu/test-filter',
    )
    .action((flags: EvalFlags) => {
      const task = flags.task === undefined ? undefined : getTask(flags.task);
      const parse = task ? (row: AnswerLine): string | null => task.parseAnswer(row.output, row) : undefined;
      const strong = flags.strong.map((spec) => {
        const at = spec.indexOf('=');
        if (at <= 0 || at === spec.length - 1) throw badInput(`expected name=answers, got "${spec}"`, { field: '--strong' });
        return { name: spec.slice(0, at), path: spec.slice(at + 1) };
      });
      const rows = evalTable({ weak: flags.weak, ...(flags.ceiling !== undefined ? { ceiling: flags.ceiling } : {}), strong }, parse);
      const width = Math.max(...rows.map((r) => r.model.length), 5);
      const lines = [`${'model'.padEnd(width)}  accuracy  questions  PGR`];
      for (const r of rows) {
        const gap = r.model === 'weak' || r.model === 'ceiling' ? '' : r.pgr === null ? (r.pgr_note ?? '') : r.pgr.toFixed(3);
        lines.push(`${r.model.padEnd(width)}  ${r.result.accuracy.toFixed(4).padStart(8)}  ${String(r.result.questions).padStart(9)}  ${gap}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      if (flags.out !== undefined) {
        const table = rows.map(({ model, result: { ids: _ids, ...result }, pgr, pgr_note }) => ({ model, ...result, pgr, ...(pgr_note !== undefined ? { pgr_note } : {}) }));
        writeFileAtomically(flags.out, `${JSON.stringify({ rows: table }, null, 2)}\n`);
      }
    });
}
