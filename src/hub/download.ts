import { createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { EXIT_FAILURE, W2sError, badInput } from '../errors.js';
import { DEFAULT_TIMEOUT_MS, describe, errorCode, follow, isRedirect, retrying, statusError, Transient } from './http.js';
import { hubSource } from './sources.js';
import { digestOf, digestOfHex, type Digest } from './digest.js';
import { hfHubCacheDir, hfToken, w2sCacheDir } from './local.js';
import { hostTag } from '../io/folder-lock.js';

/** The hub huggingface_hub talks to when HF_ENDPOINT is not set. */
export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export type { CachedFile, DownloadOptions, DownloadProgress, HubFileRef, HubSettings, TaskFile, TaskSelection } from './types.js';
import type { CachedFile, DownloadOptions, DownloadProgress, HubFileRef, HubSettings, TaskFile, TaskSelection } from './types.js';

const TRUTHY = new Set(['1', 'true', 'yes', 'on']);
const LOCAL_WRITE_ERRORS = new Set(['ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR', 'EDQUOT']);

/**
 * Read the hub settings from the environment: HF_ENDPOINT, the token (HF_TOKEN or the Hugging Face CLI's saved login),
 * w2s's cache (W2S_CACHE, XDG_CACHE_HOME), the Hugging Face hub cache to reuse (HF_HUB_CACHE, HF_HOME), HF_HUB_OFFLINE.
 */
export function hubSettings(env: NodeJS.ProcessEnv = process.env): HubSettings {
  const endpoint = (env.HF_ENDPOINT?.trim() || DEFAULT_ENDPOINT).replace(/\/+$/, '');
  let protocol: string;
  try {
    protocol = new URL(endpoint).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw badInput(`must be an http(s) URL such as ${DEFAULT_ENDPOINT}, got "${endpoint}"`, { field: 'HF_ENDPOINT' });
  }
  const found = hfToken(env);
  const offline = TRUTHY.has((env.HF_HUB_OFFLINE ?? '').trim().toLowerCase());
  const timeout = env.HF_HUB_DOWNLOAD_TIMEOUT?.trim();
  const seconds = timeout ? Number(timeout) : DEFAULT_TIMEOUT_MS / 1000;
  if (!(seconds > 0)) throw badInput(`must be a positive number of seconds, got "${timeout}"`, { field: 'HF_HUB_DOWNLOAD_TIMEOUT' });
  return {
    endpoint,
    token: found?.token,
    ...(found ? { tokenSource: found.source } : {}),
    cacheDir: cacheDirFromEnv(env),
    hfHubCache: hfHubCacheDir(env),
    offline,
    timeoutMs: seconds * 1000,
  };
}

/** The cache root: W2S_CACHE, else $XDG_CACHE_HOME/w2s, else ~/.cache/w2s. */
export function cacheDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return w2sCacheDir(env);
}

/** Where a hub file lives in the cache: keyed by repository, revision and path. */
export function cachedPath(cacheDir: string, ref: Pick<HubFileRef, 'repo' | 'revision' | 'path'>): string {
  const [owner, name] = repoParts(ref.repo);
  if (ref.revision === '' || ref.revision === '.' || ref.revision === '..' || hasControlCharacter(ref.revision)) {
    throw badInput(`not a usable revision: "${ref.revision}"`, { field: 'revision' });
  }
  return join(cacheDir, 'hub', 'datasets', owner, name, encodeURIComponent(ref.revision), ...pathSegments(ref.path));
}

/** The cache paths of a task's files (no network): what `w2s data fetch` fills and the task readers open. */
export function taskFiles(task: string, settings: Pick<HubSettings, 'cacheDir'>, selection: TaskSelection = {}): TaskFile[] {
  return selectTaskRefs(task, selection).map(({ split, ref }) => ({
    split,
    repoPath: ref.path,
    path: cachedPath(settings.cacheDir, ref),
  }));
}

/** Download a task's files into the cache (skipping those already there) and return where they are. */
export async function fetchTask(
  task: string,
  settings: HubSettings,
  selection: TaskSelection = {},
  options: DownloadOptions = {},
): Promise<(TaskFile & { downloaded: boolean })[]> {
  const files: (TaskFile & { downloaded: boolean })[] = [];
  for (const { split, ref } of selectTaskRefs(task, selection)) {
    const { path, downloaded } = await downloadHubFile(ref, settings, options);
    files.push({ split, repoPath: ref.path, path, downloaded });
  }
  return files;
}

