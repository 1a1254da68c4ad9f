// One measured run of the engine in its own process, so that its peak memory is its own (see bench/engine.js).
// Usage: node bench/engine-child.js '{"mode": "train"|"generate", "config": {...}, "batch": B, "seq": T, "steps": S,
// "prompt": P, "new_tokens": G, "threads": 1|2, "blas_threads": 1|2, "lora": null | LoraConfig}'
// -> one JSON line: tokens_per_second, seconds, peak_rss_bytes, kernels.
import { parseLlamaConfig } from '../dist/engine/config.js';
import { timeGeneration } from '../dist/engine/generate.js';
import { getKernels } from '../dist/engine/kernels/index.js';
import { LlamaModel } from '../dist/engine/model.js';
import { timeTraining } from '../dist/engine/train.js';

const a = JSON.parse(process.argv[2]);
const config = parseLlamaConfig(a.config);
const kernels = getKernels();
// Training with worker threads sets BLAS to one thread itself; otherwise this is the BLAS thread count of the run.
if (kernels.setThreads) kernels.setThreads(a.blas_threads);
let timing;
if (a.mode === 'train') {
  timing = timeTraining(config, kernels, {
    batch: a.batch,
    seq: a.seq,
    steps: a.steps,
    warmup: 1,
    threads: a.threads,
    ...(a.lora ? { lora: a.lora } : {}),
  });
} else {
  const model = LlamaModel.init(config, kernels, 0);
  timing = timeGeneration(model, { batch: a.batch, prompt: a.prompt, newTokens: a.new_tokens, runs: a.steps });
}
process.stdout.write(
  JSON.stringify({
    tokens_per_second: timing.tokensPerSecond,
    seconds: timing.seconds,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    kernels: kernels.name,
  }) + '\n',
);
