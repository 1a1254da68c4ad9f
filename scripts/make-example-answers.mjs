#!/usr/bin/env node
// Regenerates examples/answers.jsonl: the MMLU fixture questions (validation + test excerpts) asked under 5 option
// orders, answered by a SIMULATED weak supervisor (seeded): it knows each question with some probability and
// otherwise falls back on a position, the way a weak LLM guesses. The outputs are written as models write them
// ("B. <option>", "(C)", "Answer: A", or no letter at all), without an `answer` field, so that
// `w2s score --task mmlu` parses them. Run after `npm run build`.
import { writeFileSync } from 'node:fs';
import { Rng } from '../dist/core/rng.js';
import { loadRecords } from '../dist/datasets/records.js';
import { getTask } from '../dist/tasks/registry.js';

const task = getTask('mmlu');
const rng = new Rng(2024);
const lines = [];
for (const file of ['fixtures/mmlu/hf/all/validation.jsonl', 'fixtures/mmlu/hf/all/test.jsonl']) {
  const { records } = await loadRecords(task, file);
  for (const record of records) {
    const knows = rng.next() < 0.55;
    for (const variation of task.variations(record, 5, rng)) {
      const choices = variation.choices;
      let index = choices.indexOf(record.gold);
      if (!knows || rng.next() < 0.1) index = rng.next() < 0.6 ? 0 : rng.int(choices.length); // position fallback
      const letter = 'ABCD'[index];
      const style = rng.int(10);
      const output =
        style === 0 ? `(${letter})` : style === 1 ? `Answer: ${letter}` : style === 2 ? 'I am not sure about this one.' : `${letter}. ${choices[index]}`;
      lines.push(JSON.stringify({ id: record.id, variant: variation.variant, prompt: variation.prompt, output, choices, gold: record.gold }));
    }
  }
}
writeFileSync('examples/answers.jsonl', lines.join('\n') + '\n');
console.log(`wrote examples/answers.jsonl: ${lines.length} lines`);