function selectTaskRefs(task: string, selection: TaskSelection): { split: string; ref: HubFileRef }[] {
  const source = hubSource(task);
  const known = [...new Set(source.files.map((file) => file.split))];
  for (const split of selection.splits ?? []) {
    if (!known.includes(split)) {
      throw badInput(`task ${task} has no split "${split}"; its splits: ${known.join(', ')}`, { field: 'split' });
    }
  }
  const revision = selection.revision ?? source.revision;
  const pinned = revision === source.revision;
  return source.files
    .filter((file) => selection.splits === undefined || selection.splits.includes(file.split))
    .map((file) => ({
      split: file.split,
      ref: {
        repo: source.repo,
        revision,
        path: file.path,
        ...(pinned ? { sha256: file.sha256, size: file.size } : {}),
      },
    }));
}

/**
 * Bring one hub file into the cache. A verified copy in the Hugging Face hub cache is taken without a request;
 * otherwise the bytes go to a `.part` file named by the expected checksum (so an interrupted transfer resumes with an
 * HTTP Range request, in this call or a later one), are verified, and only then renamed to the cache path: a file at
 * the cache path is always complete and verified.
 */
export async function downloadHubFile(ref: HubFileRef, settings: HubSettings, options: DownloadOptions = {}): Promise<CachedFile> {
  const target = cachedPath(settings.cacheDir, ref);
  if (!options.force && (await sizeOf(target)) !== undefined) return { path: target, downloaded: false };
  if (!options.force && settings.hfHubCache !== undefined && (await adoptFromHfCache(ref, settings.hfHubCache, target))) {
    return { path: target, downloaded: false };
  }
  if (settings.offline) {
    throw new W2sError(`HF_HUB_OFFLINE is set and ${describe(ref)} is not in the cache (${target})`, {}, EXIT_FAILURE);
  }
  const { expected, expectedSize } = await retrying(
    options,
    async () => {
      const remote = await remoteMetadata(ref, settings);
      const expected = await expectedDigest(ref, remote, settings);
      if (ref.size !== undefined && remote.size !== undefined && ref.size !== remote.size) {
        throw new W2sError(
          `the hub reports ${remote.size} bytes for ${describe(ref)}, but w2s pins ${ref.size}; refusing to download changed data`,
          {},
          EXIT_FAILURE,
        );
      }
      return { expected, expectedSize: ref.size ?? remote.size };
    },
    async (reason, attempts) =>
      `the hub at ${settings.endpoint} gave no usable answer for ${describe(ref)} after ${attempts} attempts (${reason}); ` +
      'check the network and HF_ENDPOINT, or try again later',
  );
  const part = join(settings.cacheDir, 'hub', 'incomplete', `${expected.kind}-${expected.hex}.part`);
  await ensureDir(dirname(part));
  await transfer(ref, settings, options, part, expectedSize);

  const actual = await digestOf(part, expected.kind);
  if (actual !== expected.hex) {
    await rm(part, { force: true });
    throw new W2sError(
      `checksum mismatch for ${describe(ref)}: expected ${expected.kind} ${expected.hex}, got ${actual}; ` +
        'the partial download was deleted, run the command again to retry',
      {},
      EXIT_FAILURE,
    );
  }
  await ensureDir(dirname(target));
  await rename(part, target);
  return { path: target, downloaded: true };
}

/** Receive the file into `part`, resuming from what is already there after each interruption. */
async function transfer(
  ref: HubFileRef,
  settings: HubSettings,
  options: DownloadOptions,
  part: string,
  expectedSize: number | undefined,
): Promise<void> {
  await retrying(
    options,
    async () => {
      let offset = (await sizeOf(part)) ?? 0;
      if (expectedSize !== undefined && offset > expectedSize) {
        await rm(part, { force: true });
        offset = 0;
      }
      if (expectedSize !== undefined && offset === expectedSize) {
        // Complete already; an empty file has nothing to transfer, but its part must exist to be verified and moved.
        if (expectedSize === 0) await writeFile(part, '');
        return;
      }
      await receive(ref, settings, options.progress, part, offset, expectedSize);
    },
    async (reason) => {
      const got = (await sizeOf(part)) ?? 0;
      const of = expectedSize === undefined ? '' : ` of ${expectedSize}`;
      return `the download of ${describe(ref)} stopped after ${got}${of} bytes (${reason}); run the command again to resume from there`;
    },
  );
}

