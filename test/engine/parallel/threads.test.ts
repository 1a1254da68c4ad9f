import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';

/*
 * Multi-threaded training runs worker threads from the compiled engine (dist/engine/parallel/train-worker.js; Node cannot
 * start a worker from TypeScript sources), so this test drives the compiled modules. It is skipped, with a warning,
 * when dist/ is missing or older than the engine sources (run `npm run build`; `npm test` builds first).
 */
const root = join(import.meta.dirname, '..', '..', '..');
const dist = join(root, 'dist', 'engine');
const worker = join(dist, 'parallel', 'train-worker.js');
function builtAndFresh(): boolean {
  if (!existsSync(worker)) return false;
  const built = statSync(worker).mtimeMs;
  const srcDir = join(root, 'src', 'engine');
  const sources = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  return sources.every((f) => statSync(join(srcDir, f)).mtimeMs <= built);
}
const fresh = builtAndFresh();
if (!fresh) console.warn('threads.test.ts skipped: dist/ is missing or older than src/engine (run npm run build)');

interface DistModules {
  config: typeof import('../../../src/engine/config.js');
  model: typeof import('../../../src/engine/model.js');
  train: typeof import('../../../src/engine/train.js');
  parallel: typeof import('../../../src/engine/parallel/data-parallel.js');
  portable: typeof import('../../../src/engine/kernels/portable.js');
  native: typeof import('../../../src/engine/kernels/native.js');
}

async function load(): Promise<DistModules> {
  const url = (f: string): string => new URL(`file://${join(dist, f)}`).href;
  return {
    config: await import(url('config.js')),
    model: await import(url('model.js')),
    train: await import(url('train.js')),
    parallel: await import(url('parallel/data-parallel.js')),
    portable: await import(url('kernels/portable.js')),
    native: await import(url('kernels/native.js')),
  };
}

describe.skipIf(!fresh)('multi-threaded training (compiled engine)', () => {
  it.each(['portable', 'native'] as const)('matches single-threaded training up to float summation order, full fine-tuning and LoRA with dropout (%s kernels)', async (which) => {
    const m = await load();
    const kernels = which === 'portable' ? m.portable.portableKernels : m.native.loadNativeKernels().kernels;
    if (!kernels) return console.warn('threads.test.ts: native kernels absent, case skipped');
    const config = m.config.parseLlamaConfig({
      vocab_size: 40,
      hidden_size: 16,
      intermediate_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      max_position_embeddings: 64,
    });
    const rng = new Rng(12);
    const examples = Array.from({ length: 23 }, () => {
      const len = 4 + rng.int(30);
      return { ids: Array.from({ length: len }, () => rng.int(40)), promptLength: rng.int(3), weight: 0.5 + rng.next() };
    });
    for (const lora of [undefined, { r: 2, alpha: 4, dropout: 0.2, targetModules: ['q_proj', 'v_proj', 'up_proj'] as const }]) {
      const run = (threads: number): { params: Float32Array; losses: number[] } => {
        const model = m.model.LlamaModel.init(config, kernels, 3);
        expect(m.parallel.parallelAvailable(model)).toBe(true);
        const losses: number[] = [];
        m.train.train(model, examples, {
          learningRate: 1e-3,
          batchSize: 8,
          microBatchSize: 4,
          epochs: 2,
          seed: 4,
          threads,
          ...(lora ? { lora: { ...lora, targetModules: [...lora.targetModules] } } : {}),
          onStep: (i) => losses.push(i.loss),
        });
        return { params: Float32Array.from(lora ? model.adapter!.params : model.params), losses };
      };
      const one = run(1);
      const two = run(3);
      two.losses.forEach((l, i) => expect(l).toBeCloseTo(one.losses[i]!, 6));
      let maxDiff = 0;
      let maxAbs = 0;
      for (let i = 0; i < one.params.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(two.params[i]! - one.params[i]!));
        maxAbs = Math.max(maxAbs, Math.abs(one.params[i]!));
      }
      expect(maxDiff / maxAbs).toBeLessThan(1e-4);
    }
  });
});
