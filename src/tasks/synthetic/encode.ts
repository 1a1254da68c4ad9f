// Token sequences of the suite's texts, in the one layout pretraining and SFT share: bos, prompt, completion, eos.
import type { ClmExample } from '../../engine/loss.js';
import type { HfTokenizer } from '../../engine/tokenizer.js';

/** A prompt/completion pair with its weight (1 for pretraining and ground-truth SFT). */
export interface TextExample {
  prompt: string;
  completion: string;
  weight?: number;
}

/**
 * Encodes pairs as `<s> prompt completion </s>`; the loss covers the completion and the eos (Eq. 1). An empty prompt
 * makes every token after bos a target, which is plain causal-LM pretraining.
 */
export async function encodeExamples(tokenizer: HfTokenizer, examples: readonly TextExample[]): Promise<ClmExample[]> {
  const bos = tokenizer.bosId;
  const eos = tokenizer.eosId;
  if (bos === null || eos === null) throw new Error('the suite tokenizer needs bos and eos tokens');
  const prompts = await tokenizer.encodeBatch(examples.map((e) => e.prompt));
  const completions = await tokenizer.encodeBatch(examples.map((e) => e.completion));
  return examples.map((e, i) => {
    const prompt = prompts[i] as number[];
    const ids = [bos, ...prompt, ...(completions[i] as number[]), eos];
    return { ids, promptLength: prompt.length === 0 ? 0 : 1 + prompt.length, weight: e.weight ?? 1 };
  });
}

/** Encodes prompts for generation: `<s> prompt`, the same prefix the training examples have. */
export async function encodePrompts(tokenizer: HfTokenizer, prompts: readonly string[]): Promise<number[][]> {
  const bos = tokenizer.bosId;
  if (bos === null) throw new Error('the suite tokenizer needs a bos token');
  return (await tokenizer.encodeBatch([...prompts])).map((ids) => [bos, ...ids]);
}
