// The OpenAI-compatible HTTP backend: what vLLM, llama.cpp's server, Ollama, TGI and OpenAI itself speak.
// `/v1/completions` sends the prompt as it is (the paper's App. B prompts are raw prompts); `/v1/chat/completions`
// sends it as the one user message of a chat.
import { badInput } from '../errors.js';
import { ReplicaPool, type HttpOutcome } from './http-pool.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, isRetryable, parseRetryAfter, sleep, type RetryPolicy } from './retry.js';
import type { Decoding, FailureReason, Generation, Generator, GeneratorIdentity } from './types.js';

/** Which endpoint a request goes to. */
export type OpenAIApi = 'completions' | 'chat';

/** How an OpenAIGenerator reaches its servers and retries. */
export interface OpenAIOptions {
  /** Base URLs of the replicas (`http://host:8000/v1`; a URL without a path means `/v1`). */
  baseUrls: readonly string[];
  model: string;
  api?: OpenAIApi;
  /** Sent as `Authorization: Bearer <key>`; no header without one (local servers need none). Never stored or logged. */
  apiKey?: string;
  /** Requests in flight at most, over all replicas (default 16). */
  concurrency?: number;
  /** A request with no complete answer after this long is abandoned and retried (default 120 s). */
  timeoutMs?: number;
  /** An answer longer than this is cut off and counts as a broken answer (default MAX_RESPONSE_BYTES, 16 MiB). */
  maxResponseBytes?: number;
  retry?: Partial<RetryPolicy>;
  /** Seeds the jitter of the retry delays (default 0). */
  jitterSeed?: number;
}

const PATHS: Readonly<Record<OpenAIApi, string>> = { completions: '/completions', chat: '/chat/completions' };
const MESSAGE_CHARS = 300;

/** A Generator over an OpenAI-compatible server (or several replicas of one). */
export class OpenAIGenerator implements Generator {
  readonly identity: GeneratorIdentity;
  readonly concurrency: number;
  private readonly api: OpenAIApi;
  private readonly pool: ReplicaPool;
  private readonly headers: Record<string, string>;
  private readonly policy: RetryPolicy;
  private readonly apiKey: string | undefined;
  private readonly jitterSeed: number;

  constructor(options: OpenAIOptions) {
    if (options.model.trim() === '') throw badInput('must name a model', { field: '--model' });
    this.api = options.api ?? 'completions';
    this.concurrency = options.concurrency ?? 16;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw badInput(`must be a whole number >= 1, got ${this.concurrency}`, { field: '--concurrency' });
    this.identity = { backend: 'openai', model: options.model, api: this.api };
    this.pool = new ReplicaPool(options.baseUrls, this.concurrency, options.timeoutMs ?? 120_000, options.maxResponseBytes);
    this.apiKey = options.apiKey === '' ? undefined : options.apiKey;
    this.headers = { 'content-type': 'application/json', ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) };
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.jitterSeed = options.jitterSeed ?? 0;
  }

  async generate(prompt: string, decoding: Decoding, signal?: AbortSignal): Promise<Generation> {
    const body = JSON.stringify(requestBody(this.api, this.identity.model, prompt, decoding));
    const retries: FailureReason[] = [];
    let avoid: number | undefined;
    for (let retry = 0; ; retry++) {
      const outcome = await this.pool.post(PATHS[this.api], body, this.headers, signal, avoid);
      const attempt = this.judge(outcome);
      if (attempt.ok) return { ...attempt, retries };
      const failure = { ok: false as const, reason: attempt.reason, message: attempt.message, retries, fatal: attempt.fatal };
      if (attempt.reason === 'aborted' || !isRetryable(attempt.reason, attempt.status) || retry >= this.policy.maxRetries) return failure;
      let delay = backoffDelayMs(this.policy, retry, `${this.jitterSeed}\u0000${prompt}`);
      if (attempt.retryAfterMs !== undefined) {
        if (attempt.retryAfterMs > this.policy.maxRetryAfterMs) {
          return { ...failure, message: `${failure.message}; the server asked to wait ${attempt.retryAfterMs / 1000} s, longer than the ${this.policy.maxRetryAfterMs / 1000} s limit` };
        }
        delay = attempt.retryAfterMs;
      }
      retries.push(attempt.reason);
      avoid = outcome.replica;
      if (!(await sleep(delay, signal))) return { ...failure, reason: 'aborted', message: 'stopped', fatal: false };
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  // One HTTP outcome read as an output or a failure, with what the retry loop needs to decide.
  private judge(outcome: HttpOutcome):
    | { ok: true; output: string; finishReason: string | null }
    | { ok: false; reason: FailureReason; message: string; status?: number; retryAfterMs?: number; fatal: boolean } {
    // An answer too large to read is a broken answer: retried like one, then recorded as a failure.
    if (!outcome.ok) return { ok: false, reason: outcome.reason === 'too-large' ? 'bad-response' : outcome.reason, message: outcome.message, fatal: false };
    const { status, headers } = outcome.reply;
    const body = this.redact(outcome.reply.body);
    if (status < 200 || status > 299) {
      const retryAfter = headers['retry-after'];
      return {
        ok: false,
        reason: `http-${status}`,
        message: `HTTP ${status}${statusAdvice(status)}: ${errorText(body)}`,
        status,
        retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, Date.now()),
        fatal: status === 401 || status === 403 || status === 404,
      };
    }
    const parsed = parseChoice(this.api, body);
    if ('problem' in parsed) return { ok: false, reason: 'bad-response', message: parsed.problem, fatal: false };
    return { ok: true, ...parsed };
  }

  // A server may echo the request back, in an error or even as the output; the key must reach no message, log,
  // output or store, so every body loses it before it is read.
  private redact(text: string): string {
    return this.apiKey && text.includes(this.apiKey) ? text.split(this.apiKey).join('[API key]') : text;
  }
}

