// `w2s run`'s work, loaded when the command runs (src/cli/lazy.ts); its options are declared in commands/run.ts.
import { MODEL_PAIRS } from '../../backends/hf/presets.js';
import { badInput } from '../../errors.js';
import { runExperiment } from '../../run/experiment.js';
import { openRunDir, writeResults } from '../../run/run-dir.js';
import { parseRunConfig, readRunConfigFile, type RunConfigInput } from '../../run/config.js';
import { summaryTable } from '../../report/terminal.js';
import { writeReport, type ReportPaths } from '../../report/write.js';
import { lockFolder } from '../../io/folder-lock.js';
import type { RunResults } from '../../run/results.js';
import { StageProgress } from '../progress.js';
import { VERSION } from '../../version.js';

export interface RunFlags {
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
  json?: boolean;
}

const PAIR_NAMES = MODEL_PAIRS.map((p) => `${p.weak}:${p.strong}`);

export async function runAction(flags: RunFlags): Promise<void> {
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
  if (flags.json) process.stdout.write(`${JSON.stringify(runSummary(dir, report, results))}\n`);
  else process.stdout.write(`\n${summaryTable(results)}\n\nreport: ${report.html}\nresults: ${dir}/results.json\n`);
}

/** `--json`: the numbers of the terminal's summary table (accuracy and PGR per task and method) and where the files are. */
function runSummary(dir: string, report: ReportPaths, results: RunResults): Record<string, unknown> {
  const tasks = Object.fromEntries(
    Object.entries(results.tasks).map(([task, t]) => [
      task,
      Object.fromEntries(
        Object.entries(t.methods).map(([method, m]) => [method, { accuracy: m.accuracy, accuracy_ci: m.accuracy_ci, pgr: m.pgr, ...(m.pgr_note !== undefined ? { pgr_note: m.pgr_note } : {}) }]),
      ),
    ]),
  );
  return { dir, report: report.html, results: `${dir}/results.json`, suite: results.suite, seeds: results.seeds, tasks };
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
