import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { badInput, EXIT_FAILURE, W2sError } from '../../errors.js';
import { cacheDirFromEnv, fetchTask, hubSettings, taskFiles, type HubSettings, type TaskSelection } from '../../hub/download.js';
import { HUB_SOURCES, hubSource } from '../../hub/sources.js';
import { writeFileAtomically } from '../../io/atomic.js';
import { goldSftRows } from '../../datasets/gold-rows.js';
import { sftRowsText } from '../../io/sft-rows.js';
import { loadSplitRecords } from '../../datasets/split-records.js';
import { getTask, TASK_NAMES } from '../../tasks/registry.js';
import { byteProgress } from '../progress.js';

interface DataFlags {
  revision?: string;
  cache?: string;
  split?: string;
  force?: boolean;
}

interface SftFlags {
  split: string;
  out: string;
  data: string[];
  cache?: string;
  seed: string;
  limit?: string;
  mmluTrainSource: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

const ENVIRONMENT_HELP =
  '\nEnvironment:\n' +
  '  HF_ENDPOINT     hub or mirror to download from (default https://huggingface.co)\n' +
  '  HF_TOKEN        access token for private or gated datasets (sent to HF_ENDPOINT only, never written)\n' +
  '  W2S_CACHE       cache folder (default ~/.cache/w2s); --cache overrides it\n' +
  '  HF_HUB_OFFLINE  1 = never use the network, only the cache\n';

/** `w2s data`: the paper's datasets, downloaded from the Hugging Face hub into a local cache. */
export function registerData(program: Command): void {
  const data = program.command('data').description("download the paper's datasets from the Hugging Face hub into a local cache, and make ground-truth SFT rows from them");

  data
    .command('fetch')
    .description("download a task's parquet files (pinned commit, checksum-verified, resumable) and print where they are")
    .argument('<task>', `one of: ${TASK_NAMES.join(', ')}`)
    .option('--revision <rev>', "a commit, branch or tag of the dataset repository instead of w2s's pinned commit (the hub's checksums are used then)")
    .option('--cache <dir>', 'cache folder (default: $W2S_CACHE or ~/.cache/w2s)')
    .option('--split <names>', "comma-separated hub splits to fetch (default: all the task's splits)")
    .option('--force', 'download again even when a file is already cached')
    .addHelpText('after', `${ENVIRONMENT_HELP}\nSources:\n${sourcesTable()}\nPrints one line per file: <split><TAB><path>.\n\nExample:\n  w2s data fetch gsm8k --split test`)
    .action(async (task: string, flags: DataFlags) => {
      hubSource(task);
      const settings = settingsFor(flags);
      const files = await fetchTask(task, settings, selectionOf(flags), { force: flags.force === true, progress: byteProgress() });
      for (const file of files) process.stdout.write(`${file.split}\t${file.path}\n`);
    });

  data
    .command('path')
    .description("print where a task's files are (or go) in the cache, without using the network")
    .argument('<task>', `one of: ${TASK_NAMES.join(', ')}`)
    .option('--revision <rev>', "a revision other than w2s's pinned commit")
    .option('--cache <dir>', 'cache folder (default: $W2S_CACHE or ~/.cache/w2s)')
    .option('--split <names>', 'comma-separated hub splits (default: all)')
    .addHelpText('after', '\nPrints one line per file: <split><TAB><path>; exits 1 when any of them is not in the cache yet.\n')
    .action(async (task: string, flags: DataFlags) => {
      hubSource(task);
      const cacheDir = resolve(flags.cache ?? cacheDirFromEnv());
      const missing: string[] = [];
      for (const file of taskFiles(task, { cacheDir }, selectionOf(flags))) {
        process.stdout.write(`${file.split}\t${file.path}\n`);
        if (!(await isFile(file.path))) missing.push(file.split);
      }
      if (missing.length > 0) {
        throw new W2sError(
          `not in the cache yet: ${missing.join(', ')}; run \`w2s data fetch ${task}\`, or put the files at the paths above`,
          {},
          EXIT_FAILURE,
        );
      }
    });

  registerSft(data);
}

/** `w2s data sft`: a split's ground-truth SFT rows (the weak supervisor's training set, or the ceiling's). */
function registerSft(data: Command): void {
  data
    .command('sft')
    .description("write a split's ground-truth SFT rows (App. B prompt, gold completion, weight 1): what the weak supervisor is fine-tuned on")
    .argument('<task>', `one of: ${TASK_NAMES.join(', ')}`)
    .requiredOption('--out <file>', 'the SFT rows JSONL to write ({id, prompt, completion, weight} per line)')
    .option('--split <name>', 'train, val or test (the weak supervisor trains on train)', 'train')
    .option('--data <file>', 'a dataset file in any format the task reads, repeatable (default: the hub cache of `w2s data fetch`)', collect, [])
    .option('--cache <dir>', 'hub cache folder (default: $W2S_CACHE or ~/.cache/w2s)')
    .option('--seed <n>', 'seed of the split (the same as `w2s label --seed`)', '0')
    .option('--limit <K>', 'only the first K questions of the split')
    .option('--mmlu-train-source <split>', 'MMLU: auxiliary_train or dev as the train split', 'auxiliary_train')
    .addHelpText('after', '\nExample:\n  w2s data sft mmlu --split train --out runs/mmlu/weak-train.jsonl\n  w2s train --engine hf --base llama2-7b --rows runs/mmlu/weak-train.jsonl --out runs/mmlu/weak')
    .action(async (taskName: string, flags: SftFlags) => {
      const split = flags.split;
      if (split !== 'train' && split !== 'val' && split !== 'test') throw badInput(`expected train, val or test, got "${split}"`, { field: '--split' });
      if (flags.mmluTrainSource !== 'auxiliary_train' && flags.mmluTrainSource !== 'dev') {
        throw badInput(`expected auxiliary_train or dev, got "${flags.mmluTrainSource}"`, { field: '--mmlu-train-source' });
      }
      const seed = nonNegativeInteger(flags.seed, '--seed');
      const limit = flags.limit === undefined ? undefined : nonNegativeInteger(flags.limit, '--limit');
      const task = getTask(taskName, { mmluTrainSource: flags.mmluTrainSource });
      const records = await loadSplitRecords(task, split, { data: flags.data, cacheDir: resolve(flags.cache ?? cacheDirFromEnv()), seed });
      const rows = goldSftRows(task, limit === undefined ? records : records.slice(0, limit));
      if (rows.length === 0) throw badInput(`${task.name}'s ${split} split has no question with a gold answer`, { field: '--split' });
      writeFileAtomically(flags.out, sftRowsText(rows));
      process.stdout.write(`${rows.length} rows: ${flags.out}\n`);
    });
}

function nonNegativeInteger(value: string, field: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw badInput(`expected a non-negative integer, got "${value}"`, { field });
  return n;
}

function settingsFor(flags: DataFlags): HubSettings {
  const settings = hubSettings();
  return flags.cache !== undefined ? { ...settings, cacheDir: resolve(flags.cache) } : settings;
}

function selectionOf(flags: DataFlags): TaskSelection {
  const splits = flags.split
    ?.split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return { ...(flags.revision !== undefined ? { revision: flags.revision } : {}), ...(splits ? { splits } : {}) };
}

function sourcesTable(): string {
  return TASK_NAMES.map((task) => {
    const source = HUB_SOURCES[task];
    const splits = [...new Set(source.files.map((file) => file.split))].join(', ');
    return `  ${task.padEnd(10)}${source.repo} (${source.config}) @ ${source.revision.slice(0, 8)}: ${splits}`;
  }).join('\n');
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}
