import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { APIError } from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateTexts, loadModel, promptIds, type LoadedModel } from '../../src/backends/builtin.js';
import { BuiltinGenerator } from '../../src/backends/builtin-generator.js';
import type { Decoding } from '../../src/backends/types.js';
import { main } from '../../src/cli/main.js';
import { startServer } from '../../src/serve/server.js';
import { PROMPTS, trainTinyLm } from '../engine/tiny-lm.js';

const NAME = 'tiny';
const ETHICS_VAL = 'fixtures/ethics/hf/commonsense/validation.jsonl';

let dir: string;
let checkpoint: string;
let loaded: LoadedModel;
let generator: BuiltinGenerator;
let server: Awaited<ReturnType<typeof startServer>>;
let client: OpenAI;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'w2s-serve-'));
  checkpoint = await trainTinyLm(dir);
  loaded = loadModel({ checkpoint });
  generator = new BuiltinGenerator(loaded, { name: NAME, concurrency: 8 });
  server = await startServer({ generator, name: NAME, host: '127.0.0.1', port: 0 });
  client = new OpenAI({ baseURL: server.baseUrl, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
});

const greedy = (maxTokens: number, stop: string[] = []): Decoding => ({ temperature: 0, maxTokens, stop });

/** The status and OpenAI error body of a failed client call. */
async function apiError(call: Promise<unknown>): Promise<{ status: number | undefined; type?: string; param?: string | null; code?: string | null; message: string }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(APIError);
  const e = error as APIError;
  return { status: e.status, type: e.type, param: e.param, code: e.code, message: (e.error as { message: string }).message };
}

describe('w2s serve with the openai client', () => {
  it('lists the model', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => [m.id, m.object, m.owned_by])).toEqual([[NAME, 'model', 'w2s']]);
    expect((await client.models.retrieve(NAME)).id).toBe(NAME);
  });

  it('completes a prompt with the text generateTexts gives, with its finish reason and token counts', async () => {
    const response = await client.completions.create({ model: NAME, prompt: 'one two', max_tokens: 24, temperature: 0 });
    const [expected] = await generateTexts(loaded, ['one two'], greedy(24));
    expect(response.object).toBe('text_completion');
    expect(response.choices).toEqual([{ index: 0, text: expected, logprobs: null, finish_reason: 'stop' }]);
    expect(expected).toBe(' three four five six seven eight nine ten .');
    expect(response.usage).toEqual({ prompt_tokens: 3, completion_tokens: 9, total_tokens: 12 });

    const cut = await client.completions.create({ model: NAME, prompt: 'one two', max_tokens: 24, temperature: 0, stop: 'six' });
    expect(cut.choices[0]).toMatchObject({ text: ' three four five ', finish_reason: 'stop' });
    const short = await client.completions.create({ model: NAME, prompt: 'one two', temperature: 0, max_tokens: 2 });
    expect(short.choices[0]).toMatchObject({ text: ' three four', finish_reason: 'length' });
  });

  it("uses OpenAI's defaults: 16 tokens for a completion, temperature 1", async () => {
    const response = await client.completions.create({ model: NAME, prompt: 'x', seed: 1 });
    expect(response.usage!.completion_tokens).toBeLessThanOrEqual(16);
    const sampled = await generator.complete('x', { temperature: 1, maxTokens: 16, stop: [], seed: 1 });
    expect(sampled.ok && response.choices[0]!.text).toBe(sampled.ok && sampled.completion.text);
  });

  it('answers prompt arrays and n, prompt-major, echoing when asked', async () => {
    const prompts = ['red', 'cat dog'];
    const response = await client.completions.create({ model: NAME, prompt: prompts, n: 2, max_tokens: 24, temperature: 0, echo: true });
    const expected = await generateTexts(loaded, prompts, greedy(24));
    expect(response.choices.map((c) => [c.index, c.text])).toEqual([
      [0, prompts[0]! + expected[0]],
      [1, prompts[0]! + expected[0]],
      [2, prompts[1]! + expected[1]],
      [3, prompts[1]! + expected[1]],
    ]);
  });

  it('answers a chat of one user message with the completion of its content, and joins messages by a blank line', async () => {
    const chat = await client.chat.completions.create({ model: NAME, messages: [{ role: 'user', content: 'three four' }], max_tokens: 24, temperature: 0 });
    const [expected] = await generateTexts(loaded, ['three four'], greedy(24));
    expect(chat.object).toBe('chat.completion');
    expect(chat.choices).toEqual([{ index: 0, message: { role: 'assistant', content: expected, refusal: null }, logprobs: null, finish_reason: 'stop' }]);
    const multi = await client.chat.completions.create({
      model: NAME,
      messages: [
        { role: 'system', content: 'red orange' },
        { role: 'user', content: [{ type: 'text', text: 'cat' }] },
      ],
      temperature: 0,
    });
    expect(multi.choices[0]!.message.content).toBe((await generateTexts(loaded, ['red orange\n\ncat'], greedy(512)))[0]);
  });

  it('streams the same text (one chunk) for completions and chats', async () => {
    let text = '';
    let finish: string | null = null;
    for await (const chunk of await client.completions.create({ model: NAME, prompt: 'seven', max_tokens: 24, temperature: 0, stream: true })) {
      text += chunk.choices[0]?.text ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect([text, finish]).toEqual([(await generateTexts(loaded, ['seven'], greedy(24)))[0], 'stop']);

    let content = '';
    let usage: unknown;
    const stream = await client.chat.completions.create({ model: NAME, messages: [{ role: 'user', content: 'fox' }], temperature: 0, stream: true, stream_options: { include_usage: true } });
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(content).toBe((await generateTexts(loaded, ['fox'], greedy(512)))[0]);
    expect(usage).toMatchObject({ prompt_tokens: 2 });
  });

  it('generates concurrent requests together, each as generateTexts would', async () => {
    const before = generator.batchesRun;
    const responses = await Promise.all(PROMPTS.map((prompt) => client.completions.create({ model: NAME, prompt, max_tokens: 24, temperature: 0 })));
    expect(generator.batchesRun - before).toBeLessThan(PROMPTS.length);
    expect(responses.map((r) => r.choices[0]!.text)).toEqual(await generateTexts(loaded, PROMPTS, greedy(24)));
  });

  it.each<[string, () => Promise<unknown>, { status: number; param: string | null; code: string | null; message: RegExp }]>([
    ['a missing prompt', () => client.completions.create({ model: NAME } as never), { status: 400, param: 'prompt', code: 'missing_required_parameter', message: /prompt/ }],
    ['empty messages', () => client.chat.completions.create({ model: NAME, messages: [] }), { status: 400, param: 'messages', code: 'invalid_value', message: /messages must not be empty/ }],
    ['a temperature above 2', () => client.completions.create({ model: NAME, prompt: 'a', temperature: 3 }), { status: 400, param: 'temperature', code: 'invalid_value', message: /temperature/ }],
    ['a penalty the engine cannot apply', () => client.completions.create({ model: NAME, prompt: 'a', frequency_penalty: 0.5 }), { status: 400, param: 'frequency_penalty', code: 'invalid_value', message: /frequency_penalty is not supported/ }],
    ['token-id prompts', () => client.completions.create({ model: NAME, prompt: [1, 2, 3] }), { status: 400, param: 'prompt', code: 'invalid_value', message: /token-id prompts are not supported/ }],
    ['a prompt longer than the context', () => client.completions.create({ model: NAME, prompt: 'x'.repeat(600) }), { status: 400, param: 'prompt', code: 'context_length_exceeded', message: /maximum context length is 512 tokens, but the prompt has 601 tokens/ }],
    ['more completions than one request may ask for', () => client.completions.create({ model: NAME, prompt: Array(40).fill('a'), n: 8 }), { status: 400, param: 'n', code: 'invalid_value', message: /at most 256 completions per request, but 40 prompts x n 8 ask for 320/ }],
    ['an unknown model', () => client.completions.create({ model: 'gpt-9', prompt: 'a' }), { status: 404, param: 'model', code: 'model_not_found', message: /The model `gpt-9` does not exist/ }],
  ])('refuses %s with an OpenAI-style error', async (_name, call, expected) => {
    const error = await apiError(call());
    expect(error).toMatchObject({ status: expected.status, type: 'invalid_request_error', param: expected.param, code: expected.code });
    expect(error.message).toMatch(expected.message);
  });

  it('answers malformed HTTP with OpenAI-style errors too', async () => {
    const post = (path: string, body: string): Promise<Response> => fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const notJson = await post('/completions', '{"model": ');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: { message: 'We could not parse the JSON body of your request. The body must be JSON.', type: 'invalid_request_error', param: null, code: null } });
    const array = await post('/completions', '[]');
    expect([array.status, ((await array.json()) as { error: { message: string } }).error.message]).toEqual([400, 'the request body must be a JSON object']);
    const unknown = await post('/embeddings', '{}');
    expect([unknown.status, ((await unknown.json()) as { error: { type: string } }).error.type]).toEqual([404, 'invalid_request_error']);
    const wrongMethod = await fetch(`${server.baseUrl}/completions`);
    expect(wrongMethod.status).toBe(405);
    expect(((await wrongMethod.json()) as { error: { message: string } }).error.message).toMatch(/use POST/);
  });
});

