import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../src/engine/formats/safetensors.js';
import { relativeError } from '../../helpers/relative-error.js';
import { eventsNamed, parityRequired, pythonAvailable, report, ROOT, runPython, runSidecar, type SidecarEvent } from './python-sidecar.js';

/*
 * The sidecar on the current open architectures beside the paper's (python/checks/tiny_models.py): for each, a tiny
 * random checkpoint written by transformers itself loads through AutoModelForCausalLM; LoRA on all seven projection
 * targets resolves in every layer; the first step's weighted loss (Eq. 1 and 5) equals the one computed from
 * transformers' own forward pass; greedy outputs with the trained adapter equal PEFT + `generate`, and log-likelihoods
 * equal the adapted model's logits. On the old stack (transformers 4.36) an architecture it cannot build is skipped
 * with the reason; on transformers 5 every one must run.
 */

const ARCHITECTURES = ['llama3', 'mistral', 'qwen2', 'qwen3', 'gemma2'] as const;
const TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
const LAYERS = 2;
const R = 4;
const ROWS = [
  { id: 'a', prompt: 'one', completion: ' two three four five', weight: 1 },
  { id: 'b', prompt: 'three four', completion: ' five six seven .', weight: 0.5 },
  { id: 'c', prompt: 'six', completion: ' seven eight', weight: 0 },
  { id: 'd', prompt: 'eight nine', completion: ' ten .', weight: 1.75 },
  { id: 'e', prompt: 'two', completion: ' three four five six seven eight nine', weight: 0.25 },
];
const PROMPTS = ['one', 'three four five', 'six', 'nine ten'];
const MAX_TOKENS = 10;
const SCORED = [{ prompt: 'one two', completions: [' three', ' three four five', ' ten .'] }];
const TOLERANCE = 1e-4;

const TINY = join(ROOT, 'python', 'checks', 'tiny_models.py');
let work = '';
let transformersMajor = 0;
/** What `tiny_models.py build` said of each architecture: built (with its class and token ids) or skipped, and why. */
let builds = new Map<unknown, SidecarEvent>();
const measured: string[] = [];

function lines(events: SidecarEvent[]): Map<unknown, SidecarEvent> {
  return new Map(events.map((e) => [e.id, e]));
}

