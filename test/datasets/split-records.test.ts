import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { taskFiles } from '../../src/hub/download.js';
import { loadRecords } from '../../src/datasets/records.js';
import { materialiseSplit } from '../../src/datasets/splits.js';
import { loadSplitRecords } from '../../src/datasets/split-records.js';
import { getTask } from '../../src/tasks/registry.js';
import { GSM8K_TRAIN, MMLU_VAL, tempDir } from '../label/helpers.js';

describe('loadSplitRecords', () => {
  it('makes the split from the one source it needs, as materialiseSplits would', async () => {
    const task = getTask('gsm8k');
    const records = await loadSplitRecords(task, 'val', { data: [GSM8K_TRAIN], cacheDir: tempDir(), seed: 3 });
    const train = (await loadRecords(task, GSM8K_TRAIN)).records;
    expect(records).toEqual(materialiseSplit(task, { train }, 3, 'val'));
    expect(records).toHaveLength(10);
    expect(await loadSplitRecords(task, 'train', { data: [GSM8K_TRAIN], cacheDir: tempDir(), seed: 3 })).toHaveLength(10);
  });

  it('reads the hub cache when no file is given', async () => {
    const cacheDir = tempDir();
    const task = getTask('mmlu');
    const [file] = taskFiles('mmlu', { cacheDir }, { splits: ['validation'] });
    mkdirSync(dirname(file?.path as string), { recursive: true });
    // The fixture is JSON Lines; the cache holds parquet, so the parquet twin of the fixture goes there.
    copyFileSync(MMLU_VAL.replace('validation.jsonl', 'validation-00000-of-00001.parquet'), file?.path as string);
    const records = await loadSplitRecords(task, 'val', { cacheDir, seed: 0 });
    expect(records).toEqual((await loadRecords(task, MMLU_VAL)).records);
  });

  it('says which source split is missing from the files given', async () => {
    await expect(loadSplitRecords(getTask('mmlu'), 'test', { data: [MMLU_VAL], cacheDir: tempDir(), seed: 0 })).rejects.toThrow(
      /field "--data": mmlu's test split is made from its "test" split, and no file given holds it \(they hold: validation\)/,
    );
    await expect(loadSplitRecords(getTask('mmlu'), 'val', { data: [join(tempDir(), 'validation.jsonl')], cacheDir: tempDir(), seed: 0 })).rejects.toThrow(/validation.jsonl, field "--data": no such file/);
  });
});
