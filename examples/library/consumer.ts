// w2s as a library, from TypeScript: the reliability of one question's weak answers, then the whole scorer over
// answer records streamed from a file (here the package's example answers).
import { createReadStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { answerDistribution, entropy, pgr, reliabilityOf, score, type AnswerInput } from 'w2s';
import { getTask } from 'w2s/tasks';

// Five prompt variations of one question answered B, B, B, C and something unparseable (null): Eq. 2-4.
const dist = answerDistribution(['B', 'B', 'B', 'C', null]);
console.log(`entropy ${entropy(dist).toFixed(3)}, S_prob(B) ${reliabilityOf(dist, 'B').toFixed(3)}`);

// A task's parser reads a raw output against the options the variation showed.
const mmlu = getTask('mmlu');
const shown = { prompt: 'What share ...? A. 10%. B. 20%. C. 35%. D. 50%.', choices: ['10%', '20%', '35%', '50%'] };
console.log(`parsed: ${mmlu.parseAnswer('Answer: C', shown)}`);

// Any async iterable of answer records can be scored; the summary is what `w2s score` prints and writes.
async function* records(file: string): AsyncGenerator<AnswerInput> {
  for await (const line of createInterface({ input: createReadStream(file) })) if (line.trim() !== '') yield JSON.parse(line) as AnswerInput;
}
const example = fileURLToPath(new URL('examples/answers.jsonl', import.meta.resolve('w2s/package.json')));
const out = join(mkdtempSync(join(tmpdir(), 'w2s-consumer-')), 'score');
const summary = await score(records(example), { out, task: mmlu });
console.log(`${summary.questions} questions, tau ${summary.tau.toFixed(3)}: kept ${summary.kept_questions}, dropped ${summary.dropped_questions}`);
console.log(`AUROC(-entropy) ${summary.gold?.auroc_entropy?.toFixed(3) ?? 'n/a'}; SFT rows of filter: ${summary.sft_rows.filter ?? 0}`);

const gap = pgr(0.62, 0.7, 0.8);
console.log(`PGR ${gap.defined ? gap.value.toFixed(3) : gap.reason}`);
