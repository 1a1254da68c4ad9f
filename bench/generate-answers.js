// Writes a synthetic answers file (docs/contracts.md) for the `w2s score` benchmark: N = 5 variants per question,
// answers agreeing to a varying degree, a gold answer, prompts of a chosen length. Deterministic.
import { openSync, writeSync, closeSync, fsyncSync } from 'node:fs';

/** Write `rows` answer lines (rows / 5 questions) to `file`; `promptChars` sets the size of the raw text. */
export function generateAnswers(file, rows, promptChars = 60) {
  const fd = openSync(file, 'w');
  const options = ['red', 'green', 'blue', 'yellow'];
  const filler = 'x'.repeat(Math.max(0, promptChars - 20));
  let chunk = '';
  let state = 12345;
  const rand = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  const questions = Math.floor(rows / 5);
  for (let q = 0; q < questions; q++) {
    const gold = options[q % 4];
    const skill = rand();
    for (let v = 0; v < 5; v++) {
      const answer = rand() < skill ? gold : rand() < 0.05 ? null : options[Math.floor(rand() * 4)];
      const letter = answer === null ? '?' : 'ABCD'[options.indexOf(answer)];
      chunk += `{"id":"q${q}","variant":${v},"prompt":"Question ${q} ${filler} (${v})","output":"${letter}. ${answer ?? 'unsure'}","answer":${answer === null ? 'null' : `"${answer}"`},"gold":"${gold}"}\n`;
    }
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  // On disk before anything is measured: its write-back would otherwise compete with the measured run.
  fsyncSync(fd);
  closeSync(fd);
}
