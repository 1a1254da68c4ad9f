// `w2s data`'s work, loaded when a sub-command runs (src/cli/lazy.ts); its options are declared in commands/data.ts.
import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { badInput, EXIT_FAILURE, W2sError } from '../../errors.js';
import { cacheDirFromEnv, fetchTask, hubSettings, taskFiles, type HubSettings, type TaskSelection } from '../../hub/download.js';
import { HUB_SOURCES, hubSource } from '../../hub/sources.js';
import { writeFileAtomically } from '../../io/atomic.js';
import { goldSftRows } from '../../datasets/gold-rows.js';
import { sftRowsText } from '../../io/sft-rows.js';
import { loadSplitRecords } from '../../datasets/split-records.js';
import { getTask, TASK_NAMES } from '../../tasks/registry.js';
import { byteProgress } from '../progress.js';

export interface DataFlags {
  revision?: string;
  cache?: string;
  split?: string;
  force?: boolean;
}

export interface SftFlags {
  split: string;
  out: string;
  data: string[];
  cache?: string;
  seed: string;
  limit?: string;
  mmluTrainSource: string;
}

export async function fetchAction(task: string, flags: DataFlags): Promise<void> {
  hubSource(task);
  const settings = settingsFor(flags);
  const files = await fetchTask(task, settings, selectionOf(flags), { force: flags.force === true, progress: byteProgress() });
  for (const file of files) process.stdout.write(`${file.split}\t${file.path}\n`);
}

export async function pathAction(task: string, flags: DataFlags): Promise<void> {
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
}

export async function sftAction(taskName: string, flags: SftFlags): Promise<void> {
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

/** The pinned dataset of each task, for `w2s data fetch --help`. */
export function sourcesTable(): string {
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
