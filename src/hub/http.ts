import { EXIT_FAILURE, W2sError } from '../errors.js';
import type { HubFileRef, HubSettings } from './types.js';

/**
 * The HTTP side of hub downloads: requests that follow redirects by hand (the token stays on the hub's origin),
 * a retry loop for transient failures, and the translation of failures into one-line messages that say what to do.
 */

const MAX_REDIRECTS = 8;

/** Used when the settings name no timeout: huggingface_hub's default for HF_HUB_DOWNLOAD_TIMEOUT. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Aborts a request when it has been quiet for `ms`: waiting for the answer's headers, then between two chunks of its
 * body (a download may take long, but never stall). `restart` on every sign of life; `stop` when done.
 */
export class IdleTimer {
  readonly controller = new AbortController();
  expired = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly ms: number) {
    this.restart();
  }

  restart(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort();
    }, this.ms);
    // A timer left running after a response was read must not keep the process alive.
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/**
 * Send a request and follow redirects by hand, so that the token goes to the hub's origin only (LFS files are
 * redirected to a CDN with a signed URL). With `stopAtCrossOrigin`, the redirect that leaves the hub is returned.
 */
export async function follow(
  url: string,
  method: 'GET' | 'HEAD',
  headers: Record<string, string>,
  settings: HubSettings,
  ref: HubFileRef,
  stopAtCrossOrigin: boolean,
): Promise<{ response: Response; url: string; idle: IdleTimer }> {
  const hubOrigin = new URL(settings.endpoint).origin;
  for (let hop = 0; ; hop++) {
    const sameOrigin = new URL(url).origin === hubOrigin;
    const sent: Record<string, string> = { ...headers };
    if (settings.token && sameOrigin) sent.authorization = `Bearer ${settings.token}`;
    const idle = new IdleTimer(settings.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(url, { method, headers: sent, redirect: 'manual', signal: idle.controller.signal });
    } catch (error) {
      idle.stop();
      if (idle.expired) throw new Transient(`no answer from ${new URL(url).origin} within ${idle.ms / 1000} s (HF_HUB_DOWNLOAD_TIMEOUT)`);
      throw networkError(error, url, ref, settings);
    }
    // The headers came: from here the timer watches the body (the caller stops it when it is done with the response).
    idle.restart();
    const location = response.headers.get('location');
    if (!isRedirect(response.status) || location === null) return { response, url, idle };
    idle.stop();
    const next = new URL(location, url).href;
    if (stopAtCrossOrigin && new URL(next).origin !== hubOrigin) return { response, url, idle };
    await response.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw new W2sError(`too many redirects while fetching ${describe(ref)}`, {}, EXIT_FAILURE);
    url = next;
  }
}

/** An interruption worth resuming from (a lost connection, a busy server). */
export class Transient extends Error {}

const CONNECT_ERRORS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** A failed request: unreachable hosts get the offline message, the rest is a connection lost mid-way. */
export function networkError(error: unknown, url: string, ref: HubFileRef, settings: HubSettings): Error {
  const code = errorCode(error);
  const origin = new URL(url).origin;
  if (code !== undefined && CONNECT_ERRORS.has(code)) {
    const hub = origin === new URL(settings.endpoint).origin;
    const where = hub ? `the Hugging Face hub at ${settings.endpoint}` : `${origin} (where the hub sent the download of ${ref.path})`;
    return new W2sError(
      `could not reach ${where} (${code}); check the network, set HF_ENDPOINT to a hub or mirror you can reach, ` +
        `or put the files in the cache yourself at the paths \`w2s data path <task>\` prints (cache: ${settings.cacheDir})`,
      {},
      EXIT_FAILURE,
    );
  }
  return new Transient(`request to ${origin} failed: ${code ?? innermostMessage(error)}`);
}

/** The hub's answer when it is not the file: 401/403 point at HF_TOKEN, 404 names what is missing. */
export function statusError(response: Response, ref: HubFileRef, settings: HubSettings): Error {
  const status = response.status;
  const code = response.headers.get('x-error-code');
  if (status === 429 || status >= 500) return new Transient(`the server answered HTTP ${status}`);
  const fail = (message: string) => new W2sError(message, {}, EXIT_FAILURE);
  if (code === 'RepoNotFound') {
    return fail(
      `dataset repository ${ref.repo} was not found on ${settings.endpoint} (HTTP ${status}); ` +
        'if it is private or gated, set HF_TOKEN to a token that can read it',
    );
  }
  if (code === 'RevisionNotFound') return fail(`dataset ${ref.repo} has no revision "${ref.revision}" (HTTP ${status})`);
  if (status === 401 || status === 403) {
    const given = settings.token ? `the token in ${settings.tokenSource ?? 'HF_TOKEN'} was not accepted; ` : '';
    const gated = code === 'GatedRepo' ? 'accept its terms on the hub, then ' : '';
    return fail(`access to ${ref.repo} was refused (HTTP ${status}): ${given}${gated}set HF_TOKEN to a token that can read it`);
  }
  if (status === 404) return fail(`dataset ${ref.repo} has no file "${ref.path}" at revision "${ref.revision}" (HTTP 404)`);
  return fail(`unexpected HTTP ${status} from ${new URL(response.url || settings.endpoint).origin} for ${describe(ref)}`);
}

/** The system error code (ECONNREFUSED, ENOTFOUND, ...) wherever fetch() nested it in its causes. */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const own = (current as { code?: unknown }).code;
    if (typeof own === 'string') return own;
    const inner = (current as { errors?: unknown[] }).errors?.[0];
    current = (current as { cause?: unknown }).cause ?? inner;
  }
  return undefined;
}

/** fetch() reports every failure as "fetch failed"; the reason is in its innermost cause. */
function innermostMessage(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

/** Run `attempt`, again after each {@link Transient} failure (with a doubling delay), up to `options.retries` times. */
export async function retrying<T>(
  options: { retries?: number; retryDelayMs?: number },
  attempt: () => Promise<T>,
  giveUp: (reason: string, attempts: number) => Promise<string>,
): Promise<T> {
  const retries = options.retries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  for (let done = 0; ; done++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof Transient)) throw error;
      if (done >= retries) throw new W2sError(await giveUp(error.message, done + 1), {}, EXIT_FAILURE);
      await new Promise((wake) => setTimeout(wake, retryDelayMs * 2 ** done));
    }
  }
}

/** The statuses with which the hub and CDNs send a client on to a Location. */
export function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** How messages name a file: repository, path and revision. */
export function describe(ref: HubFileRef): string {
  return `${ref.repo}/${ref.path} (revision ${ref.revision})`;
}
