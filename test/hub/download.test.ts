import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { W2sError } from '../../src/errors.js';
import {
  cachedPath,
  downloadHubFile,
  fetchTask,
  hubSettings,
  taskFiles,
  type DownloadProgress,
  type HubFileRef,
  type HubSettings,
} from '../../src/hub/download.js';
import { networkError } from '../../src/hub/http.js';
import { HUB_SOURCES, hubSource } from '../../src/hub/sources.js';
import { TASK_NAMES, getTask } from '../../src/tasks/registry.js';
import { bytes, closedPort, sha256, startFakeHub, type FakeHub } from './hub-server.js';

const TOKEN = 'hf_TESTtokenNEVERwritten0123456789';
const REPO = 'someone/dataset';
const REVISION = 'a'.repeat(40);
const CONTENT = bytes(1 << 20, 7);
const REF: HubFileRef = { repo: REPO, revision: REVISION, path: 'data/train-00000-of-00001.parquet' };

let hub: FakeHub;
let cacheDir: string;
let settings: HubSettings;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function failure(promise: Promise<unknown>): Promise<W2sError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(W2sError);
  return error as W2sError;
}

const incomplete = () => join(cacheDir, 'hub', 'incomplete');

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'w2s-hub-'));
  hub = await startFakeHub([
    { repo: REPO, revision: REVISION, path: REF.path, content: CONTENT },
    { repo: REPO, revision: REVISION, path: 'README.md', content: Buffer.from('# a card kept in git\n'), lfs: false },
    { repo: REPO, revision: REVISION, path: 'data/wrong.parquet', content: bytes(4096, 3), advertisedSha256: 'b'.repeat(64) },
    { repo: REPO, revision: REVISION, path: 'data/quiet.parquet', content: bytes(4096, 4), noChecksumHeaders: true },
    { repo: REPO, revision: REVISION, path: 'data/silent.parquet', content: bytes(4096, 5), noChecksumHeaders: true, unlisted: true },
  ]);
  settings = { endpoint: hub.endpoint, token: TOKEN, cacheDir, offline: false };
});

