import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach } from 'vitest';

/**
 * A stand-in for an OpenAI-compatible server on loopback (`/v1/completions`, `/v1/chat/completions`) that answers
 * deterministically from the prompt and injects the faults real servers and proxies show: statuses with or without
 * Retry-After, reset connections, bodies cut mid-way, answers slower than the client's timeout, truncated JSON,
 * wrong shapes and empty choices. It counts requests per key (the exact request body) and the answers it delivered.
 */

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'reset' }
  | { kind: 'cut' }
  | { kind: 'slow'; ms: number }
  | { kind: 'truncated' }
  | { kind: 'wrong-shape'; body: unknown }
  | { kind: 'empty-choices' };

export interface MockRequest {
  api: 'completions' | 'chat';
  /** The exact request body: one key per (model, prompt, decoding). */
  key: string;
  prompt: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
}

export interface MockOptions {
  /** Delay before every answer. */
  latencyMs?: number;
  /** The fault for a request, given how many times its key was asked before (0 on the first time). */
  fault?: (request: MockRequest, previous: number) => Fault | undefined;
  /** The output for a prompt (default {@link defaultOutput}). */
  output?: (prompt: string) => string;
  /** Answer 401 to requests without `Authorization: Bearer <key>`. */
  requiredKey?: string;
}

export interface MockServer {
  baseUrl: string;
  requests: MockRequest[];
  /** Requests per key. */
  counts: Map<string, number>;
  /** Complete 200 answers delivered per key. */
  delivered: Map<string, number>;
  /** The most requests that were being handled at one time. */
  maxInFlight: number;
  close(): Promise<void>;
}

/** FNV-1a: a stable hash of the prompt picks the mock's answer. */
export function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const REWRITE = /^Rewrite the following math word problem in (\d+) different ways[\s\S]*?Problem: ([\s\S]*?)\n\nRewrites:/;
const FRAMES = ['Please solve this:', 'Here is a problem.', 'Work this out:', 'A question for you.', 'Think about this:', 'Try the following.'];

/**
 * A deterministic answer in the form each task asks for: a letter (or, for one prompt in five, an answer no parser
 * reads), a label word, a number on the first line, or a numbered list of rewrites for the paraphrase prompt.
 */
export function defaultOutput(prompt: string): string {
  const h = hash(prompt);
  const rewrite = REWRITE.exec(prompt);
  if (rewrite) {
    const n = Number(rewrite[1]);
    return Array.from({ length: n }, (_, i) => `${i + 1}. ${FRAMES[i % FRAMES.length]} ${rewrite[2]}`).join('\n');
  }
  if (prompt.includes('choose an answer from A,B,C,D')) return h % 5 === 4 ? ' I am not sure about this one.' : ` ${'ABCD'[h % 5]}. because it fits best.`;
  if (prompt.includes('Answer acceptable or unacceptable') || prompt.includes('Answer unacceptable or acceptable')) {
    return h % 2 === 0 ? ' acceptable. It is fine.' : ' unacceptable. It is not fine.';
  }
  if (prompt.includes('Answer right or wrong') || prompt.includes('Answer wrong or right')) return h % 2 === 0 ? ' right' : ' wrong';
  if (prompt.includes('numerical answer')) return ` ${h % 50}\nBecause it adds up.`;
  return ' ok';
}

export async function startMockOpenAI(options: MockOptions = {}): Promise<MockServer> {
  const requests: MockRequest[] = [];
  const counts = new Map<string, number>();
  const delivered = new Map<string, number>();
  const sockets = new Set<Socket>();
  let inFlight = 0;
  const state = { maxInFlight: 0 };

  const server = createServer((req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const handle = (req: IncomingMessage, res: ServerResponse, text: string): void => {
    const api = req.url === '/v1/chat/completions' ? 'chat' : req.url === '/v1/completions' ? 'completions' : undefined;
    if (req.method !== 'POST' || api === undefined) return send(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return send(res, 400, { error: { message: 'request body is not JSON' } });
    }
    const messages = body.messages as { content: string }[] | undefined;
    const prompt = api === 'chat' ? String(messages?.[messages.length - 1]?.content ?? '') : String(body.prompt ?? '');
    const request: MockRequest = { api, key: `${api}\n${text}`, prompt, body, authorization: req.headers.authorization };
    requests.push(request);
    const previous = counts.get(request.key) ?? 0;
    counts.set(request.key, previous + 1);
    if (options.requiredKey !== undefined && req.headers.authorization !== `Bearer ${options.requiredKey}`) {
      // Like some proxies, it echoes what it got: a client must keep the key out of its logs anyway.
      return send(res, 401, { error: { message: `invalid key in header "${req.headers.authorization ?? ''}"` } });
    }
    const fault = options.fault?.(request, previous);
    const answer = (): void => {
      const output = (options.output ?? defaultOutput)(prompt);
      const choice = api === 'chat' ? { index: 0, message: { role: 'assistant', content: output }, finish_reason: 'stop' } : { index: 0, text: output, finish_reason: 'stop' };
      res.on('finish', () => delivered.set(request.key, (delivered.get(request.key) ?? 0) + 1));
      send(res, 200, { id: 'cmpl-mock', object: api === 'chat' ? 'chat.completion' : 'text_completion', model: body.model, choices: [choice] });
    };
    const later = (ms: number, f: () => void): void => void setTimeout(f, ms);
    const latency = options.latencyMs ?? 0;
    switch (fault?.kind) {
      case undefined:
        return latency > 0 ? later(latency, answer) : answer();
      case 'status':
        return send(res, fault.status, fault.body ?? { error: { message: `injected ${fault.status}` } }, fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
      case 'reset':
        return void req.socket.destroy();
      case 'cut':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.write('{"choices":[{"text":" A. bl');
        return later(5, () => req.socket.destroy());
      case 'slow':
        return later(fault.ms, () => (res.destroyed ? undefined : answer()));
      case 'truncated':
        return send(res, 200, '{"choices":[{"text":" A. bl');
      case 'wrong-shape':
        return send(res, 200, fault.body);
      case 'empty-choices':
        return send(res, 200, { id: 'cmpl-mock', choices: [] });
    }
  };

  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    counts,
    delivered,
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** Starts mock servers for the calling test file; each closes after the test that started it. */
export function mockServers(): (options?: MockOptions) => Promise<MockServer> {
  const servers: MockServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (options = {}) => {
    const server = await startMockOpenAI(options);
    servers.push(server);
    return server;
  };
}
