// Paraphrase variations from a language model (docs/method.md Sec. 4.1: for generation tasks an LLM rewrites the question
// N times keeping its meaning). One request asks for all the rewrites as a numbered list; the list is checked (non-empty,
// distinct from each other and from the question, every number of the question kept) and asked again, with another
// sampling seed, until N good rewrites are found or the attempts run out. The requests go through whatever `complete`
// is given, which in the pipeline is the request store: paraphrases are cached like every other generation.
import type { Rng } from '../core/rng.js';
import type { ParaphraseProvider } from '../core/variations.js';
import type { Complete, Decoding, FailureReason } from '../backends/types.js';

export interface LlmParaphraserOptions {
  complete: Complete;
  /** Provider name (answers and messages say where paraphrases came from); default `llm`. */
  name?: string;
  /** Decoding of the rewrite requests; default temperature 0.7 (distinct samples on a retry), 1024 tokens, no stop. */
  decoding?: Partial<Decoding>;
  /** Requests per question before giving up (default 4). */
  maxAttempts?: number;
  /** Reject a rewrite that drops a number of the question (default true: a math question with a number changed is another question). */
  keepNumbers?: boolean;
  /** Stops pending requests. */
  signal?: AbortSignal;
}

/** No N good paraphrases could be had for a question; `reason` is the request's failure reason, or `paraphrase`. */
export class ParaphraseError extends Error {
  constructor(
    message: string,
    readonly reason: FailureReason | 'paraphrase',
    readonly fatal = false,
  ) {
    super(message);
    this.name = 'ParaphraseError';
  }
}

const DEFAULT_PARAPHRASE_DECODING: Decoding = { temperature: 0.7, maxTokens: 1024, stop: [] };

/** Our rewrite prompt: N rewrites of a math word problem, numbered one per line, nothing else. */
export function rewritePrompt(question: string, n: number): string {
  return (
    `Rewrite the following math word problem in ${n} different ways. Each rewrite must ask exactly the same ` +
    'question with the same numbers and facts, so that its answer is the same, and must read as a complete problem ' +
    `on its own. Write each rewrite on a single line, numbered 1. to ${n}., and write nothing else.\n\n` +
    `Problem: ${question.replace(/\s*\n\s*/g, ' ')}\n\nRewrites:\n`
  );
}

// "1. text", "2) text", "Rewrite 3: text", "- text".
const LIST_ITEM = /^\s*(?:(?:rewrite\s*)?\d+\s*[.):]|[-*\u2022])\s*(.*)$/i;

/** The items of a numbered (or bulleted) list in a model output, unquoted and trimmed. */
export function parseParaphrases(output: string): string[] {
  const items: string[] = [];
  for (const line of output.split(/\r?\n/)) {
    const match = LIST_ITEM.exec(line);
    if (!match) continue;
    const text = (match[1] ?? '').trim().replace(/^"(.*)"$/, '$1').trim();
    if (text !== '') items.push(text);
  }
  return items;
}

/** The numbers a text mentions, without thousands commas ("1,200" and "1200" are one number). */
export function numbersIn(text: string): Set<string> {
  return new Set([...text.matchAll(/\d[\d,]*(?:\.\d+)?/g)].map((m) => m[0].replace(/,/g, '')));
}

// Two rewrites that differ only in case, spacing or final punctuation are the same rewrite.
function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').replace(/[\s.?!]+$/, '').trim();
}

/** A {@link ParaphraseProvider} that asks a language model through `complete`. */
export function llmParaphraser(options: LlmParaphraserOptions): ParaphraseProvider {
  const decoding: Decoding = { ...DEFAULT_PARAPHRASE_DECODING, ...options.decoding };
  const maxAttempts = options.maxAttempts ?? 4;
  const keepNumbers = options.keepNumbers ?? true;
  return {
    name: options.name ?? 'llm',
    async paraphrase(question: string, n: number, rng: Rng): Promise<string[]> {
      if (n === 0) return [];
      // Attempt k samples with seed + k: a new sample on each attempt, the same ones on a rerun (the store has them).
      const seed = rng.nextUint32();
      const required = keepNumbers ? numbersIn(question) : new Set<string>();
      const seen = new Set([normalise(question)]);
      const found: string[] = [];
      let rejected = 0;
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const result = await options.complete(rewritePrompt(question, n), { ...decoding, seed: (seed + attempt) >>> 0 }, options.signal);
        if (!result.ok) throw new ParaphraseError(`the rewrite request failed: ${result.message}`, result.reason, result.fatal);
        for (const text of parseParaphrases(result.output)) {
          const key = normalise(text);
          const numbers = numbersIn(text);
          if (key === '' || seen.has(key) || [...required].some((x) => !numbers.has(x))) {
            rejected++;
            continue;
          }
          seen.add(key);
          found.push(text);
          if (found.length === n) return found;
        }
      }
      throw new ParaphraseError(
        `${found.length} of ${n} usable paraphrases after ${maxAttempts} requests (${rejected} rewrites rejected as empty, repeated or changing a number)`,
        'paraphrase',
      );
    },
  };
}