/** One GET of the file from `offset` on, appended to (or, when the server restarts from 0, replacing) `part`. */
async function receive(
  ref: HubFileRef,
  settings: HubSettings,
  progress: DownloadProgress | undefined,
  part: string,
  offset: number,
  expectedSize: number | undefined,
): Promise<void> {
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (offset > 0) headers.range = `bytes=${offset}-`;
  const { response, idle } = await follow(resolveUrl(settings.endpoint, ref), 'GET', headers, settings, ref, false);
  // `idle` is restarted by every chunk of the body, and gives up on a server that goes quiet.
  try {
    let start = 0;
    let total = expectedSize;
    if (response.status === 206) {
      const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
      start = range ? Number(range[1]) : -1;
      if (range && range[2] !== '*') total = Number(range[2]);
      if (start !== offset) {
        // A range we did not ask for cannot be appended; start over from byte 0.
        await response.body?.cancel();
        await rm(part, { force: true });
        throw new Transient(`the server answered with a different byte range (${response.headers.get('content-range')})`);
      }
    } else if (response.status === 416) {
      // Nothing left to send: the part is complete, or wrong, which the checksum will tell.
      await response.body?.cancel();
      return;
    } else if (response.status !== 200) {
      await response.body?.cancel();
      throw statusError(response, ref, settings);
    } else {
      const length = Number(response.headers.get('content-length') ?? NaN);
      if (total === undefined && Number.isFinite(length)) total = length;
    }
    if (!response.body) throw new Transient('the response had no body');

    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        idle.restart();
        progress?.advance(chunk.length);
        done(null, chunk);
      },
    });
    progress?.start(ref.path, total, start);
    try {
      await pipeline(
        Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        counter,
        createWriteStream(part, { flags: start === 0 ? 'w' : 'a' }),
      );
    } catch (error) {
      const code = errorCode(error);
      if (code !== undefined && LOCAL_WRITE_ERRORS.has(code)) {
        throw new W2sError(`could not write ${part}: ${(error as Error).message}`, {}, EXIT_FAILURE);
      }
      if (idle.expired) throw new Transient(`no data for ${idle.ms / 1000} s (HF_HUB_DOWNLOAD_TIMEOUT)`);
      throw new Transient(`connection lost: ${code ?? (error as Error).message}`);
    } finally {
      progress?.stop();
    }
  } finally {
    idle.stop();
  }
}

interface RemoteMetadata {
  digest?: Digest;
  size?: number;
}

/**
 * Ask the hub for the file's checksum and size, as huggingface_hub does: a HEAD request to the resolve URL that
 * follows same-origin redirects and stops at the redirect to the CDN. For LFS files (all parquet files), the
 * `X-Linked-Etag` header of that response is the sha256 of the content and `X-Linked-Size` its size; for files
 * kept in git, the `ETag` is the git blob id (sha1).
 */
async function remoteMetadata(ref: HubFileRef, settings: HubSettings): Promise<RemoteMetadata> {
  const { response } = await follow(resolveUrl(settings.endpoint, ref), 'HEAD', {}, settings, ref, true);
  if (response.status !== 200 && !isRedirect(response.status)) throw statusError(response, ref, settings);
  const linked = normaliseEtag(response.headers.get('x-linked-etag'));
  const etag = normaliseEtag(response.headers.get('etag'));
  const size = Number(response.headers.get('x-linked-size') ?? (response.status === 200 ? response.headers.get('content-length') : NaN));
  let digest: Digest | undefined;
  if (linked && /^[0-9a-f]{64}$/.test(linked)) digest = { kind: 'sha256', hex: linked };
  else if (etag && /^[0-9a-f]{64}$/.test(etag)) digest = { kind: 'sha256', hex: etag };
  else if (etag && /^[0-9a-f]{40}$/.test(etag)) digest = { kind: 'git-sha1', hex: etag };
  return { digest, size: Number.isFinite(size) ? size : undefined };
}

/** The checksum to verify against: the pinned one (which must agree with the hub's), else the hub's. */
async function expectedDigest(ref: HubFileRef, remote: RemoteMetadata, settings: HubSettings): Promise<Digest> {
  if (ref.sha256 !== undefined) {
    const pinned = ref.sha256.toLowerCase();
    if (remote.digest?.kind === 'sha256' && remote.digest.hex !== pinned) {
      throw new W2sError(
        `the hub reports sha256 ${remote.digest.hex} for ${describe(ref)}, but w2s pins ${pinned}; refusing to download changed data`,
        {},
        EXIT_FAILURE,
      );
    }
    return { kind: 'sha256', hex: pinned };
  }
  const digest = remote.digest ?? (await treeDigest(ref, settings));
  if (!digest) {
    throw new W2sError(
      `the hub gave no checksum for ${describe(ref)} (no X-Linked-Etag or ETag header, no entry in its tree listing); refusing an unverified download`,
      {},
      EXIT_FAILURE,
    );
  }
  return digest;
}

