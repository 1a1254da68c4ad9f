// Keep-alive HTTP connections to one or more replicas of a server, at most `concurrency` requests in flight over all of
// them, each request to the replica with the fewest in flight. undici's Pool is the transport: on loopback it answered
// more requests per second than Node's http.Agent with keepAlive, and far more than fetch() (bench/label.js prints the
// comparison).
import { Pool } from 'undici';
import { badInput } from '../errors.js';

/** A complete HTTP answer (any status). */
export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP answer, or why none came. */
export type HttpOutcome =
  | { ok: true; reply: HttpReply; replica: number }
  | { ok: false; reason: 'timeout' | 'connection' | 'aborted' | 'too-large'; message: string; replica: number };

/**
 * The most bytes of one answer that are read (an OpenAI-style completion of a few hundred tokens is a few KiB): a
 * server that sends more is cut off, so that no answer can exhaust memory.
 */
export const MAX_RESPONSE_BYTES = 16 << 20;

interface Replica {
  pool: Pool;
  /** The base URL's path (`/v1`), to which request paths are appended. */
  prefix: string;
  inFlight: number;
}

/** A base URL split into its origin and path; a URL without a path means the OpenAI convention `/v1`. */
export function splitBaseUrl(baseUrl: string): { origin: string; prefix: string } {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw badInput(`not a URL: "${baseUrl}"`, { field: '--base-url' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badInput(`must be an http(s) URL, got "${baseUrl}"`, { field: '--base-url' });
  if (url.username !== '' || url.password !== '') {
    throw badInput('must not hold credentials; put the API key in an environment variable (--api-key-env)', { field: '--base-url' });
  }
  // A query string would be dropped from every request (and might hold a key that would then reach the manifest).
  if (url.search !== '' || url.hash !== '') {
    throw badInput('must not have a query string or fragment; put an API key in an environment variable (--api-key-env)', { field: '--base-url' });
  }
  const path = url.pathname.replace(/\/+$/, '');
  return { origin: url.origin, prefix: path === '' ? '/v1' : path };
}

/** Connections to the replicas behind a list of base URLs. */
export class ReplicaPool {
  private readonly replicas: Replica[];
  private readonly waiting: (() => void)[] = [];
  private active = 0;
  private turn = 0;

  constructor(
    baseUrls: readonly string[],
    readonly concurrency: number,
    private readonly timeoutMs: number,
    private readonly maxResponseBytes: number = MAX_RESPONSE_BYTES,
  ) {
    if (baseUrls.length === 0) throw badInput('no base URL given', { field: '--base-url' });
    this.replicas = baseUrls.map((baseUrl) => {
      const { origin, prefix } = splitBaseUrl(baseUrl);
      // Each replica may have to carry every request when the others are down.
      return { pool: new Pool(origin, { connections: concurrency, keepAliveTimeout: 30_000 }), prefix, inFlight: 0 };
    });
  }

  /**
   * POST `body` to `path` (below a replica's base URL). The answer must be complete within the timeout. `avoid` is a
   * replica to pass over when another is as free (the one that just failed this request).
   */
  async post(path: string, body: string, headers: Record<string, string>, signal?: AbortSignal, avoid?: number): Promise<HttpOutcome> {
    await this.acquire();
    const index = this.pick(avoid);
    const replica = this.replicas[index] as Replica;
    replica.inFlight++;
    // One controller ends the request on either the timeout or the caller's signal (AbortSignal.any() costs more per
    // request and keeps its sources' listeners until they abort).
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, this.timeoutMs);
    const onStop = (): void => abort.abort();
    signal?.addEventListener('abort', onStop, { once: true });
    try {
      if (signal?.aborted) throw signal.reason;
      const response = await replica.pool.request({ path: replica.prefix + path, method: 'POST', headers, body, signal: abort.signal });
      const chunks: Buffer[] = [];
      let bytes = 0;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > this.maxResponseBytes) {
          abort.abort();
          return { ok: false, reason: 'too-large', message: `the answer is larger than ${this.maxResponseBytes} bytes; it was cut off`, replica: index };
        }
        chunks.push(chunk);
      }
      const text = Buffer.concat(chunks, bytes).toString('utf8');
      return { ok: true, reply: { status: response.statusCode, headers: response.headers, body: text }, replica: index };
    } catch (error) {
      if (signal?.aborted) return { ok: false, reason: 'aborted', message: 'stopped', replica: index };
      if (timedOut) return { ok: false, reason: 'timeout', message: `no complete answer within ${this.timeoutMs} ms`, replica: index };
      return { ok: false, reason: 'connection', message: describeError(error), replica: index };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onStop);
      replica.inFlight--;
      this.release();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.pool.destroy()));
  }

  // The replica with the fewest requests in flight; ties go round-robin so an idle set of replicas shares the load.
  private pick(avoid: number | undefined): number {
    const n = this.replicas.length;
    let best = -1;
    for (let k = 0; k < n; k++) {
      const i = (this.turn + k) % n;
      if (i === avoid && n > 1) continue;
      if (best < 0 || (this.replicas[i] as Replica).inFlight < (this.replicas[best] as Replica).inFlight) best = i;
    }
    this.turn = (this.turn + 1) % n;
    return best;
  }

  private acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resume) => this.waiting.push(resume));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

// The system or undici code and message of a failed request (ECONNREFUSED, UND_ERR_SOCKET: other side closed, ...).
function describeError(error: unknown): string {
  let current: unknown = error;
  const parts: string[] = [];
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    parts.push(typeof code === 'string' ? `${code}: ${current.message}` : current.message);
    current = current.cause ?? (current as { errors?: unknown[] }).errors?.[0];
  }
  return parts.length > 0 ? parts.join(' <- ') : String(error);
}
