// `w2s serve`: an OpenAI-compatible HTTP server over the built-in engine. Requests that arrive together are generated
// together: every choice of every request is one call of the BuiltinGenerator, which gathers the calls in flight into
// batches (see builtin-generator.ts).
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promptIds } from '../backends/builtin.js';
import type { BuiltinGenerator } from '../backends/builtin-generator.js';
import type { CompletionResult } from '../backends/types.js';
import type { Decoding } from '../backends/types.js';
import { renderChat } from './chat-template.js';
import {
  ApiError,
  chatMessages,
  chatRequest,
  COMPLETIONS_DEFAULT_MAX_TOKENS,
  completionRequest,
  parseRequest,
  requestDecoding,
  type Usage,
} from './protocol.js';

export interface ServeOptions {
  generator: BuiltinGenerator;
  /** The model id clients name in requests and /v1/models lists. */
  name: string;
  /** Seed of the first sampled request that brings none; each such request takes the next. Default 0. */
  seed?: number;
  /** Largest request body accepted (default 16 MiB). */
  maxBodyBytes?: number;
  /** Most completions (prompts x n) one request may ask for (default 256): one request must not hold the engine. */
  maxChoices?: number;
}

const DEFAULT_MAX_CHOICES = 256;

/** One generated choice. */
interface Choice {
  text: string;
  finishReason: 'stop' | 'length';
  promptTokens: number;
  completionTokens: number;
}

const ROUTES: Record<string, string> = {
  '/v1/models': 'GET',
  '/v1/completions': 'POST',
  '/v1/chat/completions': 'POST',
};

/** The HTTP server (not listening yet). */
export function createServeServer(options: ServeOptions): Server {
  const api = new OpenAiApi(options);
  return createServer((req, res) => {
    api.handle(req, res).catch((error: unknown) => {
      sendError(res, error instanceof ApiError ? error : new ApiError(500, `internal error: ${error instanceof Error ? error.message : String(error)}`, 'server_error'));
    });
  });
}

