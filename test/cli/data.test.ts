import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { byteProgress, formatBytes } from '../../src/cli/progress.js';
import { HUB_SOURCES } from '../../src/hub/sources.js';
import { loadSourceSplits } from '../../src/datasets/records.js';
import { getTask } from '../../src/tasks/registry.js';
import { bytes, closedPort, startFakeHub, type FakeHub } from '../hub/hub-server.js';

const GSM8K = HUB_SOURCES.gsm8k;
const TRAIN = bytes(6000, 21);
const TEST = bytes(2500, 22);
// HF_HUB_CACHE is pointed at an empty folder: files of the real Hugging Face cache must not stand in for downloads.
const ENV_KEYS = ['HF_ENDPOINT', 'HF_TOKEN', 'W2S_CACHE', 'HF_HUB_OFFLINE', 'HF_HUB_CACHE'] as const;

let hub: FakeHub;
let cacheDir: string;
let savedEnv: Partial<Record<(typeof ENV_KEYS)[number], string>>;

/** Run the CLI with stdout and stderr captured. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'w2s', ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

beforeEach(async () => {
  savedEnv = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  for (const key of ENV_KEYS) delete process.env[key];
  cacheDir = await mkdtemp(join(tmpdir(), 'w2s-cli-data-'));
  hub = await startFakeHub([
    { repo: GSM8K.repo, revision: 'v-test', path: 'main/train-00000-of-00001.parquet', content: TRAIN },
    { repo: GSM8K.repo, revision: 'v-test', path: 'main/test-00000-of-00001.parquet', content: TEST },
    // Bytes that are not the real file, under the pinned commit: the pinned checksum must catch them.
    { repo: GSM8K.repo, revision: GSM8K.revision, path: 'main/test-00000-of-00001.parquet', content: TEST },
  ]);
  process.env.HF_ENDPOINT = hub.endpoint;
  process.env.HF_TOKEN = 'hf_cli_TEST_token';
  process.env.HF_HUB_CACHE = join(cacheDir, 'no-hf-cache');
});

afterEach(async () => {
  await hub.close();
  await rm(cacheDir, { recursive: true, force: true });
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

describe('w2s data fetch', () => {
  it("downloads a task's files and prints one <split> TAB <path> line per file", async () => {
    const result = await run('data', 'fetch', 'gsm8k', '--revision', 'v-test', '--cache', cacheDir);

    expect(result).toMatchObject({ code: 0, stderr: '' });
    const base = join(cacheDir, 'hub', 'datasets', 'openai', 'gsm8k', 'v-test', 'main');
    expect(result.stdout).toBe(`train\t${join(base, 'train-00000-of-00001.parquet')}\ntest\t${join(base, 'test-00000-of-00001.parquet')}\n`);
    expect((await readFile(join(base, 'train-00000-of-00001.parquet'))).equals(TRAIN)).toBe(true);
    expect((await readFile(join(base, 'test-00000-of-00001.parquet'))).equals(TEST)).toBe(true);
  });

  it('fetches only the splits asked for, into the cache named by W2S_CACHE', async () => {
    process.env.W2S_CACHE = cacheDir;

    const result = await run('data', 'fetch', 'gsm8k', '--revision', 'v-test', '--split', 'test');

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`test\t${join(cacheDir, 'hub', 'datasets', 'openai', 'gsm8k', 'v-test', 'main', 'test-00000-of-00001.parquet')}\n`);
    expect(hub.requests.some((request) => request.path.includes('train-'))).toBe(false);
  });

  it('checks the pinned checksum by default and refuses bytes that differ from it', async () => {
    const result = await run('data', 'fetch', 'gsm8k', '--split', 'test', '--cache', cacheDir);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^w2s: the hub reports sha256 [0-9a-f]{64} for openai\/gsm8k\/main\/test-00000-of-00001\.parquet .* but w2s pins ee7b8da9/);
    expect(result.stdout).toBe('');
  });

  it('exits 2 on an unknown task and lists the known ones', async () => {
    const result = await run('data', 'fetch', 'squad', '--cache', cacheDir);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('w2s: field "task": unknown task "squad"; known tasks: hellaswag, mmlu, ethics, gsm8k\n');
    expect(hub.requests).toEqual([]);
  });

  it('exits 2 on a split the task does not have', async () => {
    const result = await run('data', 'fetch', 'gsm8k', '--split', 'validation', '--cache', cacheDir);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('w2s: field "split": task gsm8k has no split "validation"; its splits: train, test\n');
  });

  it('exits 2 when HF_ENDPOINT is not a URL', async () => {
    process.env.HF_ENDPOINT = 'not a url';

    const result = await run('data', 'fetch', 'gsm8k', '--cache', cacheDir);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^w2s: field "HF_ENDPOINT": must be an http\(s\) URL/);
  });

  it('prints one line, no stack trace, and exits 1 when the hub cannot be reached', async () => {
    process.env.HF_ENDPOINT = `http://127.0.0.1:${await closedPort()}`;

    const result = await run('data', 'fetch', 'gsm8k', '--cache', cacheDir);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^w2s: could not reach the Hugging Face hub at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); .*HF_ENDPOINT.*w2s data path <task>/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('explains itself in --help: tasks, options, environment and sources', async () => {
    const result = await run('data', 'fetch', '--help');

    expect(result.code).toBe(0);
    for (const text of ['<task>', 'hellaswag, mmlu, ethics, gsm8k', '--revision <rev>', '--cache <dir>', '--split <names>', '--force', 'HF_ENDPOINT', 'HF_TOKEN', 'W2S_CACHE', 'Rowan/hellaswag (default) @ 218ec52e', 'hendrycks/ethics (commonsense)']) {
      expect(result.stdout).toContain(text);
    }
  });
});

describe('w2s data fetch, end to end', () => {
  it("fetches the real GSM8K fixture files into paths the task's reader loads", async () => {
    await hub.close();
    const fixture = (split: string) => readFile(join('fixtures', 'gsm8k', 'hf', 'main', `${split}-00000-of-00001.parquet`));
    hub = await startFakeHub([
      { repo: GSM8K.repo, revision: 'fixture', path: 'main/train-00000-of-00001.parquet', content: await fixture('train') },
      { repo: GSM8K.repo, revision: 'fixture', path: 'main/test-00000-of-00001.parquet', content: await fixture('test') },
    ]);
    process.env.HF_ENDPOINT = hub.endpoint;

    const result = await run('data', 'fetch', 'gsm8k', '--revision', 'fixture', '--cache', cacheDir);
    const paths = result.stdout.trim().split('\n').map((line) => line.split('\t')[1] as string);
    const sources = await loadSourceSplits(getTask('gsm8k'), paths);

    expect(result.code).toBe(0);
    expect(Object.keys(sources)).toEqual(['train', 'test']);
    expect(sources.train?.length).toBeGreaterThan(0);
    expect(sources.test?.[0]?.gold).toMatch(/^-?\d+$/);
  });
});

describe('w2s data path', () => {
  it('prints where the files go and exits 1 while they are missing, then 0 once fetched', async () => {
    const before = await run('data', 'path', 'gsm8k', '--revision', 'v-test', '--cache', cacheDir);
    expect(before.code).toBe(1);
    expect(before.stdout.split('\n').filter(Boolean).map((line) => line.split('\t')[0])).toEqual(['train', 'test']);
    expect(before.stderr).toBe('w2s: not in the cache yet: train, test; run `w2s data fetch gsm8k`, or put the files at the paths above\n');
    expect(hub.requests).toEqual([]);

    const fetched = await run('data', 'fetch', 'gsm8k', '--revision', 'v-test', '--cache', cacheDir);
    const after = await run('data', 'path', 'gsm8k', '--revision', 'v-test', '--cache', cacheDir);

    expect(after).toEqual({ code: 0, stdout: fetched.stdout, stderr: '' });
  });

  it('needs no reachable hub, nor a valid HF_ENDPOINT', async () => {
    process.env.HF_ENDPOINT = 'not a url';
    process.env.W2S_CACHE = cacheDir;

    const result = await run('data', 'path', 'hellaswag', '--split', 'validation');

    expect(result.stdout).toBe(`validation\t${join(cacheDir, 'hub', 'datasets', 'Rowan', 'hellaswag', HUB_SOURCES.hellaswag.revision, 'data', 'validation-00000-of-00001.parquet')}\n`);
    expect(result.code).toBe(1);
  });
});

describe('byte progress', () => {
  it('stays quiet when stderr is not a terminal', () => {
    expect(byteProgress(Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream)).toBeUndefined();
  });

  it('draws size, rate and ETA on a terminal', () => {
    let drawn = '';
    const tty = Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 200,
      write: (chunk: string) => ((drawn += chunk), true),
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
    }) as unknown as NodeJS.WriteStream;

    const progress = byteProgress(tty);
    progress?.start('main/train.parquet', 4 * 1024 * 1024, 1024 * 1024);
    progress?.advance(1024 * 1024);
    progress?.stop();

    expect(drawn).toMatch(/main\/train\.parquet \[.*\] 50% \| 2\.0 MiB \/ 4\.0 MiB \| [\d.]+ [KMG]?i?B\/s \| ETA /);
  });

  it('formats bytes in binary units', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(24_365_524), formatBytes(3 * 1024 ** 3)]).toEqual(['512 B', '1.5 KiB', '23.2 MiB', '3.0 GiB']);
  });
});

describe('w2s data sft', () => {
  const GSM8K_TRAIN = join(import.meta.dirname, '../../fixtures/gsm8k/hf/main/train-00000-of-00001.parquet');

  it("writes a split's ground-truth rows: the App. B prompt, the gold completion, weight 1", async () => {
    const out = join(cacheDir, 'rows.jsonl');
    const result = await run('data', 'sft', 'gsm8k', '--split', 'train', '--data', GSM8K_TRAIN, '--out', out, '--limit', '4');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`4 rows: ${out}\n`);
    const rows = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { id: string; prompt: string; completion: string; weight: number });
    const task = getTask('gsm8k');
    const records = (await loadSourceSplits(task, [GSM8K_TRAIN])).train ?? [];
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row.weight).toBe(1);
      expect(row.prompt).toMatch(/^### Instruction: The following is a grade-school level math question\./);
      const record = records.find((r) => r.id === row.id);
      expect(record, row.id).toBeDefined();
      // The completion's first line is the gold number, as the task's parser reads it back.
      expect(task.parseAnswer(row.completion, { prompt: row.prompt })).toBe(record?.gold);
    }
  });

  it('exits 2 when no file holds the split asked for, and writes nothing', async () => {
    const out = join(cacheDir, 'rows.jsonl');
    const result = await run('data', 'sft', 'gsm8k', '--split', 'test', '--data', GSM8K_TRAIN, '--out', out);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/field "--data": gsm8k's test split is made from its "test" split/);
    await expect(readFile(out)).rejects.toThrow();
  });
});
