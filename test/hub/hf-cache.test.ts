import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { cacheDirFromEnv, cachedPath, downloadHubFile, hfSnapshotPath, hubSettings, type HubFileRef, type HubSettings } from '../../src/hub/download.js';
import { hfHome, hfHubCacheDir, hfToken } from '../../src/hub/local.js';
import { HUB_SOURCES } from '../../src/hub/sources.js';
import { bytes, gitBlobId, sha256, startFakeHub, type FakeHub } from './hub-server.js';

// The Hugging Face hub cache as huggingface_hub lays it out (real folders, blobs named by etag, snapshot links), the
// token its CLI's login saves, and w2s's own cache folder: found, reused when verified, never leaked.

const TOKEN = 'hf_SAVEDloginTOKENneverWRITTEN42';
const REPO = 'someone/dataset';
const REVISION = 'd'.repeat(40);
const CONTENT = bytes(200_000, 11);
const REF: HubFileRef = { repo: REPO, revision: REVISION, path: 'data/train-00000-of-00001.parquet' };

let hub: FakeHub;
let root: string;
let cacheDir: string;
let hfHubCache: string;
let settings: HubSettings;

/** Put `content` into the HF hub cache like huggingface_hub: the blob named by its etag, a relative link in the snapshot. */
async function putInHfCache(ref: HubFileRef, content: Buffer, etag: string): Promise<string> {
  const repoDir = join(hfHubCache, `datasets--${ref.repo.replace('/', '--')}`);
  const blob = join(repoDir, 'blobs', etag);
  const snapshot = join(repoDir, 'snapshots', ref.revision, ...ref.path.split('/'));
  await mkdir(dirname(blob), { recursive: true });
  await mkdir(dirname(snapshot), { recursive: true });
  await writeFile(blob, content);
  await symlink(relative(dirname(snapshot), blob), snapshot);
  await mkdir(join(repoDir, 'refs'), { recursive: true });
  await writeFile(join(repoDir, 'refs', 'main'), ref.revision);
  return blob;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'w2s-hf-cache-'));
  cacheDir = join(root, 'w2s');
  hfHubCache = join(root, 'huggingface', 'hub');
  hub = await startFakeHub([
    { repo: REPO, revision: REVISION, path: REF.path, content: CONTENT },
    { repo: REPO, revision: REVISION, path: 'README.md', content: Buffer.from('# card\n'), lfs: false },
  ]);
  settings = { endpoint: hub.endpoint, cacheDir, hfHubCache, offline: false };
});

afterEach(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});

describe('the Hugging Face hub cache', () => {
  it('takes a file with the pinned checksum from the snapshot of the pinned commit, with no HTTP request', async () => {
    await putInHfCache(REF, CONTENT, sha256(CONTENT));

    const result = await downloadHubFile({ ...REF, sha256: sha256(CONTENT), size: CONTENT.length }, settings, { retryDelayMs: 0 });

    expect(result).toEqual({ path: cachedPath(cacheDir, REF), downloaded: false });
    expect((await readFile(result.path)).equals(CONTENT)).toBe(true);
    expect(hub.requests).toEqual([]);
    // Nothing but the file itself is left in w2s's cache (no temporary).
    expect(await filesUnder(cacheDir)).toEqual([result.path]);
  });

  it('checks an unpinned file against the etag its blob is named by (sha256 for LFS, the git blob id otherwise)', async () => {
    await putInHfCache(REF, CONTENT, sha256(CONTENT));
    const card = { ...REF, path: 'README.md' };
    await putInHfCache(card, Buffer.from('# card\n'), gitBlobId(Buffer.from('# card\n')));

    expect((await downloadHubFile(REF, settings, { retryDelayMs: 0 })).downloaded).toBe(false);
    expect((await downloadHubFile(card, settings, { retryDelayMs: 0 })).downloaded).toBe(false);
    expect(hub.requests).toEqual([]);
  });

  it('ignores a file whose bytes do not match the pinned checksum, downloads the right one, and leaves the HF cache as it was', async () => {
    const wrong = bytes(CONTENT.length, 99);
    const blob = await putInHfCache(REF, wrong, sha256(CONTENT));

    const result = await downloadHubFile({ ...REF, sha256: sha256(CONTENT), size: CONTENT.length }, settings, { retryDelayMs: 0 });

    expect(result.downloaded).toBe(true);
    expect((await readFile(result.path)).equals(CONTENT)).toBe(true);
    expect(hub.requests.filter((request) => request.server === 'cdn')).toHaveLength(1);
    expect((await readFile(blob)).equals(wrong)).toBe(true);
  });

  it('ignores an unpinned file whose bytes do not match its blob name, and one with no checksum to check', async () => {
    await putInHfCache(REF, bytes(CONTENT.length, 98), sha256(CONTENT));
    expect((await downloadHubFile(REF, settings, { retryDelayMs: 0 })).downloaded).toBe(true);

    const card = { ...REF, path: 'README.md' };
    await putInHfCache(card, Buffer.from('# card\n'), 'not-an-etag');
    expect((await downloadHubFile(card, settings, { retryDelayMs: 0 })).downloaded).toBe(true);
  });

  it("uses only the snapshot of exactly the file's revision", async () => {
    await putInHfCache({ ...REF, revision: 'e'.repeat(40) }, CONTENT, sha256(CONTENT));

    expect((await downloadHubFile(REF, settings, { retryDelayMs: 0 })).downloaded).toBe(true);
    // A branch name has no snapshot of its own: it may have moved since the HF cache was filled.
    expect(hfSnapshotPath(hfHubCache, { ...REF, revision: 'main' })).toBeUndefined();
  });

  it('serves an offline command from the HF cache, and re-downloads on --force', async () => {
    await putInHfCache(REF, CONTENT, sha256(CONTENT));
    expect((await downloadHubFile(REF, { ...settings, offline: true })).downloaded).toBe(false);

    const again = await downloadHubFile(REF, settings, { retryDelayMs: 0, force: true });
    expect(again.downloaded).toBe(true);
  });
});