describe.skipIf(!pythonAvailable && !parityRequired)('the sidecar on current architectures (tiny random checkpoints)', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'w2s-hf-arch-'));
    const info = await runSidecar(['info']);
    expect(info.status, report(info)).toBe(0);
    transformersMajor = Number(String(info.events[0]!.transformers).split('.')[0]);
    const built = await runPython([TINY, 'build', work, ...ARCHITECTURES]);
    expect(built.status, report(built)).toBe(0);
    builds = new Map(built.events.map((e) => [e.arch, e]));
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    if (measured.length) console.log(`hf sidecar on current architectures, relative errors:\n  ${measured.join('\n  ')}`);
  });

  for (const arch of ARCHITECTURES) {
    it(`${arch}: loads, resolves the LoRA targets, trains one weighted step (Eq. 5) and generates as plain transformers`, async (ctx) => {
      const model = join(work, arch);
      const outcome = builds.get(arch)!;
      expect(outcome, `tiny_models.py build said nothing of ${arch}`).toBeDefined();
      if (outcome.skipped !== undefined) {
        // Only a release older than 5.x may lack an architecture; on today's stack each one has to run.
        expect(transformersMajor, `${arch} skipped on transformers ${transformersMajor}: ${String(outcome.skipped)}`).toBeLessThan(5);
        ctx.skip(String(outcome.skipped));
      }

      const rows = join(work, `${arch}-rows.jsonl`);
      writeFileSync(rows, ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n');
      const adapter = join(work, `${arch}-lora`);
      const request = join(work, `${arch}-train.json`);
      writeFileSync(request, JSON.stringify({ base: model, rows, out: adapter, lora: { r: R, alpha: 2 * R, dropout: 0.05, target_modules: TARGETS }, learning_rate: 2e-2, batch_size: ROWS.length, max_steps: 2, seed: 3 }));
      const train = await runSidecar(['train', '--request', request]);
      expect(train.status, report(train)).toBe(0);

      const spec = join(work, `${arch}-reference.json`);
      writeFileSync(spec, JSON.stringify({ model, adapter, rows: ROWS, lora_r: R, prompts: PROMPTS, max_tokens: MAX_TOKENS, scored: SCORED }));
      const ref = await runPython([TINY, 'reference', spec]);
      expect(ref.status, report(ref)).toBe(0);
      const want = ref.events[0]! as { first_loss: number; lora_parameters: number; greedy: { output: string; tokens: number }[]; logprobs: number[][]; class: string };
      expect(want.class).toBe(outcome.class);

      // LoRA: every target in every layer has its A and B, B moved by training, and the trainable count is r (in + out).
      const start = train.events[0]!;
      expect(start).toMatchObject({ event: 'start', examples: ROWS.length, total_steps: 2, device: 'cpu', precision: 'fp32' });
      expect(start.trainable_parameters).toBe(want.lora_parameters);
      const tensors = readSafetensors(join(adapter, 'adapter_model.safetensors')).tensors;
      const found = new Set<string>();
      for (const name of tensors.keys()) {
        const m = /layers\.(\d+)\..*\.(\w+_proj)\.lora_([AB])\.weight$/.exec(name);
        if (m) found.add(`${m[1]}.${m[2]}.${m[3]}`);
      }
      expect(found.size, [...tensors.keys()].join(', ')).toBe(LAYERS * TARGETS.length * 2);
      const moved = [...tensors].filter(([name]) => name.includes('lora_B')).some(([, t]) => t.data.some((x) => x !== 0));
      expect(moved, 'one AdamW step moves lora_B off zero').toBe(true);

      // Eq. 5 of the first step, before any update, is the base model's weighted loss (B = 0 makes LoRA a no-op).
      const steps = eventsNamed(train, 'step');
      const first = steps[0]!.loss as number;
      const error = relativeError([first], [want.first_loss]);
      measured.push(`${arch} first loss (sidecar ${first}, transformers ${want.first_loss}): ${error.toExponential(2)}`);
      expect(error).toBeLessThan(TOLERANCE);
      expect(steps[1]!.loss as number, 'the second step sees the trained adapter').not.toBe(first);

      // Greedy generation and log-likelihoods with the adapter, batched by the sidecar, against PEFT one at a time.
      const input = [
        ...PROMPTS.map((prompt, i) => JSON.stringify({ id: `g${i}`, prompt, max_tokens: MAX_TOKENS })),
        ...SCORED.map((s, i) => JSON.stringify({ id: `s${i}`, ...s })),
      ].join('\n');
      const served = await runSidecar(['generate', '--model', model, '--adapter', adapter, '--batch-size', '4'], { input: input + '\n' });
      expect(served.status, report(served)).toBe(0);
      const answers = lines(served.events.slice(1));
      PROMPTS.forEach((prompt, i) => {
        const got = answers.get(`g${i}`)!;
        expect({ output: got.output, tokens: got.completion_tokens }, `${arch} greedy after ${JSON.stringify(prompt)}`).toEqual(want.greedy[i]);
      });
      SCORED.forEach((s, i) => {
        const got = answers.get(`s${i}`)!.logprobs as number[];
        const e = relativeError(got, want.logprobs[i]!);
        measured.push(`${arch} log-likelihoods: ${e.toExponential(2)}`);
        expect(e, `${JSON.stringify(got)} vs ${JSON.stringify(want.logprobs[i])}`).toBeLessThan(TOLERANCE);
      });
      // The served model is the one trained: its config names the architecture.
      const config = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8')) as { model_type: string };
      expect(config.model_type).toBe(outcome.model_type);
    }, 180_000);
  }
});
