// Token sequences of SFT rows in the one layout every step shares (pretraining, SFT, generation; the Hugging Face
// sidecar's python/w2s_hf/tokens.py too): `<bos> prompt completion <eos>`, bos and eos when the tokenizer has them.
import type { SftRow } from '../core/types.js';
import type { ClmExample } from './loss.js';
import type { HfTokenizer } from './tokenizers/tokenizer.js';

/**
 * The bos and prompt are context, the completion and eos are what the loss sees (Eq. 1). An empty prompt makes every
 * token after bos a target: plain causal-LM pretraining.
 */
export async function sftExamples(tokenizer: HfTokenizer, rows: readonly Pick<SftRow, 'prompt' | 'completion' | 'weight'>[]): Promise<ClmExample[]> {
  const prompts = await promptIds(tokenizer, rows.map((r) => r.prompt));
  const completions = await tokenizer.encodeBatch(rows.map((r) => r.completion));
  const eos = tokenizer.eosId === null ? [] : [tokenizer.eosId];
  return rows.map((row, i) => {
    const prompt = prompts[i] as number[];
    return { ids: [...prompt, ...(completions[i] as number[]), ...eos], promptLength: prompt.length, weight: row.weight };
  });
}

/** Prompt token ids with the bos token first when the tokenizer has one: the same prefix training examples have. */
export async function promptIds(tokenizer: HfTokenizer, prompts: readonly string[]): Promise<number[][]> {
  const bos = tokenizer.bosId === null ? [] : [tokenizer.bosId];
  return (await tokenizer.encodeBatch([...prompts])).map((ids) => [...bos, ...ids]);
}