describe('w2s label against w2s serve', () => {
  beforeEach(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it('labels end to end over HTTP, with the answers the built-in backend gives (completions and chat APIs)', async () => {
    const common = ['label', '--task', 'ethics', '--split', 'test', '--data', ETHICS_VAL, '--limit', '4', '--max-tokens', '6'];
    const outs = { completions: join(dir, 'label-http'), chat: join(dir, 'label-chat'), builtin: join(dir, 'label-builtin') };
    const http = ['--backend', 'openai', '--base-url', server.baseUrl, '--model', NAME, '--api-key-env', 'W2S_NO_SUCH_KEY_VAR_FOR_SERVE'];
    process.env.W2S_NO_SUCH_KEY_VAR_FOR_SERVE = 'local';
    try {
      expect(await main(['node', 'w2s', ...common, ...http, '--out', outs.completions])).toBe(0);
      expect(await main(['node', 'w2s', ...common, ...http, '--api', 'chat', '--out', outs.chat])).toBe(0);
    } finally {
      delete process.env.W2S_NO_SUCH_KEY_VAR_FOR_SERVE;
    }
    expect(await main(['node', 'w2s', ...common, '--backend', 'builtin', '--model', checkpoint, '--out', outs.builtin])).toBe(0);
    const answers = readFileSync(join(outs.completions, 'answers.jsonl'), 'utf8');
    expect(answers.trim().split('\n')).toHaveLength(8);
    expect(answers).toBe(readFileSync(join(outs.builtin, 'answers.jsonl'), 'utf8'));
    expect(readFileSync(join(outs.chat, 'answers.jsonl'), 'utf8')).toBe(answers);
    // The prompts really were the App. B prompts, long ones: every one has hundreds of tokens.
    const first = JSON.parse(answers.split('\n')[0]!) as { prompt: string };
    expect((await promptIds(loaded.tokenizer, [first.prompt]))[0]!.length).toBeGreaterThan(200);
  });
});
