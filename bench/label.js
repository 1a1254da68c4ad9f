// `w2s label` throughput against a mock OpenAI-compatible server on loopback, beside a plain HTTP load tool
// (autocannon) on the same server in the same run:
// - zero latency, concurrency 64: requests/s of the whole label pipeline (variations, HTTP, store commit per answer,
//   parsing, answers file) and of the load tool;
// - 50 ms server latency: achieved rate / (concurrency / latency), the share of the ideal the pipeline reaches;
// - the transports the OpenAI backend could use (undici Pool, Node http.Agent with keepAlive, fetch), raw.
// The server, the client and the load tool each run in their own process, so that none shares the server's core.
// Usage: npm run bench -- label [--quick]. The same file is the server and the clients when run with a role argument.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);
const CONCURRENCY = 64;
const OUTPUT = ' B. because it fits the sentence best.';

// A prompt of the size of the paper's MMLU prompts (about 600 characters).
function prompt(i) {
  return `### Instruction: The following are multiple choice questions about bench. In your response, choose an answer from A,B,C,D, and provide a brief explanation on your answer. ### Question: ${'What is the value of the quantity described here '.repeat(6)}#${i}?. A. one. B. two. C. three. D. four. ### Answer:`;
}

/** The mock server: reads each body, answers a fixed completion after `latency` ms, keep-alive. */
function serve(latency) {
  const body = JSON.stringify({ id: 'cmpl-bench', object: 'text_completion', model: 'bench', choices: [{ index: 0, text: OUTPUT, finish_reason: 'stop' }] });
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  const server = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      const send = () => {
        res.writeHead(200, headers);
        res.end(body);
      };
      if (latency > 0) setTimeout(send, latency);
      else send();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
}

/** Synthetic MMLU validation records: `questions` of them, in the hub's field names. */
function writeData(file, questions) {
  const lines = [];
  for (let i = 0; i < questions; i++) {
    lines.push(JSON.stringify({ question: `${'What is the value of the quantity described here '.repeat(6)}#${i}?`, subject: 'bench', choices: ['one', 'two', 'three', 'four'], answer: i % 4 }));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** The whole `w2s label` pipeline (dist/) against `baseUrl`; prints {requests, seconds}. */
async function labelClient(baseUrl, questions, concurrency) {
  const { runLabel } = await import(pathToFileURL(join(here, '..', 'dist', 'label', 'label.js')).href);
  const dir = mkdtempSync(join(tmpdir(), 'w2s-bench-label-'));
  try {
    const data = join(dir, 'validation.jsonl');
    writeData(data, questions);
    const started = performance.now();
    const summary = await runLabel({
      task: 'mmlu',
      split: 'val',
      source: { data: [data], cacheDir: dir, seed: 0 },
      out: join(dir, 'run'),
      backend: {
        backend: 'openai',
        model: 'bench',
        baseUrls: [baseUrl],
        api: 'completions',
        apiKeyEnv: 'W2S_BENCH_NO_KEY',
        concurrency,
        timeoutMs: 60_000,
        retry: { maxRetries: 6, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 300_000 },
        jitterSeed: 0,
      },
      decoding: { temperature: 0, maxTokens: 128, stop: ['###'] },
      env: {},
    });
    const seconds = (performance.now() - started) / 1000;
    if (summary.sent !== questions * 5 || summary.failures !== 0) throw new Error(`unexpected run: ${JSON.stringify(summary)}`);
    process.stdout.write(`${JSON.stringify({ requests: summary.sent, seconds })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One transport alone (no pipeline): `total` POSTs of a completion request, `concurrency` at a time. */
async function transportClient(kind, baseUrl, total, concurrency) {
  const url = new URL(`${baseUrl}/completions`);
  const body = (i) => JSON.stringify({ model: 'bench', prompt: prompt(i), max_tokens: 128, temperature: 0, stop: ['###'], n: 1, stream: false });
  let one;
  if (kind === 'undici') {
    const { Pool } = await import('undici');
    const pool = new Pool(url.origin, { connections: concurrency });
    one = async (i) => JSON.parse(await (await pool.request({ path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' }, body: body(i) })).body.text());
  } else if (kind === 'http-agent') {
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    one = (i) =>
      new Promise((resolve, reject) => {
        const payload = body(i);
        const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        });
        req.on('error', reject);
        req.end(payload);
      });
  } else {
    one = async (i) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(i) })).json();
  }
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await one(next++);
  }));
  process.stdout.write(`${JSON.stringify({ requests: total, seconds: (performance.now() - started) / 1000 })}\n`);
  process.exit(0);
}

/** autocannon on the same server with the same kind of request body. */
async function loadTool(baseUrl, concurrency, seconds) {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({
    url: `${baseUrl}/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'bench', prompt: prompt(0), max_tokens: 128, temperature: 0, stop: ['###'], n: 1, stream: false }),
    connections: concurrency,
    duration: seconds,
  });
  process.stdout.write(`${JSON.stringify({ requests: result.requests.total, seconds: result.duration, errors: result.errors + result.non2xx })}\n`);
}

