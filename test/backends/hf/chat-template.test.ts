import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HfGenerator } from '../../../src/backends/hf/generator.js';
import { HfTrainer } from '../../../src/backends/hf/trainer.js';
import type { SftRow } from '../../../src/core/types.js';
import { relativeError } from '../../helpers/relative-error.js';
import { eventsNamed, parityRequired, PYTHON, pythonAvailable, report, ROOT, runPython, runSidecar, type SidecarEvent } from './python-sidecar.js';

/*
 * The chat-template option of the sidecar (python/w2s_hf/tokens.py) on a tiny random checkpoint whose tokenizer has a
 * short Jinja template (python/checks/tiny_chat.py): greedy outputs equal transformers' own `apply_chat_template` +
 * `generate`, log-likelihoods are taken after the rendered prompt, and one weighted training step's loss (Eq. 5) is the
 * one computed from the whole rendered conversation with the loss on the assistant's turn only. A tokenizer without a
 * template is refused (exit 2) naming the model. Through the TypeScript clients (HfGenerator, HfTrainer) as well.
 */

const ROWS: SftRow[] = [
  { id: 'a', prompt: 'one', completion: ' two three four five', weight: 1 },
  { id: 'b', prompt: 'three four', completion: 'five six seven .', weight: 0.5 },
  { id: 'c', prompt: 'six', completion: ' seven eight', weight: 0 },
  { id: 'd', prompt: 'eight nine', completion: ' ten .', weight: 1.75 },
];
const PROMPTS = ['one', 'three four five', 'nine ten'];
const MAX_TOKENS = 10;
const SCORED = [{ prompt: 'one two', completions: [' three', ' three four five', ' ten .'] }];
const TOLERANCE = 1e-4;
const ENV = { OMP_NUM_THREADS: '2', HF_HUB_OFFLINE: '1', TRANSFORMERS_VERBOSITY: 'error' };

const TINY = join(ROOT, 'python', 'checks', 'tiny_chat.py');
let work = '';
let chat = '';
let plain = '';
let want: { greedy: { output: string; tokens: number }[]; logprobs: number[][]; first_loss: number; completion_tokens: number[] };
const measured: string[] = [];

