#!/usr/bin/env node
// `npm run parity`: the parity suites, with a missing oracle turned into a failure instead of a skip:
// - test/engine/parity.test.ts: logits, weighted loss and every gradient against parity/oracle.py (plain PyTorch;
//   Debian's python3-torch under /usr/bin/python3);
// - test/engine/formats/parity.test.ts: safetensors, checkpoints, PEFT adapters and tokenizers against the Hugging Face
//   Python libraries (the venv of python/setup-venv.sh);
// - test/backends/hf/*: the Hugging Face sidecar (python/w2s_hf) against the built-in engine: logits, the weighted
//   loss of a training step, adapters, greedy outputs and log-likelihoods; and `w2s run --engine hf`.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = spawnSync('npx', ['vitest', 'run', 'test/engine/parity.test.ts', 'test/engine/formats/parity.test.ts', 'test/backends/hf/parity.test.ts', 'test/backends/hf/real-sidecar.test.ts', 'test/run/run-hf.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, W2S_PARITY: 'require' },
});
process.exit(run.status ?? 1);