afterEach(async () => {
  await hub.close();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('downloadHubFile', () => {
  it('downloads through the CDN redirect into a cache path keyed by repo, revision and path', async () => {
    const result = await downloadHubFile(REF, settings, { retryDelayMs: 0 });

    expect(result).toEqual({
      path: join(cacheDir, 'hub', 'datasets', 'someone', 'dataset', REVISION, 'data', 'train-00000-of-00001.parquet'),
      downloaded: true,
    });
    expect((await readFile(result.path)).equals(CONTENT)).toBe(true);
    expect(await filesUnder(incomplete())).toEqual([]);
    const resolvePath = `/datasets/${REPO}/resolve/${REVISION}/${REF.path}`;
    expect(hub.requests.map(({ server, method, path }) => [server, method, path])).toEqual([
      ['hub', 'HEAD', resolvePath],
      ['hub', 'GET', resolvePath],
      ['cdn', 'GET', `/blobs/${sha256(CONTENT)}`],
    ]);
  });

  it('sends the token to the hub as a Bearer header and never to the CDN it redirects to', async () => {
    await downloadHubFile(REF, settings, { retryDelayMs: 0 });

    for (const request of hub.requests) {
      expect(request.authorization).toBe(request.server === 'hub' ? `Bearer ${TOKEN}` : undefined);
    }
  });

  it('serves a cached file without any request', async () => {
    await downloadHubFile(REF, settings, { retryDelayMs: 0 });
    const seen = hub.requests.length;

    const again = await downloadHubFile(REF, settings, { retryDelayMs: 0 });

    expect(again.downloaded).toBe(false);
    expect(hub.requests.length).toBe(seen);
  });

  it('downloads again when forced, replacing the cached file', async () => {
    await downloadHubFile(REF, settings, { retryDelayMs: 0 });

    const again = await downloadHubFile(REF, settings, { retryDelayMs: 0, force: true });

    expect(again.downloaded).toBe(true);
    expect(hub.requests.filter((request) => request.server === 'cdn')).toHaveLength(2);
    expect((await readFile(again.path)).equals(CONTENT)).toBe(true);
  });

  it('resumes a transfer cut mid-way with an HTTP Range request and ends with the same bytes', async () => {
    const cutAt = 300_000;
    hub.cutNext(cutAt);

    const result = await downloadHubFile(REF, settings, { retries: 2, retryDelayMs: 0 });

    const cdn = hub.requests.filter((request) => request.server === 'cdn');
    expect(cdn.map((request) => request.range)).toEqual([undefined, `bytes=${cutAt}-`]);
    expect((await readFile(result.path)).equals(CONTENT)).toBe(true);
  });

  it('keeps the .part of an interrupted download, shows no file at the cache path, and resumes on the next call', async () => {
    const cutAt = 200_000;
    hub.cutNext(cutAt);

    const error = await failure(downloadHubFile(REF, settings, { retries: 0, retryDelayMs: 0 }));
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/stopped after 200000 of 1048576 bytes .*run the command again to resume/);
    expect(await exists(cachedPath(cacheDir, REF))).toBe(false);
    const parts = await filesUnder(incomplete());
    expect(parts).toEqual([join(incomplete(), `sha256-${sha256(CONTENT)}.part`)]);
    expect((await readFile(parts[0] as string)).equals(CONTENT.subarray(0, cutAt))).toBe(true);

    const result = await downloadHubFile(REF, settings, { retries: 0, retryDelayMs: 0 });

    expect(hub.requests.filter((request) => request.server === 'cdn').at(-1)?.range).toBe(`bytes=${cutAt}-`);
    expect((await readFile(result.path)).equals(CONTENT)).toBe(true);
    expect(await filesUnder(incomplete())).toEqual([]);
  });

  it('starts over from byte 0 when the server ignores the Range header', async () => {
    hub.cutNext(100_000);
    await failure(downloadHubFile(REF, settings, { retries: 0, retryDelayMs: 0 }));
    hub.ignoreRange = true;

    const result = await downloadHubFile(REF, settings, { retries: 0, retryDelayMs: 0 });

    expect(hub.requests.filter((request) => request.server === 'cdn').at(-1)?.range).toBe('bytes=100000-');
    expect((await readFile(result.path)).equals(CONTENT)).toBe(true);
  });

  it('deletes the .part on a checksum mismatch and leaves nothing at the cache path', async () => {
    const ref = { ...REF, path: 'data/wrong.parquet' };

    const error = await failure(downloadHubFile(ref, settings, { retryDelayMs: 0 }));

    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/checksum mismatch for someone\/dataset\/data\/wrong\.parquet.*expected sha256 b{64}, got [0-9a-f]{64}; the partial download was deleted/);
    expect(await exists(cachedPath(cacheDir, ref))).toBe(false);
    expect(await filesUnder(incomplete())).toEqual([]);
  });

  it('checks a pinned sha256 against the bytes', async () => {
    const pinned = { ...REF, sha256: sha256(CONTENT), size: CONTENT.length };

    const result = await downloadHubFile(pinned, settings, { retryDelayMs: 0 });

    expect((await readFile(result.path)).equals(CONTENT)).toBe(true);
  });

  it('refuses to download when the hub reports a checksum other than the pinned one', async () => {
    const pinned = { ...REF, sha256: 'd'.repeat(64) };

    const error = await failure(downloadHubFile(pinned, settings, { retryDelayMs: 0 }));

    expect(error.message).toMatch(/the hub reports sha256 [0-9a-f]{64} .* but w2s pins d{64}; refusing to download changed data/);
    expect(hub.requests.filter((request) => request.server === 'cdn')).toEqual([]);
  });

  it('refuses to download when the hub reports a size other than the pinned one', async () => {
    const error = await failure(downloadHubFile({ ...REF, size: 1000 }, settings, { retryDelayMs: 0 }));

    expect(error.message).toMatch(/the hub reports 1048576 bytes for .* but w2s pins 1000; refusing to download changed data/);
    expect(hub.requests.filter((request) => request.server === 'cdn')).toEqual([]);
  });

  it('verifies a file kept in git (no LFS) by its git blob id', async () => {
    const ref = { ...REF, path: 'README.md' };

    const result = await downloadHubFile(ref, settings, { retryDelayMs: 0 });

    expect(await readFile(result.path, 'utf8')).toBe('# a card kept in git\n');
    expect(hub.requests.some((request) => request.server === 'cdn')).toBe(false);
  });

  it('takes the checksum from the tree listing when the hub sends no checksum header', async () => {
    const ref = { ...REF, path: 'data/quiet.parquet' };

    const result = await downloadHubFile(ref, settings, { retryDelayMs: 0 });

    expect(hub.requests.map((request) => request.path)).toContain(`/api/datasets/${REPO}/tree/${REVISION}/data`);
    expect((await readFile(result.path)).equals(bytes(4096, 4))).toBe(true);
  });

  it('refuses an unverified download when no checksum can be found', async () => {
    const ref = { ...REF, path: 'data/silent.parquet' };

    const error = await failure(downloadHubFile(ref, settings, { retryDelayMs: 0 }));

    expect(error.message).toMatch(/gave no checksum .* refusing an unverified download/);
    expect(await exists(cachedPath(cacheDir, ref))).toBe(false);
  });

  it('reports a resume only through the progress sink, with the bytes already on disk', async () => {
    hub.cutNext(500_000);
    const events: [string, ...unknown[]][] = [];
    let advanced = 0;
    const progress: DownloadProgress = {
      start: (label, total, done) => events.push(['start', label, total, done]),
      advance: (n) => (advanced += n),
      stop: () => events.push(['stop']),
    };

    await downloadHubFile(REF, settings, { retries: 1, retryDelayMs: 0, progress });

    expect(events).toEqual([
      ['start', REF.path, CONTENT.length, 0],
      ['stop'],
      ['start', REF.path, CONTENT.length, 500_000],
      ['stop'],
    ]);
    expect(advanced).toBe(CONTENT.length);
  });
});