describe.skipIf(!pythonAvailable && !parityRequired)('the sidecar with the chat template (tiny random checkpoint)', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'w2s-hf-chat-'));
    const built = await runPython([TINY, 'build', work]);
    expect(built.status, report(built)).toBe(0);
    ({ chat, plain } = built.events[0] as { chat: string; plain: string });
    const spec = join(work, 'reference.json');
    writeFileSync(spec, JSON.stringify({ model: chat, prompts: PROMPTS, max_tokens: MAX_TOKENS, scored: SCORED, rows: ROWS }));
    const ref = await runPython([TINY, 'reference', spec]);
    expect(ref.status, report(ref)).toBe(0);
    want = ref.events[0] as typeof want;
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    if (measured.length) console.log(`hf sidecar with the chat template, relative errors:\n  ${measured.join('\n  ')}`);
  });

  it('generates greedily as apply_chat_template + generate and scores after the rendered prompt', async () => {
    const input = [
      ...PROMPTS.map((prompt, i) => JSON.stringify({ id: `g${i}`, prompt, max_tokens: MAX_TOKENS })),
      ...SCORED.map((s, i) => JSON.stringify({ id: `s${i}`, ...s })),
    ].join('\n');
    const served = await runSidecar(['generate', '--model', chat, '--chat-template', '--batch-size', '4'], { input: input + '\n' });
    expect(served.status, report(served)).toBe(0);
    expect(served.events[0]).toMatchObject({ event: 'ready', chat_template: true });
    const answers = new Map<unknown, SidecarEvent>(served.events.slice(1).map((e) => [e.id, e]));
    PROMPTS.forEach((prompt, i) => {
      const got = answers.get(`g${i}`)!;
      expect({ output: got.output, tokens: got.completion_tokens }, `greedy after ${JSON.stringify(prompt)}`).toEqual(want.greedy[i]);
    });
    const got = answers.get('s0')!.logprobs as number[];
    const error = relativeError(got, want.logprobs[0]!);
    measured.push(`log-likelihoods: ${error.toExponential(2)}`);
    expect(error, `${JSON.stringify(got)} vs ${JSON.stringify(want.logprobs[0])}`).toBeLessThan(TOLERANCE);

    // The rendering is what makes the difference: without it the same model, prompts and decoding say otherwise.
    const raw = await runSidecar(['generate', '--model', chat, '--batch-size', '4'], { input: input + '\n' });
    expect(raw.status, report(raw)).toBe(0);
    const rawScores = raw.events.find((e) => e.id === 's0')!.logprobs as number[];
    expect(relativeError(rawScores, want.logprobs[0]!)).toBeGreaterThan(1e-3);
  }, 120_000);

  it('HfGenerator with chatTemplate: the same greedy outputs, and "chat" in its identity', async () => {
    const generator = await HfGenerator.open({ model: chat, chatTemplate: true, python: PYTHON, env: ENV, batchSize: 4 });
    try {
      expect(generator.identity).toEqual({ backend: 'hf', model: chat, api: 'chat' });
      const outputs = await Promise.all(PROMPTS.map((p) => generator.complete(p, { temperature: 0, maxTokens: MAX_TOKENS, stop: [] })));
      outputs.forEach((o, i) => {
        expect(o.ok).toBe(true);
        if (o.ok) expect({ output: o.completion.text, tokens: o.completion.completionTokens }).toEqual(want.greedy[i]);
      });
    } finally {
      await generator.close();
    }
  }, 120_000);

  it('trains one weighted step (Eq. 5) on the rendered rows with the loss on the assistant turn only (HfTrainer)', async () => {
    const trainer = new HfTrainer({ python: PYTHON, env: ENV, chatTemplate: true, stderr: () => undefined });
    const settings = { learningRate: 1e-3, batchSize: ROWS.length, maxSteps: 1, seed: 0 };
    const outcome = await trainer.train({ checkpoint: chat }, ROWS, { ...settings, lora: { r: 4, alpha: 8, dropout: 0.05, targetModules: ['q_proj', 'v_proj'] } }, join(work, 'lora'));
    const error = relativeError([outcome.firstLoss], [want.first_loss]);
    measured.push(`first loss (sidecar ${outcome.firstLoss}, transformers ${want.first_loss}): ${error.toExponential(2)}`);
    expect(error).toBeLessThan(TOLERANCE);
    // Every completion carries the template's end of turn ("</s>" and a newline) beside its own text.
    expect(want.completion_tokens.every((n) => n >= 3)).toBe(true);
  }, 120_000);

  it('refuses a tokenizer without a chat template with exit 2, naming the model (generate and train)', async () => {
    const served = await runSidecar(['generate', '--model', plain, '--chat-template'], { input: '' });
    expect(served.status, report(served)).toBe(2);
    expect(eventsNamed(served, 'error')[0]).toMatchObject({ kind: 'bad-input', message: expect.stringContaining(`the tokenizer of '${plain}' has no chat template`) });

    const rows = join(work, 'rows.jsonl');
    writeFileSync(rows, ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const request = join(work, 'plain-train.json');
    writeFileSync(request, JSON.stringify({ base: plain, rows, out: join(work, 'never'), chat_template: true, max_steps: 1 }));
    const train = await runSidecar(['train', '--request', request]);
    expect(train.status, report(train)).toBe(2);
    expect(eventsNamed(train, 'error')[0]).toMatchObject({ kind: 'bad-input', message: expect.stringMatching(new RegExp(`field "chat_template": the tokenizer of '${plain}' has no chat template`)) });
  }, 120_000);
});
