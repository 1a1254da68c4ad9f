import type { Command } from 'commander';
import { z } from 'zod';
import { badInput, EXIT_FAILURE, W2sError } from '../../errors.js';
import { DEFAULT_TAU_PERCENTILE, DEFAULT_TEMPERATURE } from '../../core/reliability.js';
import { PAPER_METHODS, SELECTION_METHODS, isSelectionMethod, type SelectionMethod } from '../../core/selection.js';
import { score, type ScoreOptions, type ScoreSummary } from '../../score/score.js';
import { getTask } from '../../tasks/registry.js';
import { progressReporter } from '../progress.js';
import { parseFlags } from '../flags.js';

const scoreFlags = z.object({
  input: z.string().min(1),
  out: z.string().min(1),
  task: z.string().optional(),
  temperature: z.coerce.number().positive(),
  tauPercentile: z.coerce.number().min(0).max(100),
  seed: z.coerce.number().int().nonnegative(),
  methods: z.string(),
  completion: z.enum(['output', 'answer']),
});

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
    .addHelpText(
      'after',
      '\nWithout gold answers "ceiling" is skipped. Relabelled rows (majority, consistent, ceiling) need --task to be\n' +
        'rendered in the task\'s answer format; without it their completion is the canonical answer itself.\n\n' +
        'Example:\n  w2s score --input examples/answers.jsonl --out runs/score-example --task mmlu',
    )
    .action(async (raw: Record<string, unknown>, command: Command) => {
      const flags = parseFlags(scoreFlags, raw);
      const explicitMethods = command.getOptionValueSource('methods') === 'cli';
      const options: ScoreOptions = {
        input: flags.input,
        out: flags.out,
        temperature: flags.temperature,
        tauPercentile: flags.tauPercentile,
        seed: flags.seed,
        completion: flags.completion,
        ...(explicitMethods ? { methods: parseMethods(flags.methods) } : {}),
        onProgress: progressReporter(['pass 1/2: reliability', 'pass 2/2: SFT rows']),
      };
      if (flags.task !== undefined) {
        const task = getTask(flags.task);
        options.parseAnswer = (row) => task.parseAnswer(row.output, row);
        options.render = (answer, row) => task.renderAnswer(answer, row);
      }
      const summary = await scoreUntilInterrupted(options);
      process.stdout.write(
        `${summary.questions} questions, ${summary.rows} answers (${summary.unparseable_rows} unparseable); ` +
          `tau = ${summary.tau.toFixed(4)}: kept ${summary.kept_questions}, dropped ${summary.dropped_questions}\n`,
      );
      if (summary.gold) {
        const pct = (x: number | null): string => (x === null ? 'n/a' : `${(100 * x).toFixed(1)}%`);
        const a = summary.gold.variant0_accuracy;
        process.stdout.write(`weak-label accuracy (original prompt): all ${pct(a.all)}, kept ${pct(a.kept)}, dropped ${pct(a.dropped)}; AUROC(-entropy) ${summary.gold.auroc_entropy?.toFixed(3) ?? 'n/a'}\n`);
      }
      process.stdout.write(`wrote ${flags.out}/reliability.jsonl, summary.json and ${Object.keys(summary.sft_rows).map((m) => `sft-${m}.jsonl`).join(', ')}\n`);
      for (const [method, reason] of Object.entries(summary.empty_sets ?? {})) process.stderr.write(`warning: sft-${method}.jsonl is empty: ${reason}\n`);
    });
}

/** Scores with Ctrl-C (SIGINT) and SIGTERM heard: they stop the scoring, and nothing is written. */
async function scoreUntilInterrupted(options: ScoreOptions): Promise<ScoreSummary> {
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await score({ ...options, signal: interrupt.signal });
  } catch (error) {
    if (interrupt.signal.aborted) throw new W2sError(`stopped; nothing was written to ${options.out}`, {}, EXIT_FAILURE);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function parseMethods(list: string): SelectionMethod[] {
  if (list.trim() === 'all') return [...SELECTION_METHODS];
  const names = list.split(',').map((m) => m.trim()).filter((m) => m !== '');
  for (const name of names) if (!isSelectionMethod(name)) throw badInput(`unknown method "${name}"; known: ${SELECTION_METHODS.join(', ')}`, { field: '--methods' });
  if (names.length === 0) throw badInput('no methods given', { field: '--methods' });
  return names as SelectionMethod[];
}