describe('hub errors', () => {
  it('names the repository and the file on a 404', async () => {
    const error = await failure(downloadHubFile({ ...REF, path: 'data/none.parquet' }, settings));

    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(`dataset ${REPO} has no file "data/none.parquet" at revision "${REVISION}" (HTTP 404)`);
  });

  it('names an unknown revision', async () => {
    const error = await failure(downloadHubFile({ ...REF, revision: 'nope' }, settings));

    expect(error.message).toBe(`dataset ${REPO} has no revision "nope" (HTTP 404)`);
  });

  it('says an unknown repository may be private and mentions HF_TOKEN', async () => {
    const error = await failure(downloadHubFile({ ...REF, repo: 'someone/else' }, settings));

    expect(error.message).toMatch(/dataset repository someone\/else was not found on .* \(HTTP 401\); if it is private or gated, set HF_TOKEN/);
  });

  it('points at HF_TOKEN on a 401, without echoing the token', async () => {
    hub.requiredToken = 'hf_the_right_one';

    const error = await failure(downloadHubFile(REF, settings));

    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(
      `access to ${REPO} was refused (HTTP 401): the token in HF_TOKEN was not accepted; set HF_TOKEN to a token that can read it`,
    );
    expect(error.message).not.toContain(TOKEN);
    expect(error.stack ?? '').not.toContain(TOKEN);
  });

  it('retries a hub that answers 503 and then downloads', async () => {
    hub.failNext(503, 2);

    const result = await downloadHubFile(REF, settings, { retries: 2, retryDelayMs: 0 });

    expect((await readFile(result.path)).equals(CONTENT)).toBe(true);
    expect(hub.requests.slice(0, 3).map((request) => request.method)).toEqual(['HEAD', 'HEAD', 'HEAD']);
  });

  it('gives up on a hub that keeps failing with one line saying what happened', async () => {
    hub.failNext(502, 10);

    const error = await failure(downloadHubFile(REF, settings, { retries: 2, retryDelayMs: 0 }));

    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(
      `the hub at ${hub.endpoint} gave no usable answer for ${REPO}/${REF.path} (revision ${REVISION}) after 3 attempts ` +
        '(the server answered HTTP 502); check the network and HF_ENDPOINT, or try again later',
    );
  });

  it('gives the offline message when the endpoint cannot be reached', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;

    const error = await failure(downloadHubFile(REF, { ...settings, endpoint }));

    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(
      `could not reach the Hugging Face hub at ${endpoint} (ECONNREFUSED); check the network, set HF_ENDPOINT to a hub or ` +
        `mirror you can reach, or put the files in the cache yourself at the paths \`w2s data path <task>\` prints (cache: ${cacheDir})`,
    );
    expect(error.message).not.toContain('\n');
  });

  it('classifies a DNS failure as unreachable too', () => {
    const dns = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND hub'), { code: 'ENOTFOUND' }) });

    const error = networkError(dns, 'https://huggingface.co/datasets/x/y/resolve/main/f', REF, { ...settings, endpoint: 'https://huggingface.co' });

    expect(error).toBeInstanceOf(W2sError);
    expect(error.message).toMatch(/^could not reach the Hugging Face hub at https:\/\/huggingface\.co \(ENOTFOUND\)/);
  });

  it('never writes the token into any file under the cache', async () => {
    await downloadHubFile({ ...REF, path: 'README.md' }, settings, { retryDelayMs: 0 });
    hub.cutNext(50_000);
    await failure(downloadHubFile(REF, settings, { retries: 0, retryDelayMs: 0 }));
    await failure(downloadHubFile({ ...REF, path: 'data/wrong.parquet' }, settings, { retryDelayMs: 0 }));

    const files = await filesUnder(cacheDir);
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      expect((await readFile(file)).includes(TOKEN)).toBe(false);
    }
    expect(JSON.stringify(await readdir(cacheDir, { recursive: true }))).not.toContain(TOKEN);
  });

  it('says which cache folder could not be created', async () => {
    const blocker = join(cacheDir, 'a-file');
    await writeFile(blocker, 'not a folder');

    const error = await failure(downloadHubFile(REF, { ...settings, cacheDir: join(blocker, 'cache') }, { retryDelayMs: 0 }));

    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(`could not create the cache folder ${join(blocker, 'cache', 'hub', 'incomplete')} (ENOTDIR); choose another with --cache or W2S_CACHE`);
  });

  it('uses the cache only when offline', async () => {
    const offline = { ...settings, offline: true };
    const error = await failure(downloadHubFile(REF, offline));
    expect(error.message).toMatch(/HF_HUB_OFFLINE is set and someone\/dataset\/data\/train-00000-of-00001\.parquet .* is not in the cache/);
    expect(hub.requests).toEqual([]);

    await downloadHubFile(REF, settings, { retryDelayMs: 0 });
    expect((await downloadHubFile(REF, offline)).downloaded).toBe(false);
  });
});

