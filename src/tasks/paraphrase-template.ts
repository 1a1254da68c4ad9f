// Built-in paraphrases for generation tasks (docs/method.md Sec. 4.1 uses an LLM; these rule-based rewrites stand in until
// the LLM backends exist). Every rewrite keeps the question's words and numbers as they are and only frames them
// differently: a lead-in sentence, and, where it is safe, the asked question moved before or after its facts.
import type { Rng } from '../core/rng.js';
import type { ParaphraseProvider } from '../core/variations.js';

const LEAD_INS = [
  'Solve the following problem.',
  'Here is a math word problem.',
  'Read the problem below and answer it.',
  'Word problem:',
  'Please work out the answer to this question.',
  'A grade-school math question follows.',
  'Consider the following situation.',
  'Try this problem.',
] as const;

// Abbreviations whose full stop would be mistaken for the end of a sentence; questions containing one are not
// reordered, since their sentences cannot be told apart safely.
const ABBREVIATION = /\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Mt|vs|etc|approx|No|i\.e|e\.g|a\.m|p\.m)\.|\b[A-Z]\.[A-Z]\./;

/**
 * Up to `n` distinct rewrites of `question`, none equal to it, chosen with `rng` from the rewrites this question
 * admits; throws when it admits fewer than `n`.
 */
export function templateParaphrases(question: string, n: number, rng: Rng): string[] {
  const original = question.trim();
  const candidates = [...new Set(rewrites(original))].filter((text) => text !== original && text !== '');
  if (!Number.isInteger(n) || n < 0 || n > candidates.length) {
    throw new RangeError(`template paraphrases: ${candidates.length} distinct rewrites of this question exist, ${n} asked`);
  }
  return rng.shuffle(candidates).slice(0, n);
}

/** The template paraphrase provider: deterministic given the rng, no network. */
export const templateParaphraser: ParaphraseProvider = {
  name: 'template',
  paraphrase: (question, n, rng) => Promise.resolve(templateParaphrases(question, n, rng)),
};

function rewrites(question: string): string[] {
  const framings = [question, ...reorderings(question)];
  return [
    ...framings.slice(1),
    ...framings.flatMap((framing) => LEAD_INS.map((lead) => `${lead} ${framing}`)),
  ];
}

// The question moved first ("How many ...? Facts.") and the facts followed by "The question is: ...", when the
// text is facts followed by one closing question and holds nothing that makes its sentences ambiguous.
function reorderings(question: string): string[] {
  if (ABBREVIATION.test(question)) return [];
  const sentences = question.split(/(?<=[.!?])\s+(?=["'A-Z0-9$])/);
  const asked = sentences[sentences.length - 1];
  const facts = sentences.slice(0, -1);
  if (asked === undefined || facts.length === 0 || !asked.endsWith('?')) return [];
  if (facts.some((sentence) => sentence.includes('?'))) return [];
  const factText = facts.join(' ');
  return [`${asked} ${factText}`, `${factText} The question is: ${asked}`];
}
