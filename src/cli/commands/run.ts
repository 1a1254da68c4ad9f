import type { Command } from 'commander';
import { MODEL_PAIRS } from '../../backends/hf/presets.js';
import { lazyAction, lazyHelpText } from '../lazy.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const PAIR_NAMES = MODEL_PAIRS.map((p) => `${p.weak}:${p.strong}`);

/** `w2s run`: the paper's whole experiment on the embedded synthetic suite, resumable, ending in a report. */
export function registerRun(program: Command): void {
  const run = program
    .command('run')
    .description("run the paper's whole experiment — weak SFT, weak labels under prompt variations, reliability, a strong model per method, test accuracy, PGR, Tables 1-2, Figures 3-4, report.html — on the embedded synthetic suite, or on the paper's tasks with your models")
    .option('--out <dir>', 'run directory (default: a new folder under ./runs, or the latest unfinished run of the same configuration)')
    .option('--config <file>', 'YAML or JSON file with any of the settings below')
    .option('--quick', 'a smoke run on a tiny suite (its numbers mean nothing)')
    .option('--suite <name>', 'default | control (balanced answer key: the premise broken) | quick')
    .option('--seeds <k>', 'seeds: means with 95% intervals, verdicts from 2 on (default 3 on the embedded suite, else 1)')
    .option('--budget <kind>', "strong SFT length: matched (default: every method trains naive's steps) or paper (App. C's 3 epochs each)")
    .option('--tasks <list>', "comma-separated: the suite's families (knowledge, continuation, judgement, arithmetic) or the paper's tasks (hellaswag, mmlu, ethics, gsm8k)")
    .option('--methods <list>', 'comma-separated selection methods (see `w2s score --help`)')
    .option('--workers <n>', 'training jobs in parallel')
    .option('--engine <name>', 'builtin (default) or hf: train and generate with PyTorch + transformers + PEFT in the Python sidecar')
    .option('--weak-model <model>', "paper's tasks: the weak supervisor's base (a checkpoint folder; with --engine hf also a hub id or preset)")
    .option('--strong-model <model>', "paper's tasks: the strong model's base")
    .option('--pair <weak:strong>', `paper's tasks: one of the paper's model pairs (${PAIR_NAMES.join(', ')})`)
    .option('--data <file>', "paper's tasks: a dataset file, repeatable (default: the hub cache of `w2s data fetch`)", collect, [])
    .option('--limit <K>', "paper's tasks: at most K questions of each split")
    .option('--accelerate <config>', 'engine hf: train under accelerate launch with single-gpu, multi-gpu, deepspeed-zero2 or your own config file')
    .option('--json', 'print the summary (accuracy, interval and PGR per task and method; the report\'s paths) as one JSON line on stdout')
    .action(lazyAction(async () => (await import('../actions/run.js')).runAction));
  // The settings' descriptions are the config schema's (zod, yaml), loaded only for `w2s run`.
  lazyHelpText(run, async () => {
    const { runConfigSchema } = await import('../../run/config.js');
    const settings = Object.entries(runConfigSchema.shape);
    const width = Math.max(...settings.map(([key]) => key.length)) + 1;
    const settingsHelp = (): string => settings.map(([key, schema]) => `  ${key.padEnd(width)} ${schema.description ?? ''}`).join('\n');
    return (
      `\nConfig file settings (flags override them):\n${settingsHelp()}\n\nKilled or interrupted? Run the same command again: finished stages are skipped.\n\n` +
      'Examples:\n  w2s run                                      # the embedded suite, a few minutes on a laptop\n' +
      '  w2s run --engine hf --accelerate multi-gpu --tasks mmlu --pair llama2-7b:mistral-7b   # a Table 1 cell on GPUs (w2s data fetch mmlu first)\n'
    );
  });
}