/** Starts the server on host:port (port 0 picks a free one); resolves with its base URL (…/v1). */
export async function startServer(options: ServeOptions & { host: string; port: number }): Promise<{ server: Server; baseUrl: string; close: () => Promise<void> }> {
  const server = createServeServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    server,
    baseUrl: `http://${host}:${port}/v1`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

class OpenAiApi {
  private readonly created = Math.floor(Date.now() / 1000);
  private nextSeed: number;
  private nextId = 0;

  constructor(private readonly options: ServeOptions) {
    this.nextSeed = options.seed ?? 0;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    const modelPath = path.startsWith('/v1/models/') ? '/v1/models/' : path;
    const method = modelPath === '/v1/models/' ? 'GET' : ROUTES[path];
    if (method === undefined) throw new ApiError(404, `Invalid URL (${req.method} ${path})`);
    if (req.method !== method) throw new ApiError(405, `Method not allowed (${req.method} ${path}); use ${method}`);
    if (path === '/v1/models') return sendJson(res, 200, { object: 'list', data: [this.modelObject()] });
    if (modelPath === '/v1/models/') {
      const id = decodeURIComponent(path.slice(modelPath.length));
      if (id !== this.options.name) throw modelNotFound(id);
      return sendJson(res, 200, this.modelObject());
    }
    const body = await readJson(req, this.options.maxBodyBytes ?? 16 << 20);
    const stop = new AbortController();
    // Every completion of the request listens to it (Node warns from 11 listeners on).
    setMaxListeners(0, stop.signal);
    res.on('close', () => {
      if (!res.writableFinished) stop.abort();
    });
    if (path === '/v1/completions') return this.completions(body, res, stop.signal);
    return this.chat(body, res, stop.signal);
  }

  private modelObject(): Record<string, unknown> {
    return { id: this.options.name, object: 'model', created: this.created, owned_by: 'w2s' };
  }

  private async completions(body: unknown, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const request = parseRequest(completionRequest, body);
    this.checkModel(request.model);
    const prompts = typeof request.prompt === 'string' ? [request.prompt] : request.prompt;
    const decoding = requestDecoding(request, request.max_tokens, COMPLETIONS_DEFAULT_MAX_TOKENS);
    const n = request.n ?? 1;
    const choices = await this.generateAll(prompts, decoding, n, signal);
    const id = `cmpl-${this.nextId++}`;
    const created = Math.floor(Date.now() / 1000);
    const texts = choices.map((c, i) => (request.echo ? prompts[Math.floor(i / n)]! + c.text : c.text));
    const usage = usageOf(choices, n);
    if (request.stream) {
      const head = { id, object: 'text_completion', created, model: this.options.name };
      const events: unknown[] = [];
      choices.forEach((c, index) => {
        events.push({ ...head, choices: [{ index, text: texts[index], logprobs: null, finish_reason: null }] });
        events.push({ ...head, choices: [{ index, text: '', logprobs: null, finish_reason: c.finishReason }] });
      });
      if (request.stream_options?.include_usage) events.push({ ...head, choices: [], usage });
      return sendEvents(res, events);
    }
    sendJson(res, 200, {
      id,
      object: 'text_completion',
      created,
      model: this.options.name,
      choices: choices.map((c, index) => ({ index, text: texts[index], logprobs: null, finish_reason: c.finishReason })),
      usage,
    });
  }

  private async chat(body: unknown, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const request = parseRequest(chatRequest, body);
    this.checkModel(request.model);
    const prompt = renderChat(chatMessages(request));
    // No limit given: the engine stops at the end of the model's context.
    const decoding = requestDecoding(request, request.max_completion_tokens ?? request.max_tokens, this.options.generator.contextSize);
    const n = request.n ?? 1;
    const choices = await this.generateAll([prompt], decoding, n, signal);
    const id = `chatcmpl-${this.nextId++}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = usageOf(choices, n);
    if (request.stream) {
      const head = { id, object: 'chat.completion.chunk', created, model: this.options.name };
      const events: unknown[] = [];
      choices.forEach((c, index) => {
        events.push({ ...head, choices: [{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
        events.push({ ...head, choices: [{ index, delta: { content: c.text }, logprobs: null, finish_reason: null }] });
        events.push({ ...head, choices: [{ index, delta: {}, logprobs: null, finish_reason: c.finishReason }] });
      });
      if (request.stream_options?.include_usage) events.push({ ...head, choices: [], usage });
      return sendEvents(res, events);
    }
    sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model: this.options.name,
      choices: choices.map((c, index) => ({
        index,
        message: { role: 'assistant', content: c.text, refusal: null },
        logprobs: null,
        finish_reason: c.finishReason,
      })),
      usage,
    });
  }

  private checkModel(model: string): void {
    if (model !== this.options.name) throw modelNotFound(model);
  }

  /**
   * `n` choices per prompt, prompt-major (OpenAI's order). Greedy choices of one prompt are equal; sampled ones draw
   * with seeds seed, seed + 1, ... (the request's seed, or the server's next one).
   */
  private async generateAll(prompts: readonly string[], decoding: Decoding, n: number, signal: AbortSignal): Promise<Choice[]> {
    const { generator } = this.options;
    const maxChoices = this.options.maxChoices ?? DEFAULT_MAX_CHOICES;
    if (prompts.length * n > maxChoices) {
      throw new ApiError(
        400,
        `This server answers at most ${maxChoices} completions per request, but ${prompts.length} prompt${prompts.length > 1 ? 's' : ''} x n ${n} ask for ${prompts.length * n}.`,
        'invalid_request_error',
        'n',
        'invalid_value',
      );
    }
    const lengths = (await promptIds(generator.tokenizer, [...prompts])).map((ids) => ids.length);
    lengths.forEach((length, i) => {
      if (length >= generator.contextSize) {
        throw new ApiError(
          400,
          `This model's maximum context length is ${generator.contextSize} tokens, but the prompt${prompts.length > 1 ? ` ${i}` : ''} has ${length} tokens.`,
          'invalid_request_error',
          'prompt',
          'context_length_exceeded',
        );
      }
    });
    let seed = decoding.seed;
    if (decoding.temperature > 0 && seed === undefined) {
      seed = this.nextSeed;
      this.nextSeed += n;
    }
    const calls: Promise<CompletionResult>[] = [];
    for (const prompt of prompts) {
      for (let j = 0; j < n; j++) {
        calls.push(generator.complete(prompt, seed === undefined ? decoding : { ...decoding, seed: seed + j }, signal));
      }
    }
    const results = await Promise.all(calls);
    return results.map((r) => {
      if (!r.ok) throw new ApiError(r.reason === 'aborted' ? 499 : 500, r.message, 'server_error');
      return r.completion;
    });
  }
}

function modelNotFound(model: string): ApiError {
  return new ApiError(404, `The model \`${model}\` does not exist`, 'invalid_request_error', 'model', 'model_not_found');
}

function usageOf(choices: readonly Choice[], n: number): Usage {
  let prompt = 0;
  let completion = 0;
  choices.forEach((c, i) => {
    if (i % n === 0) prompt += c.promptTokens;
    completion += c.completionTokens;
  });
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ApiError(413, `the request body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError(400, 'We could not parse the JSON body of your request. The body must be JSON.');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, error: ApiError): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  sendJson(res, error.status, error.body());
}

/** Server-sent events, as OpenAI streams: one `data:` line per chunk, then `data: [DONE]`. */
function sendEvents(res: ServerResponse, events: readonly unknown[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const event of events) res.write(`data: ${JSON.stringify(event)}\n\n`);
  res.end('data: [DONE]\n\n');
}
