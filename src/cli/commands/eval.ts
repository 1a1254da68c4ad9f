import type { Command } from 'commander';
import { lazyAction } from '../lazy.js';

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
    .option('--json', 'print the table as one JSON line on stdout ({"rows": [...]}, as --out writes it) instead of text')
    .addHelpText(
      'after',
      '\nAccuracy counts the answer to the original prompt (variant 0) of every question with a gold answer; an unparseable\n' +
        'answer is wrong. PGR = (weak-to-strong - weak) / (ceiling - weak), undefined when the ceiling does not beat the weak model.\n\n' +
        'Example:\n  w2s eval --weak runs/mmlu/test-weak --ceiling runs/mmlu/test-ceiling --strong naive=runs/mmlu/test-naive --strong filter=runs/mmlu/test-filter',
    )
    .action(lazyAction(async () => (await import('../actions/eval.js')).evalAction));
}