describe('hubSettings', () => {
  it('defaults to huggingface.co and ~/.cache/w2s, with no token', () => {
    const env = { HOME: '/home/someone' };

    const read = hubSettings(env);

    expect(read.endpoint).toBe('https://huggingface.co');
    expect(read.token).toBeUndefined();
    expect(read.offline).toBe(false);
    expect(read.cacheDir.endsWith(join('.cache', 'w2s'))).toBe(true);
  });

  it('reads HF_ENDPOINT, HF_TOKEN, W2S_CACHE and HF_HUB_OFFLINE', () => {
    const read = hubSettings({ HF_ENDPOINT: 'https://hf-mirror.example/', HF_TOKEN: 'tok', W2S_CACHE: '/tmp/w2s-cache', HF_HUB_OFFLINE: '1', HF_HUB_CACHE: '/tmp/hf-hub' });

    expect(read).toEqual({
      endpoint: 'https://hf-mirror.example',
      token: 'tok',
      tokenSource: 'HF_TOKEN',
      cacheDir: '/tmp/w2s-cache',
      hfHubCache: '/tmp/hf-hub',
      offline: true,
      timeoutMs: 10_000,
    });
  });

  it('rejects an HF_ENDPOINT that is not an http(s) URL as bad input', () => {
    expect(() => hubSettings({ HF_ENDPOINT: 'huggingface.co' })).toThrow(/field "HF_ENDPOINT": must be an http\(s\) URL/);
    try {
      hubSettings({ HF_ENDPOINT: 'ftp://mirror' });
    } catch (error) {
      expect((error as W2sError).exitCode).toBe(2);
    }
  });
});

describe('cache layout', () => {
  it('encodes a branch revision such as refs/convert/parquet into one directory', () => {
    const path = cachedPath('/c', { repo: 'hendrycks/ethics', revision: 'refs/convert/parquet', path: 'commonsense/train/0000.parquet' });

    expect(path).toBe(join('/c', 'hub', 'datasets', 'hendrycks', 'ethics', 'refs%2Fconvert%2Fparquet', 'commonsense', 'train', '0000.parquet'));
  });

  it('refuses paths and repository ids that would leave the cache', () => {
    expect(() => cachedPath('/c', { repo: REPO, revision: 'main', path: '../../etc/passwd' })).toThrow(/not a relative file path/);
    expect(() => cachedPath('/c', { repo: REPO, revision: 'main', path: '/abs' })).toThrow(/not a relative file path/);
    expect(() => cachedPath('/c', { repo: '../x', revision: 'main', path: 'f' })).toThrow(/not a hub repository id/);
    expect(() => cachedPath('/c', { repo: REPO, revision: '..', path: 'f' })).toThrow(/not a usable revision/);
  });
});