/** The JSON body of a request; parameters left at the server's default are left out. */
export function requestBody(api: OpenAIApi, model: string, prompt: string, decoding: Decoding): Record<string, unknown> {
  return {
    model,
    ...(api === 'completions' ? { prompt } : { messages: [{ role: 'user', content: prompt }] }),
    max_tokens: decoding.maxTokens,
    temperature: decoding.temperature,
    ...(decoding.stop.length > 0 ? { stop: decoding.stop } : {}),
    ...(decoding.topP !== undefined ? { top_p: decoding.topP } : {}),
    ...(decoding.seed !== undefined ? { seed: decoding.seed } : {}),
    n: 1,
    stream: false,
  };
}

/** The first choice's text and finish reason from a response body, or what is wrong with the body. */
export function parseChoice(api: OpenAIApi, body: string): { output: string; finishReason: string | null } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { problem: `the answer is not JSON (truncated?): ${excerpt(body)}` };
  }
  const choices = isObject(json) ? json.choices : undefined;
  if (!Array.isArray(choices)) return { problem: `the answer has no "choices" list: ${excerpt(body)}` };
  const first: unknown = choices[0];
  if (first === undefined) return { problem: 'the answer has an empty "choices" list' };
  if (!isObject(first)) return { problem: `"choices[0]" is not an object: ${excerpt(body)}` };
  const output = api === 'completions' ? first.text : isObject(first.message) ? first.message.content : undefined;
  if (typeof output !== 'string') {
    const field = api === 'completions' ? 'choices[0].text' : 'choices[0].message.content';
    return { problem: `"${field}" is not a string: ${excerpt(body)}` };
  }
  const finishReason = typeof first.finish_reason === 'string' ? first.finish_reason : null;
  return { output, finishReason };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// What a server says is wrong: OpenAI's {"error": {"message"}}, else the start of the body.
function errorText(body: string): string {
  try {
    const json: unknown = JSON.parse(body);
    const error = isObject(json) ? json.error : undefined;
    const message = isObject(error) ? error.message : typeof error === 'string' ? error : undefined;
    if (typeof message === 'string') return excerpt(message);
  } catch {
    // not JSON: an HTML error page or plain text from a proxy
  }
  return excerpt(body);
}

function statusAdvice(status: number): string {
  if (status === 401) return ' (the server refused the API key; set the variable --api-key-env names)';
  if (status === 403) return ' (the API key may not use this model)';
  if (status === 404) return ' (no such model or endpoint; check --model, --base-url and --api)';
  return '';
}

function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MESSAGE_CHARS ? `${line.slice(0, MESSAGE_CHARS)}...` : line === '' ? '(empty body)' : line;
}
