// `w2s export gguf`'s work, loaded when the command runs (src/cli/lazy.ts); its options are declared in commands/export.ts.
import { z } from 'zod';
import { generateTexts, loadModel } from '../../backends/builtin.js';
import type { Decoding } from '../../backends/types.js';
import { exportGguf } from '../../engine/formats/gguf-export.js';
import { largestGreedyGap } from '../../engine/generate.js';
import { EXIT_FAILURE, W2sError } from '../../errors.js';
import { loadOptional, NODE_LLAMA_CPP } from '../../optional.js';
import { parseFlags } from '../flags.js';

const ggufFlags = z.object({
  model: z.string().min(1),
  adapter: z.string().min(1).optional(),
  out: z.string().min(1),
  dtype: z.enum(['f32', 'f16']),
  name: z.string().min(1).optional(),
  check: z.boolean().optional(),
});

/** What --check generates: from the start of a text (bos alone), greedily, in both engines. */
const CHECK_DECODING: Decoding = { temperature: 0, maxTokens: 16, stop: [] };

export async function ggufAction(raw: Record<string, unknown>): Promise<void> {
  const flags = parseFlags(ggufFlags, raw);
  // Before the file is written: a missing node-llama-cpp is a usage error, not a half-done export.
  if (flags.check) await loadOptional(NODE_LLAMA_CPP);
  const summary = exportGguf(flags.model, flags.out, {
    dtype: flags.dtype === 'f16' ? 'F16' : 'F32',
    ...(flags.adapter !== undefined ? { adapter: flags.adapter } : {}),
    ...(flags.name !== undefined ? { name: flags.name } : {}),
  });
  process.stdout.write(
    `wrote ${summary.file}: ${summary.tensors} tensors, ${summary.parameters} parameters (${summary.dtype}), vocabulary ${summary.vocabSize}\n`,
  );
  if (flags.check) await check(summary.file, flags.model, flags.adapter, flags.dtype);
}

/**
 * How far below the built-in engine's best logit a token llama.cpp chose may score and still count as the same greedy
 * choice: the two engines add floats in different orders (and llama.cpp keeps its key/value cache in f16), so where two
 * tokens score this close the engines may pick differently. A wrong export scores llama.cpp's tokens far lower.
 */
export const CHECK_NEAR_TIE = 0.1;

/**
 * Runs the written file in llama.cpp and compares its greedy text with the built-in engine's from the same model. Equal
 * texts pass. Otherwise each token llama.cpp wrote is scored by the engine: within CHECK_NEAR_TIE of the engine's best
 * at every step, the texts parted at a near-tie and the check passes; else it fails for f32, and warns for f16 (whose
 * rounded weights may move a choice further).
 */
async function check(file: string, model: string, adapter: string | undefined, dtype: 'f32' | 'f16'): Promise<void> {
  const { LlamaCppGenerator } = await import('../../backends/llamacpp.js');
  const generator = await LlamaCppGenerator.open({ modelPath: file, concurrency: 1, gpu: false });
  let theirs: { output: string; tokens: number[]; endedOnEos: boolean; prompt: number[] };
  try {
    const result = await generator.generateTokens('', CHECK_DECODING);
    if (!result.ok) throw new W2sError(`llama.cpp loaded the file but could not generate: ${result.message}`, { file }, EXIT_FAILURE);
    theirs = { ...result, prompt: generator.promptTokens('') };
  } finally {
    await generator.close();
  }
  const loaded = loadModel({ checkpoint: model, ...(adapter !== undefined ? { adapter } : {}) });
  const [ours] = await generateTexts(loaded, [''], CHECK_DECODING);
  if (theirs.output === ours) {
    process.stdout.write(`check: llama.cpp runs the file and writes what the built-in engine writes (${JSON.stringify(ours)})\n`);
    return;
  }
  const gap = largestGreedyGap(loaded.model, theirs.prompt, theirs.tokens, theirs.endedOnEos);
  const message = `llama.cpp writes ${JSON.stringify(theirs.output)}, the built-in engine ${JSON.stringify(ours)}`;
  if (gap !== null && gap <= CHECK_NEAR_TIE) {
    process.stdout.write(
      `check: llama.cpp runs the file; ${message}: they part at a near-tie, every token llama.cpp chose scoring within ${gap.toPrecision(2)} of the engine's best (allowed: ${CHECK_NEAR_TIE})\n`,
    );
    return;
  }
  const detail = gap === null ? '' : ` (a token llama.cpp chose scores ${gap.toPrecision(3)} below the engine's best)`;
  if (dtype === 'f16') process.stderr.write(`warning: check: ${message}${detail} (f16 weights round some choices)\n`);
  else throw new W2sError(`check failed: ${message}${detail}`, { file }, EXIT_FAILURE);
}
