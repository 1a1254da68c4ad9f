import type { Command } from 'commander';
import { DEFAULT_TAU_PERCENTILE, DEFAULT_TEMPERATURE } from '../../core/reliability.js';
import { PAPER_METHODS, SELECTION_METHODS } from '../../core/selection.js';
import { lazyAction } from '../lazy.js';

/** `w2s score`: reliability, filtering and re-weighting for any answers file (model outputs or human annotations). */
export function registerScore(program: Command): void {
  program
    .command('score')
    .description('score the reliability of an answers file (JSONL, one line per question x variation) and write SFT sets')
    .requiredOption('--input <file>', 'answers file: {"id", "variant", "prompt", "output", "answer"?, "gold"?, "choices"?} per line')
    .requiredOption('--out <dir>', 'output folder: reliability.jsonl, sft-<method>.jsonl, summary.json')
    .option('--task <name>', 'derive missing answers from "output" with this task\'s parser, and render relabelled answers in its format')
    .option('--temperature <T>', 'softmax temperature of S_prob (Eq. 4)', String(DEFAULT_TEMPERATURE))
    .option('--tau-percentile <P>', 'keep questions with entropy <= the P-th percentile (Sec. 4.2)', String(DEFAULT_TAU_PERCENTILE))
    .option('--seed <n>', 'seed of the sampled (-s) sets and the random control', '0')
    .option('--methods <list>', `comma-separated, or "all": ${SELECTION_METHODS.join(', ')}`, PAPER_METHODS.join(','))
    .option('--completion <kind>', 'train on the raw "output" (the paper) or the canonical "answer"', 'output')
    .option('--json', 'print summary.json\'s object (and "out") as one JSON line on stdout instead of the text summary')
    .addHelpText(
      'after',
      '\nWithout gold answers "ceiling" is skipped. Relabelled rows (majority, consistent, ceiling) need --task to be\n' +
        'rendered in the task\'s answer format; without it their completion is the canonical answer itself.\n\n' +
        'Example:\n  w2s score --input examples/answers.jsonl --out runs/score-example --task mmlu',
    )
    .action(lazyAction(async () => (await import('../actions/score.js')).scoreAction));
}
