// `w2s export gguf`'s work, loaded when the command runs (src/cli/lazy.ts); its options are declared in commands/export.ts.
import { z } from 'zod';
import { generateTexts, loadModel } from '../../backends/builtin.js';
import type { Decoding } from '../../backends/types.js';
import { exportGguf } from '../../engine/formats/gguf-export.js';
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
 * Runs the written file in llama.cpp and compares its greedy text with the built-in engine's from the same model: equal
 * for f32; f16 weights may round a close choice the other way, so a difference there is a warning, not a failure.
 */
async function check(file: string, model: string, adapter: string | undefined, dtype: 'f32' | 'f16'): Promise<void> {
  const { LlamaCppGenerator } = await import('../../backends/llamacpp.js');
  const generator = await LlamaCppGenerator.open({ modelPath: file, concurrency: 1, gpu: false });
  let theirs: string;
  try {
    const result = await generator.generate('', CHECK_DECODING);
    if (!result.ok) throw new W2sError(`llama.cpp loaded the file but could not generate: ${result.message}`, { file }, EXIT_FAILURE);
    theirs = result.output;
  } finally {
    await generator.close();
  }
  const [ours] = await generateTexts(loadModel({ checkpoint: model, ...(adapter !== undefined ? { adapter } : {}) }), [''], CHECK_DECODING);
  if (theirs === ours) {
    process.stdout.write(`check: llama.cpp runs the file and writes what the built-in engine writes (${JSON.stringify(theirs)})\n`);
    return;
  }
  const message = `llama.cpp writes ${JSON.stringify(theirs)}, the built-in engine ${JSON.stringify(ours)}`;
  if (dtype === 'f16') process.stderr.write(`warning: check: ${message} (f16 weights round some choices)\n`);
  else throw new W2sError(`check failed: ${message}`, { file }, EXIT_FAILURE);
}
