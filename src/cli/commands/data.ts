import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { EXIT_FAILURE, W2sError } from '../../errors.js';
import { cacheDirFromEnv, fetchTask, hubSettings, taskFiles, type DownloadProgress, type HubSettings, type TaskSelection } from '../../data/hub.js';
import { HUB_SOURCES, hubSource } from '../../data/hub-sources.js';
import { TASK_NAMES } from '../../tasks/registry.js';

interface DataFlags {
  revision?: string;
  cache?: string;
  split?: string;
  force?: boolean;
}

const ENVIRONMENT_HELP =
  '\nEnvironment:\n' +
  '  HF_ENDPOINT     hub or mirror to download from (default https://huggingface.co)\n' +
  '  HF_TOKEN        access token for private or gated datasets (sent to HF_ENDPOINT only, never written)\n' +
  '  W2S_CACHE       cache folder (default ~/.cache/w2s); --cache overrides it\n' +
  '  HF_HUB_OFFLINE  1 = never use the network, only the cache\n';

/** `w2s data`: the paper's datasets, downloaded from the Hugging Face hub into a local cache. */
export function registerData(program: Command): void {
  const data = program.command('data').description("download the paper's datasets from the Hugging Face hub into a local cache");

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

/** A byte progress bar per file (size, rate, ETA) on `stream` when it is a terminal; nothing otherwise. */
export function byteProgress(stream: NodeJS.WriteStream = process.stderr): DownloadProgress | undefined {
  if (!stream.isTTY) return undefined;
  let bar: cliProgress.SingleBar | undefined;
  let startedAt = 0;
  let base = 0;
  let value = 0;
  let total: number | undefined;
  const payload = () => {
    const seconds = (Date.now() - startedAt) / 1000;
    return {
      got: formatBytes(value),
      size: total === undefined ? '?' : formatBytes(total),
      rate: `${formatBytes(seconds > 0 ? (value - base) / seconds : 0)}/s`,
    };
  };
  return {
    start(label, size, done) {
      total = size;
      startedAt = Date.now();
      base = value = done;
      const format =
        size === undefined
          ? `${label} {got} | {rate}`
          : `${label} [{bar}] {percentage}% | {got} / {size} | {rate} | ETA {eta_formatted}`;
      bar = new cliProgress.SingleBar({ format, stream, hideCursor: true }, cliProgress.Presets.shades_classic);
      bar.start(size ?? 0, done, payload());
    },
    advance(bytes) {
      value += bytes;
      bar?.update(value, payload());
    },
    stop() {
      bar?.update(value, payload());
      bar?.stop();
      bar = undefined;
    },
  };
}

/** Bytes in binary units with one decimal, as download tools print them. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let scaled = bytes;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(scaled)} B` : `${scaled.toFixed(1)} ${units[unit]}`;
}
