import type { Command } from 'commander';
import { MODEL_PAIRS } from '../../backends/hf/presets.js';
import { badInput } from '../../errors.js';
import { runExperiment } from '../../run/experiment.js';
import { openRunDir, writeResults } from '../../run/run-dir.js';
import { parseRunConfig, readRunConfigFile, runConfigSchema, type RunConfigInput } from '../../run/config.js';
import { summaryTable } from '../../report/terminal.js';
import { writeReport, type ReportPaths } from '../../report/write.js';
import { lockFolder } from '../../io/folder-lock.js';
import type { RunResults } from '../../run/results.js';
import { StageProgress } from '../progress.js';
import { VERSION } from '../../version.js';

interface RunFlags {
  out?: string;
  config?: string;
  quick?: boolean;
  suite?: string;
  seeds?: string;
  budget?: string;
  tasks?: string;
  methods?: string;
  workers?: string;
  engine?: string;
  weakModel?: string;
  strongModel?: string;
  pair?: string;
  data: string[];
  limit?: string;
  accelerate?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const PAIR_NAMES = MODEL_PAIRS.map((p) => `${p.weak}:${p.strong}`);

/** `w2s run`: the paper's whole experiment on the embedded synthetic suite, resumable, ending in a report. */
export function registerRun(program: Command): void {
  program
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
    .addHelpText(
      'after',
      `\nConfig file settings (flags override them):\n${settingsHelp()}\n\nKilled or interrupted? Run the same command again: finished stages are skipped.\n\n` +
        'Examples:\n  w2s run                                      # the embedded suite, a few minutes on a laptop\n' +
        '  w2s run --engine hf --accelerate multi-gpu --tasks mmlu --pair llama2-7b:mistral-7b   # a Table 1 cell on GPUs (w2s data fetch mmlu first)\n',
    )
    .action(async (flags: RunFlags) => {
      const config = parseRunConfig(mergeFlags(flags.config !== undefined ? readRunConfigFile(flags.config) : {}, flags), flags.config);
      const { dir, resumed } = openRunDir(config, VERSION, flags.out);
      // Two runs in one folder would write the same stages and models at once.
      const unlock = lockFolder(dir, 'w2s run');
      process.stderr.write(`${resumed ? 'resuming' : 'run directory'}: ${dir}\n`);
      const progress = new StageProgress();
      const started = performance.now();
      let results: RunResults;
      let report: ReportPaths;
      try {
        results = await runExperiment(dir, config, { progress: (stage, done, total) => progress.update(stage, done, total) });
        progress.finish();
        results.timing.total = (performance.now() - started) / 1000;
        report = await writeReport(dir, results);
        writeResults(dir, results);
      } finally {
        unlock();
      }
      process.stdout.write(`\n${summaryTable(results)}\n\nreport: ${report.html}\nresults: ${dir}/results.json\n`);
    });
}

function list(value: string | undefined): string[] | undefined {
  return value?.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function mergeFlags(file: RunConfigInput, flags: RunFlags): RunConfigInput {
  const merged: Record<string, unknown> = { ...file };
  if (flags.quick) merged.suite = 'quick';
  if (flags.suite !== undefined) merged.suite = flags.suite;
  if (flags.seeds !== undefined) merged.seeds = integerFlag('--seeds', flags.seeds);
  if (flags.budget !== undefined) merged.budget = flags.budget;
  if (flags.workers !== undefined) merged.workers = integerFlag('--workers', flags.workers);
  if (flags.tasks !== undefined) merged.tasks = list(flags.tasks);
  if (flags.methods !== undefined) merged.methods = list(flags.methods);
  if (flags.engine !== undefined) merged.engine = flags.engine;
  if (flags.pair !== undefined) {
    const pair = MODEL_PAIRS[PAIR_NAMES.indexOf(flags.pair)];
    if (!pair) throw badInput(`expected one of ${PAIR_NAMES.join(', ')}, got "${flags.pair}"`, { field: '--pair' });
    merged.weak_model = pair.weak;
    merged.strong_model = pair.strong;
  }
  if (flags.weakModel !== undefined) merged.weak_model = flags.weakModel;
  if (flags.strongModel !== undefined) merged.strong_model = flags.strongModel;
  if (flags.data.length > 0) merged.data = flags.data;
  if (flags.limit !== undefined) merged.limit = integerFlag('--limit', flags.limit);
  if (flags.accelerate !== undefined) merged.hf = { ...(merged.hf as object | undefined), accelerate: flags.accelerate };
  return merged as RunConfigInput;
}

function integerFlag(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw badInput(`expected an integer, got "${value}"`, { field: name });
  return n;
}

function settingsHelp(): string {
  return Object.entries(runConfigSchema.shape)
    .map(([key, schema], _, all) => `  ${key.padEnd(Math.max(...all.map(([k]) => k.length)) + 1)} ${schema.description ?? ''}`)
    .join('\n');
}
