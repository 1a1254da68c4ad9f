import { badInput } from '../errors.js';
import { TASK_NAMES, isTaskName, type TaskName } from '../tasks/registry.js';

/**
 * Where each of the paper's tasks lives on the Hugging Face hub: the dataset repository, a pinned commit, and the
 * exact parquet files of every source split (the split names are the hub's, which is what the task readers see).
 *
 * A pinned `sha256` is the Git LFS object id of that file at that commit; `w2s data fetch` checks it against the
 * hub's own checksum before downloading and against the bytes after. It applies only at the pinned revision:
 * with `--revision` the checksum the hub sends for that revision is used instead.
 */

/** One file of a source split. */
export interface HubFile {
  /** The hub's split name this file belongs to. */
  split: string;
  /** Path inside the repository. */
  path: string;
  /** Pinned sha256 of the file at the source's revision, where a public record of it was found. */
  sha256?: string;
  /** Pinned size in bytes at the source's revision. */
  size?: number;
}

/** A task's dataset on the hub. */
export interface HubSource {
  /** `owner/name` of the dataset repository. */
  repo: string;
  /** The dataset configuration the files belong to. */
  config: string;
  /** The commit the files and checksums are pinned to. */
  revision: string;
  files: readonly HubFile[];
}

/** Every task of the registry has its hub source (the type makes a new task without one a compile error). */
export const HUB_SOURCES: Readonly<Record<TaskName, HubSource>> = {
  // Rowan/hellaswag became plain parquet when its "Convert dataset to Parquet" pull request (#7) was merged;
  // 218ec52e is main after that merge. Checksums and sizes are the LFS pointers of that conversion.
  // The hub's `test` split has no labels; the paper samples train and halves validation.
  hellaswag: {
    repo: 'Rowan/hellaswag',
    config: 'default',
    revision: '218ec52e09a7e7462a5400043bb9a69a41d06b76',
    files: [
      {
        split: 'train',
        path: 'data/train-00000-of-00001.parquet',
        sha256: 'cacb12587faa63d7f723a72d61d12bfa94b140446f5a6a0a2e1c6906ab88bf02',
        size: 24_365_524,
      },
      {
        split: 'validation',
        path: 'data/validation-00000-of-00001.parquet',
        sha256: '899813071e1e95efafec90f856e1987d2150fa4d020fc005df6962c259f660cd',
        size: 6_315_951,
      },
      {
        split: 'test',
        path: 'data/test-00000-of-00001.parquet',
        sha256: 'e572fd5579bd1768b1985f47234f8bbe29247aca200a778b635bffc637714a41',
        size: 6_112_397,
      },
    ],
  },
  // cais/mmlu keeps one parquet file per split under each config's folder; `all` merges the 57 subjects.
  // `auxiliary_train` is MMLU's training set, `dev` its five few-shot examples per subject.
  // Checksums of dev and auxiliary_train at this commit were not found in a public record: the hub's are used.
  mmlu: {
    repo: 'cais/mmlu',
    config: 'all',
    revision: 'c30699e8356da336a370243923dbaf21066bb9fe',
    files: [
      { split: 'auxiliary_train', path: 'all/auxiliary_train-00000-of-00001.parquet' },
      { split: 'dev', path: 'all/dev-00000-of-00001.parquet' },
      {
        split: 'validation',
        path: 'all/validation-00000-of-00001.parquet',
        sha256: '66cdf0b090ccb657d18d13cd81e31fdc55c3467da9642ffb178653268a97c8ef',
      },
      {
        split: 'test',
        path: 'all/test-00000-of-00001.parquet',
        sha256: '74a41822ce7d3def56e1682f958469c04642a5336a5ce912fa375fdb90fb25d7',
      },
    ],
  },
  // hendrycks/ethics' main branch holds a loading script, not data, so the files come from the hub's own parquet
  // conversion (branch refs/convert/parquet), pinned at commit 39c7cf49 that added them.
  // Split names follow the loading script: `validation` is the original release's test set (cm_test.csv,
  // 3,885 rows) and `test` is its test_hard set; the paper's "original test" is therefore `validation`.
  ethics: {
    repo: 'hendrycks/ethics',
    config: 'commonsense',
    revision: '39c7cf49610fac388ce9696f77e009480c8792dd',
    files: [
      {
        split: 'train',
        path: 'commonsense/ethics-train.parquet',
        sha256: 'da7fd85fc06869537d090d0487b58c23fcb5fbd54463a5d85861b3b3a7662377',
        size: 8_693_837,
      },
      {
        split: 'validation',
        path: 'commonsense/ethics-validation.parquet',
        sha256: 'eece5cdcab850b8242789784b986fc962d15b77fd8a038451dbb59a3bc6e27da',
        size: 1_887_687,
      },
      {
        split: 'test',
        path: 'commonsense/ethics-test.parquet',
        sha256: '86c3efef043ddf5661afe6d0398d603bada36eb3b26cc2fd9c859786df6eacb1',
        size: 2_317_491,
      },
    ],
  },
  // openai/gsm8k, config `main` (not `socratic`); 740312ad is main as recorded by several public pins.
  gsm8k: {
    repo: 'openai/gsm8k',
    config: 'main',
    revision: '740312add88f781978c0658806c59bc2815b9866',
    files: [
      {
        split: 'train',
        path: 'main/train-00000-of-00001.parquet',
        sha256: 'ea82612ea9582142387730c793eb67d3b12849002bc0b7fa6f8efafa7351419d',
        size: 2_306_545,
      },
      {
        split: 'test',
        path: 'main/test-00000-of-00001.parquet',
        sha256: 'ee7b8da9e381df27b9e3f7758a159ab2bdaa4dbaa910546cbbc47e0cb44e4f59',
        size: 419_088,
      },
    ],
  },
};

/** The hub source of a task; an unknown name is bad input that lists the known ones. */
export function hubSource(task: string): HubSource {
  if (!isTaskName(task)) {
    throw badInput(`unknown task "${task}"; known tasks: ${TASK_NAMES.join(', ')}`, { field: 'task' });
  }
  return HUB_SOURCES[task];
}
