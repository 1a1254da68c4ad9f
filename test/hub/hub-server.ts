import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the Hugging Face hub on loopback, with the hub's URL scheme and headers: `resolve` answers LFS
 * files with a 302 to a second server (the CDN, another origin) carrying X-Linked-Etag / X-Linked-Size, and
 * files kept in git with a 200 and their git blob id as ETag; the tree API lists files with `oid` and `lfs.oid`.
 * The CDN honours Range requests and can be told to cut connections mid-body or to ignore Range.
 */

export interface FakeFile {
  repo: string;
  revision: string;
  path: string;
  content: Buffer;
  /** Stored with Git LFS (served through the CDN); default true. */
  lfs?: boolean;
  /** The sha256 the hub advertises instead of the real one (to provoke a mismatch). */
  advertisedSha256?: string;
  /** Send no checksum header at all (the tree listing still has it). */
  noChecksumHeaders?: boolean;
  /** Leave the file out of the tree listing. */
  unlisted?: boolean;
}

export interface RecordedRequest {
  server: 'hub' | 'cdn';
  method: string;
  path: string;
  range?: string;
  authorization?: string;
}

export interface FakeHub {
  endpoint: string;
  cdnOrigin: string;
  requests: RecordedRequest[];
  /** The next `times` CDN bodies stop after `afterBytes` bytes and the socket is destroyed. */
  cutNext(afterBytes: number, times?: number): void;
  /** The next CDN body stops after `afterBytes` bytes and the connection stays open, silent (a stalled server). */
  stallNext(afterBytes: number): void;
  /** The next `times` hub requests get `status` (a busy or failing hub). */
  failNext(status: number, times?: number): void;
  /** The CDN answers every request with the whole file (200), as servers without Range support do. */
  ignoreRange: boolean;
  /** Requests without `Authorization: Bearer <token>` get 401. */
  requiredToken?: string;
  close(): Promise<void>;
}

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export function gitBlobId(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** Deterministic bytes that do not compress or repeat, so offsets matter. */
export function bytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

export async function startFakeHub(files: FakeFile[]): Promise<FakeHub> {
  const requests: RecordedRequest[] = [];
  let cut: { afterBytes: number; times: number } | undefined;
  let stall: number | undefined;
  let failure: { status: number; times: number } | undefined;
  const blobs = new Map<string, Buffer>(files.map((file) => [sha256(file.content), file.content]));

  const record = (server: 'hub' | 'cdn', req: IncomingMessage, path: string) =>
    requests.push({
      server,
      method: req.method ?? '',
      path,
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });

  const cdn = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://cdn');
    record('cdn', req, url.pathname);
    const content = blobs.get(url.pathname.replace('/blobs/', ''));
    if (!content) return void res.writeHead(404).end();
    if (stall !== undefined) {
      const afterBytes = stall;
      stall = undefined;
      res.writeHead(200, { 'content-length': content.length });
      return void res.write(content.subarray(0, afterBytes));
    }
    const once = cut;
    if (once && --once.times <= 0) cut = undefined;
    serveBytes(req, res, content, fake.ignoreRange, once?.afterBytes);
  });

  const hub = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    record('hub', req, url.pathname);
    if (failure && failure.times-- > 0) return void res.writeHead(failure.status).end();
    if (fake.requiredToken && req.headers.authorization !== `Bearer ${fake.requiredToken}`) {
      return void res.writeHead(401, { 'x-error-message': 'Invalid credentials' }).end();
    }
    const tree = /^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/([^/]+)\/?(.*)$/.exec(url.pathname);
    if (tree) return listTree(res, files, tree[1] as string, decodeURIComponent(tree[2] as string), decodeURIComponent(tree[3] ?? ''));
    const resolve = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!resolve) return void res.writeHead(404).end();
    const [repo, revision, path] = [resolve[1] as string, decodeURIComponent(resolve[2] as string), decodeURIComponent(resolve[3] as string)];
    if (!files.some((file) => file.repo === repo)) {
      // The hub answers unknown (or private) repositories with 401, not 404.
      return void res.writeHead(401, { 'x-error-code': 'RepoNotFound' }).end();
    }
    if (!files.some((file) => file.repo === repo && file.revision === revision)) {
      return void res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end();
    }
    const file = files.find((candidate) => candidate.repo === repo && candidate.revision === revision && candidate.path === path);
    if (!file) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end();
    const commit = 'c'.repeat(40);
    if (file.lfs === false) {
      if (!file.noChecksumHeaders) res.setHeader('etag', `"${gitBlobId(file.content)}"`);
      res.setHeader('x-repo-commit', commit);
      return serveBytes(req, res, file.content, false, undefined);
    }
    const digest = file.advertisedSha256 ?? sha256(file.content);
    const headers: Record<string, string> = {
      location: `${fake.cdnOrigin}/blobs/${sha256(file.content)}?X-Amz-Signature=abc`,
      'x-repo-commit': commit,
      'content-length': '0',
    };
    if (!file.noChecksumHeaders) {
      Object.assign(headers, { 'x-linked-etag': `"${digest}"`, etag: `"${digest}"`, 'x-linked-size': String(file.content.length) });
    }
    res.writeHead(302, headers).end();
  });

  const hubPort = await listen(hub);
  const cdnPort = await listen(cdn);
  const fake: FakeHub = {
    endpoint: `http://127.0.0.1:${hubPort}`,
    cdnOrigin: `http://127.0.0.1:${cdnPort}`,
    requests,
    ignoreRange: false,
    failNext(status, times = 1) {
      failure = { status, times };
    },
    cutNext(afterBytes, times = 1) {
      cut = { afterBytes, times };
    },
    stallNext(afterBytes) {
      stall = afterBytes;
    },
    async close() {
      await Promise.all([stop(hub), stop(cdn)]);
    },
  };
  return fake;
}

function serveBytes(req: IncomingMessage, res: ServerResponse, content: Buffer, ignoreRange: boolean, cutAfter: number | undefined): void {
  const size = content.length;
  let start = 0;
  let end = size - 1;
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && !ignoreRange) {
    start = Number(range[1]);
    if (range[2]) end = Math.min(Number(range[2]), size - 1);
    if (start >= size) return void res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': end - start + 1, 'accept-ranges': 'bytes' });
  } else {
    res.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes' });
  }
  if (req.method === 'HEAD') return void res.end();
  const body = content.subarray(start, end + 1);
  if (cutAfter === undefined) return void res.end(body);
  // Let the client read the first bytes before the connection drops, as a real mid-transfer failure would.
  res.write(body.subarray(0, cutAfter), () => setTimeout(() => res.socket?.destroy(), 50));
}

function listTree(res: ServerResponse, files: FakeFile[], repo: string, revision: string, dir: string): void {
  const entries = files
    .filter((file) => file.repo === repo && file.revision === revision && !file.unlisted)
    .filter((file) => (dir === '' ? !file.path.includes('/') : file.path.startsWith(`${dir}/`)))
    .map((file) =>
      file.lfs === false
        ? { type: 'file', path: file.path, oid: gitBlobId(file.content), size: file.content.length }
        : {
            type: 'file',
            path: file.path,
            oid: 'f'.repeat(40),
            size: file.content.length,
            lfs: { oid: sha256(file.content), size: file.content.length, pointerSize: 133 },
          },
    );
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(entries));
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
}

/** A loopback port nothing listens on (bound once, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await stop(server);
  return port;
}