describe('hub sources', () => {
  it('pins every task to a commit, with well-formed checksums and relative paths', () => {
    expect([...TASK_NAMES]).toEqual(['hellaswag', 'mmlu', 'ethics', 'gsm8k']);
    for (const task of TASK_NAMES) {
      const source = HUB_SOURCES[task];
      expect(source.revision).toMatch(/^[0-9a-f]{40}$/);
      expect(new Set(source.files.map((file) => file.path)).size).toBe(source.files.length);
      for (const file of source.files) {
        expect(file.path).toMatch(/^[\w-]+\/[\w.-]+\.parquet$/);
        if (file.sha256 !== undefined) expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
      }
    }
  });

  it("offers exactly the source splits each task reads", () => {
    for (const task of TASK_NAMES) {
      const hubSplits = [...new Set(HUB_SOURCES[task].files.map((file) => file.split))];
      expect(hubSplits, task).toEqual([...getTask(task).sourceSplits]);
    }
  });

  it('puts every file where its task tells the right split from the path', () => {
    for (const task of TASK_NAMES) {
      for (const file of taskFiles(task, { cacheDir: '/c' })) {
        expect(getTask(task).sourceSplitOf(file.path), file.path).toBe(file.split);
      }
    }
  });

  it('lists the known names for an unknown task', () => {
    expect(() => hubSource('squad')).toThrow('field "task": unknown task "squad"; known tasks: hellaswag, mmlu, ethics, gsm8k');
  });

  it('maps a task to its cache paths and lets a caller pick splits', () => {
    const files = taskFiles('gsm8k', { cacheDir: '/c' }, { splits: ['test'] });

    expect(files).toEqual([
      {
        split: 'test',
        repoPath: 'main/test-00000-of-00001.parquet',
        path: join('/c', 'hub', 'datasets', 'openai', 'gsm8k', HUB_SOURCES.gsm8k.revision, 'main', 'test-00000-of-00001.parquet'),
      },
    ]);
    expect(() => taskFiles('gsm8k', { cacheDir: '/c' }, { splits: ['validation'] })).toThrow(
      'field "split": task gsm8k has no split "validation"; its splits: train, test',
    );
  });

  it('fetches a task at another revision with the checksums the hub sends, not the pinned ones', async () => {
    await hub.close();
    const train = bytes(5000, 11);
    const test = bytes(3000, 12);
    hub = await startFakeHub([
      { repo: 'openai/gsm8k', revision: 'v-test', path: 'main/train-00000-of-00001.parquet', content: train },
      { repo: 'openai/gsm8k', revision: 'v-test', path: 'main/test-00000-of-00001.parquet', content: test },
    ]);

    const files = await fetchTask('gsm8k', { ...settings, endpoint: hub.endpoint }, { revision: 'v-test' }, { retryDelayMs: 0 });

    expect(files.map((file) => [file.split, file.downloaded])).toEqual([
      ['train', true],
      ['test', true],
    ]);
    expect((await readFile(files[0]?.path as string)).equals(train)).toBe(true);
    expect((await readFile(files[1]?.path as string)).equals(test)).toBe(true);
  });
});

describe('downloadHubFile: silent servers and empty files', () => {
  it('gives up on a server that accepts connections and never answers, with a clear error after its retries', async () => {
    const silent = createNetServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const started = performance.now();
      const error = await failure(downloadHubFile(REF, { ...settings, endpoint, timeoutMs: 200 }, { retryDelayMs: 0, retries: 2 }));
      expect(error.message).toContain('no usable answer');
      expect(error.message).toContain('no answer from');
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      silent.close();
    }
  });

  it('gives up on a download whose body stalls, keeping the bytes received for a resume', async () => {
    hub.stallNext(4096);
    const error = await failure(downloadHubFile(REF, { ...settings, timeoutMs: 300 }, { retryDelayMs: 0, retries: 0 }));
    expect(error.message).toContain('no data for 0.3 s');
    const parts = await filesUnder(incomplete());
    expect(parts).toHaveLength(1);
    expect((await readFile(parts[0] as string)).length).toBeGreaterThanOrEqual(4096);
  });

  it('downloads a 0-byte file', async () => {
    await hub.close();
    hub = await startFakeHub([{ repo: REPO, revision: REVISION, path: 'data/empty.parquet', content: Buffer.alloc(0) }]);
    const result = await downloadHubFile({ ...REF, path: 'data/empty.parquet' }, { ...settings, endpoint: hub.endpoint }, { retryDelayMs: 0 });
    expect((await readFile(result.path)).length).toBe(0);
  });

  it('reads HF_HUB_DOWNLOAD_TIMEOUT in seconds, and refuses a bad one', () => {
    expect(hubSettings({ HF_HUB_DOWNLOAD_TIMEOUT: '2.5' }).timeoutMs).toBe(2500);
    expect(hubSettings({}).timeoutMs).toBe(10_000);
    expect(() => hubSettings({ HF_HUB_DOWNLOAD_TIMEOUT: 'soon' })).toThrow(/HF_HUB_DOWNLOAD_TIMEOUT/);
  });
});