// A child process running this file in a role; resolves with the last line it printed, parsed.
function child(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [self, ...args.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`${args[0]} exited ${code}`))));
  });
}

function startServer(latency) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [self, 'serve', String(latency)], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.once('data', (c) => resolve({ baseUrl: `http://127.0.0.1:${String(c).trim()}/v1`, stop: () => p.kill() }));
    p.on('error', reject);
  });
}

const rate = (r) => r.requests / r.seconds;
const fmt = (x) => Math.round(x).toLocaleString('en-US');

export async function run(flags) {
  const quick = flags.includes('--quick');
  const zero = await startServer(0);
  let zeroRps;
  let toolRps;
  try {
    const questions = quick ? 2_000 : 8_000;
    // One warm-up run, so that the measured one does not pay for the first connections and JIT compilation.
    await child(['label-client', zero.baseUrl, 400, CONCURRENCY]);
    const ours = await child(['label-client', zero.baseUrl, questions, CONCURRENCY]);
    const tool = await child(['load-tool', zero.baseUrl, CONCURRENCY, quick ? 3 : 5]);
    zeroRps = rate(ours);
    toolRps = rate(tool);
    console.log(`zero latency, c=${CONCURRENCY}: w2s label ${fmt(zeroRps)} req/s (${ours.requests} requests in ${ours.seconds.toFixed(2)} s, store commit per answer)`);
    console.log(`zero latency, c=${CONCURRENCY}: autocannon ${fmt(toolRps)} req/s (${tool.requests} requests, ${tool.errors} errors) -> w2s label at ${(zeroRps / toolRps).toFixed(2)} of the load tool`);
    for (const kind of ['undici', 'http-agent', 'fetch']) {
      const t = await child(['transport', kind, zero.baseUrl, quick ? 10_000 : 30_000, CONCURRENCY]);
      console.log(`transport alone, c=${CONCURRENCY}: ${kind.padEnd(10)} ${fmt(rate(t))} req/s`);
    }
  } finally {
    zero.stop();
  }

  const latencyMs = 50;
  const slow = await startServer(latencyMs);
  let efficiency;
  try {
    const ideal = CONCURRENCY / (latencyMs / 1000);
    const questions = quick ? 768 : 3_072;
    const ours = await child(['label-client', slow.baseUrl, questions, CONCURRENCY]);
    efficiency = rate(ours) / ideal;
    console.log(`latency ${latencyMs} ms, c=${CONCURRENCY}: w2s label ${fmt(rate(ours))} req/s of an ideal ${fmt(ideal)} (c / latency) -> efficiency ${efficiency.toFixed(3)}`);
    // The same server and load through the bare transport: the share of the ideal that loopback and timers allow here.
    const bare = await child(['transport', 'undici', slow.baseUrl, questions * 5, CONCURRENCY]);
    console.log(`latency ${latencyMs} ms, c=${CONCURRENCY}: undici alone ${fmt(rate(bare))} req/s -> efficiency ${(rate(bare) / ideal).toFixed(3)}`);
  } finally {
    slow.stop();
  }
  console.log(`targets: >= 5,000 req/s at zero latency: ${zeroRps >= 5000 ? 'met' : 'not met'}; latency-50 efficiency >= 0.9: ${efficiency >= 0.9 ? 'met' : 'not met'}`);
  mkdirSync(join(here, 'results'), { recursive: true });
  const result = { zero_latency_rps: zeroRps, load_tool_rps: toolRps, latency50_efficiency: efficiency };
  writeFileSync(join(here, 'results', 'label.json'), `${JSON.stringify(result, null, 2)}\n`);
}

const [role, ...rest] = process.argv.slice(2);
if (process.argv[1] === self && role !== undefined) {
  if (role === 'serve') serve(Number(rest[0]));
  else if (role === 'label-client') await labelClient(rest[0], Number(rest[1]), Number(rest[2]));
  else if (role === 'transport') await transportClient(rest[0], rest[1], Number(rest[2]), Number(rest[3]));
  else if (role === 'load-tool') await loadTool(rest[0], Number(rest[1]), Number(rest[2]));
  else throw new Error(`unknown role ${role}`);
}