/** Fallback for endpoints that send no checksum header: the tree listing gives `lfs.oid` (sha256) or `oid` (git sha1). */
async function treeDigest(ref: HubFileRef, settings: HubSettings): Promise<Digest | undefined> {
  const segments = pathSegments(ref.path);
  const dir = segments.slice(0, -1).map(encodeURIComponent).join('/');
  let url: string | undefined =
    `${settings.endpoint}/api/datasets/${ref.repo}/tree/${encodeURIComponent(ref.revision)}` + (dir ? `/${dir}` : '');
  while (url) {
    const { response } = await follow(url, 'GET', { accept: 'application/json' }, settings, ref, false);
    if (response.status !== 200) {
      await response.body?.cancel();
      return undefined;
    }
    const entries = (await response.json()) as unknown;
    if (!Array.isArray(entries)) return undefined;
    for (const entry of entries as { path?: unknown; oid?: unknown; lfs?: { oid?: unknown } }[]) {
      if (entry.path !== ref.path) continue;
      if (typeof entry.lfs?.oid === 'string' && /^[0-9a-f]{64}$/.test(entry.lfs.oid)) return { kind: 'sha256', hex: entry.lfs.oid };
      if (entry.lfs === undefined && typeof entry.oid === 'string' && /^[0-9a-f]{40}$/.test(entry.oid)) return { kind: 'git-sha1', hex: entry.oid };
      return undefined;
    }
    const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '');
    url = next?.[1] ? new URL(next[1], url).href : undefined;
  }
  return undefined;
}

/**
 * Where the Hugging Face libraries keep a dataset file of a commit: `datasets--<owner>--<name>/snapshots/<commit>/<path>`
 * (usually a link to `blobs/<etag>`). Only a full commit id has a snapshot: a branch or tag may have moved since.
 */
export function hfSnapshotPath(hubCache: string, ref: Pick<HubFileRef, 'repo' | 'revision' | 'path'>): string | undefined {
  const [owner, name] = repoParts(ref.repo);
  if (!/^[0-9a-f]{40}$/.test(ref.revision)) return undefined;
  return join(hubCache, `datasets--${owner}--${name}`, 'snapshots', ref.revision, ...pathSegments(ref.path));
}

/**
 * Take the file from the Hugging Face hub cache when it is there and its checksum is right: the one w2s pins, else the
 * etag its blob is named by. A file with no checksum to check, or a wrong one, is left alone (and downloaded). The
 * bytes are hard-linked (copied across file systems) beside the target, verified there and renamed into place.
 */
async function adoptFromHfCache(ref: HubFileRef, hubCache: string, target: string): Promise<boolean> {
  const snapshot = hfSnapshotPath(hubCache, ref);
  if (snapshot === undefined || (await sizeOf(snapshot)) === undefined) return false;
  const blob = await realpath(snapshot).catch(() => snapshot);
  const expected: Digest | undefined = ref.sha256 !== undefined ? { kind: 'sha256', hex: ref.sha256.toLowerCase() } : digestOfHex(basename(blob));
  if (expected === undefined) return false;
  if (ref.size !== undefined && (await sizeOf(blob)) !== ref.size) return false;
  await ensureDir(dirname(target));
  const temp = join(dirname(target), `.${basename(target)}.tmp-${hostTag()}-${process.pid}`);
  try {
    await rm(temp, { force: true });
    await link(blob, temp).catch(() => copyFile(blob, temp));
    if ((await digestOf(temp, expected.kind)) !== expected.hex) return false;
    await rename(temp, target);
    return true;
  } catch {
    // Unreadable there, or the copy failed: the download that follows reports any problem with w2s's own cache.
    return false;
  } finally {
    await rm(temp, { force: true });
  }
}

function resolveUrl(endpoint: string, ref: HubFileRef): string {
  const path = pathSegments(ref.path).map(encodeURIComponent).join('/');
  return `${endpoint}/datasets/${ref.repo}/resolve/${encodeURIComponent(ref.revision)}/${path}`;
}

function repoParts(repo: string): [string, string] {
  const match = /^([A-Za-z0-9][\w.-]*)\/([A-Za-z0-9][\w.-]*)$/.exec(repo);
  if (!match || repo.includes('..')) throw badInput(`not a hub repository id (owner/name): "${repo}"`, { field: 'repo' });
  return [match[1] as string, match[2] as string];
}

function pathSegments(path: string): string[] {
  const segments = path.split('/');
  const bad = (segment: string) => segment === '' || segment === '.' || segment === '..' || segment.includes('\\') || hasControlCharacter(segment);
  if (segments.some(bad)) {
    throw badInput(`not a relative file path inside a repository: "${path}"`, { field: 'path' });
  }
  return segments;
}

function hasControlCharacter(text: string): boolean {
  return [...text].some((char) => char.charCodeAt(0) < 0x20);
}

function normaliseEtag(value: string | null): string | undefined {
  return value?.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase() || undefined;
}

async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    const reason = errorCode(error) ?? (error as Error).message;
    throw new W2sError(`could not create the cache folder ${dir} (${reason}); choose another with --cache or W2S_CACHE`, {}, EXIT_FAILURE);
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}
