// `w2s score`'s work, loaded when the command runs (src/cli/lazy.ts); its options are declared in commands/score.ts.
import type { Command } from 'commander';
import { badInput, EXIT_FAILURE, W2sError } from '../../errors.js';
import { SELECTION_METHODS, isSelectionMethod, type SelectionMethod } from '../../core/selection.js';
import { score, type ScoreOptions, type ScoreSummary } from '../../score/score.js';
// A task's answer format only: the tasks' record schemas (zod) would double `w2s score`'s start-up.
import { answerFormat } from '../../tasks/answer-formats.js';
import { progressReporter } from '../progress.js';
import { numberFlag } from '../flags.js';

interface ScoreFlags {
  input: string;
  out: string;
  task?: string;
  temperature: number;
  tauPercentile: number;
  seed: number;
  methods: string;
  completion: 'output' | 'answer';
  json?: boolean;
}

/** The options as commander gives them (strings), checked in the order they are declared; by hand, as loading zod would take longer than scoring the example. */
function scoreFlags(raw: Record<string, unknown>): ScoreFlags {
  for (const key of ['input', 'out'] as const) {
    if (typeof raw[key] !== 'string' || raw[key] === '') throw badInput(`invalid --${key}: expected a path`, { field: `--${key}` });
  }
  const temperature = numberFlag(raw.temperature, '--temperature', { above: 0 });
  const tauPercentile = numberFlag(raw.tauPercentile, '--tau-percentile', { min: 0, max: 100 });
  const seed = numberFlag(raw.seed, '--seed', { integer: true, min: 0 });
  const completion = raw.completion;
  if (completion !== 'output' && completion !== 'answer') throw badInput(`invalid --completion: expected "output" or "answer", got "${String(completion)}"`, { field: '--completion' });
  return {
    input: raw.input as string,
    out: raw.out as string,
    ...(typeof raw.task === 'string' ? { task: raw.task } : {}),
    temperature,
    tauPercentile,
    seed,
    methods: String(raw.methods),
    completion,
    ...(raw.json === true ? { json: true } : {}),
  };
}

export async function scoreAction(raw: Record<string, unknown>, command: Command): Promise<void> {
  const flags = scoreFlags(raw);
  const explicitMethods = command.getOptionValueSource('methods') === 'cli';
  const progress = progressReporter(['pass 1/2: reliability', 'pass 2/2: SFT rows']);
  const options: ScoreOptions = {
    input: flags.input,
    out: flags.out,
    temperature: flags.temperature,
    tauPercentile: flags.tauPercentile,
    seed: flags.seed,
    completion: flags.completion,
    ...(explicitMethods ? { methods: parseMethods(flags.methods) } : {}),
    ...(progress !== undefined ? { onProgress: progress } : {}),
  };
  if (flags.task !== undefined) {
    const task = answerFormat(flags.task);
    options.parseAnswer = (row) => task.parseAnswer(row.output, row);
    options.render = (answer, row) => task.renderAnswer(answer, row);
  }
  const summary = await scoreUntilInterrupted(options);
  for (const [method, reason] of Object.entries(summary.empty_sets ?? {})) process.stderr.write(`warning: sft-${method}.jsonl is empty: ${reason}\n`);
  if (flags.json) {
    // summary.json's object, and where the files went.
    process.stdout.write(`${JSON.stringify({ out: flags.out, ...summary })}\n`);
    return;
  }
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