describe('folders and the saved token', () => {
  it("picks w2s's cache: W2S_CACHE, else $XDG_CACHE_HOME/w2s (absolute only), else ~/.cache/w2s", () => {
    expect(cacheDirFromEnv({ HOME: '/home/u', W2S_CACHE: '/w', XDG_CACHE_HOME: '/x' })).toBe('/w');
    expect(cacheDirFromEnv({ HOME: '/home/u', XDG_CACHE_HOME: '/x' })).toBe('/x/w2s');
    expect(cacheDirFromEnv({ HOME: '/home/u', XDG_CACHE_HOME: 'relative' })).toBe('/home/u/.cache/w2s');
    expect(cacheDirFromEnv({ HOME: '/home/u' })).toBe('/home/u/.cache/w2s');
  });

  it("finds the HF hub cache as huggingface_hub does: HF_HUB_CACHE, else $HF_HOME/hub, else the XDG cache's huggingface/hub", () => {
    expect(hfHubCacheDir({ HOME: '/home/u', HF_HUB_CACHE: '/hc', HF_HOME: '/hh' })).toBe('/hc');
    expect(hfHubCacheDir({ HOME: '/home/u', HF_HOME: '/hh' })).toBe('/hh/hub');
    expect(hfHubCacheDir({ HOME: '/home/u', XDG_CACHE_HOME: '/x' })).toBe('/x/huggingface/hub');
    expect(hfHubCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/huggingface/hub');
    expect(hubSettings({ HOME: '/home/u', HF_HOME: '/hh' }).hfHubCache).toBe('/hh/hub');
  });

  it('reads the token: HF_TOKEN, else the file HF_TOKEN_PATH, else $HF_HOME/token; an empty or missing file is none', async () => {
    const home = join(root, 'hf-home');
    await mkdir(home, { recursive: true });
    await writeFile(join(home, 'token'), `${TOKEN}\n`);
    const other = join(root, 'other-token');
    await writeFile(other, 'hf_other');

    expect(hfToken({ HF_HOME: home })).toEqual({ token: TOKEN, source: join(home, 'token') });
    expect(hfToken({ HF_HOME: home, HF_TOKEN_PATH: other })).toEqual({ token: 'hf_other', source: other });
    expect(hfToken({ HF_HOME: home, HF_TOKEN: 'hf_env' })).toEqual({ token: 'hf_env', source: 'HF_TOKEN' });
    expect(hfToken({ HF_HOME: join(root, 'nowhere') })).toBeUndefined();
    await writeFile(join(home, 'token'), '\n');
    expect(hfToken({ HF_HOME: home })).toBeUndefined();
    expect(hfHome({ HOME: '/home/u' })).toBe('/home/u/.cache/huggingface');
  });

  it('sends the saved token to the hub only, and names its file, not the token, when the hub refuses it', async () => {
    const home = join(root, 'hf-home');
    await mkdir(home, { recursive: true });
    await writeFile(join(home, 'token'), `${TOKEN}\n`);
    const fromEnv = hubSettings({ HF_ENDPOINT: hub.endpoint, HF_HOME: home, W2S_CACHE: cacheDir });
    hub.requiredToken = TOKEN;

    await downloadHubFile(REF, fromEnv, { retryDelayMs: 0 });

    expect(hub.requests.length).toBeGreaterThan(0);
    for (const request of hub.requests) expect(request.authorization).toBe(request.server === 'hub' ? `Bearer ${TOKEN}` : undefined);
    hub.requiredToken = 'hf_another';
    const error = await downloadHubFile({ ...REF, path: 'README.md' }, fromEnv, { retryDelayMs: 0 }).catch((reason: Error) => reason);
    expect((error as Error).message).toContain(`the token in ${join(home, 'token')} was not accepted`);
    expect((error as Error).message).not.toContain(TOKEN);
  });
});

describe('w2s data fetch with the saved login and the HF cache', () => {
  const ENV_KEYS = ['HF_ENDPOINT', 'HF_TOKEN', 'HF_TOKEN_PATH', 'HF_HOME', 'HF_HUB_CACHE', 'W2S_CACHE', 'XDG_CACHE_HOME', 'HF_HUB_OFFLINE'] as const;
  let saved: Partial<Record<string, string>>;
  beforeEach(() => {
    saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
    for (const key of ENV_KEYS) delete process.env[key];
  });
  afterEach(() => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  async function run(...args: string[]): Promise<{ code: number; output: string }> {
    let output = '';
    const out = process.stdout.write;
    const err = process.stderr.write;
    process.stdout.write = ((chunk: string | Uint8Array) => ((output += chunk.toString()), true)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => ((output += chunk.toString()), true)) as typeof process.stderr.write;
    try {
      return { code: await main(['node', 'w2s', ...args]), output };
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
  }

  it('takes one split from the HF cache and downloads the other with the saved token, which appears in no file and no output', async () => {
    const gsm8k = HUB_SOURCES.gsm8k;
    const revision = 'f'.repeat(40);
    const train = bytes(5000, 31);
    const test = bytes(3000, 32);
    await hub.close();
    hub = await startFakeHub([
      { repo: gsm8k.repo, revision, path: 'main/train-00000-of-00001.parquet', content: train },
      { repo: gsm8k.repo, revision, path: 'main/test-00000-of-00001.parquet', content: test },
    ]);
    hub.requiredToken = TOKEN;
    // XDG_CACHE_HOME alone places both caches: w2s's at $XDG_CACHE_HOME/w2s, Hugging Face's (and its token) at $XDG_CACHE_HOME/huggingface.
    const xdg = join(root, 'xdg');
    hfHubCache = join(xdg, 'huggingface', 'hub');
    await putInHfCache({ repo: gsm8k.repo, revision, path: 'main/train-00000-of-00001.parquet' }, train, sha256(train));
    await writeFile(join(xdg, 'huggingface', 'token'), TOKEN);
    process.env.XDG_CACHE_HOME = xdg;
    process.env.HF_ENDPOINT = hub.endpoint;

    const fetched = await run('data', 'fetch', 'gsm8k', '--revision', revision);
    const doctor = await run('doctor', '--python', '/nonexistent/python3');

    expect(fetched.code).toBe(0);
    const w2sCache = join(xdg, 'w2s');
    expect(fetched.output).toContain(`train\t${cachedPath(w2sCache, { repo: gsm8k.repo, revision, path: 'main/train-00000-of-00001.parquet' })}\n`);
    expect(hub.requests.map((request) => request.path).filter((path) => path.includes('train'))).toEqual([]);
    expect(hub.requests.filter((request) => request.server === 'cdn').map((request) => request.path)).toEqual([`/blobs/${sha256(test)}`]);
    expect((await stat(cachedPath(w2sCache, { repo: gsm8k.repo, revision, path: 'main/test-00000-of-00001.parquet' }))).size).toBe(test.length);
    expect(doctor.output).toContain(`hugging face hub cache: ${hfHubCache} `);
    expect(doctor.output).toContain(`hugging face token: found (${join(xdg, 'huggingface', 'token')})`);
    expect(`${fetched.output}${doctor.output}`).not.toContain(TOKEN);
    const written = await filesUnder(w2sCache);
    expect(written).toHaveLength(2);
    for (const file of written) expect((await readFile(file)).includes(TOKEN)).toBe(false);
  });
});
