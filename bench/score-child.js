// One measured `w2s score` (or baseline) run in its own process, so that its peak memory is its own.
// Usage: node bench/score-child.js score|parse-baseline INPUT OUT
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { score } from '../dist/score/score.js';
import { readLines } from '../dist/io/lines.js';
import { nativeAnswerScan } from '../dist/io/native-answer-scan.js';
import { IoThread } from '../dist/io/io-thread.js';

const [mode, input, out] = process.argv.slice(2);
const start = performance.now();
let rows = 0;
if (mode === 'score') {
  rows = (await score({ input, out, temperature: 0.2, tauPercentile: 50, seed: 0, completion: 'output' })).rows;
} else {
  // The floor of any two-pass reader of the contract: read and JSON.parse every line, twice, doing nothing else.
  for (let pass = 0; pass < 2; pass++) {
    rows = 0;
    for (const { text } of readLines(input)) {
      JSON.parse(text);
      rows++;
    }
  }
}
const seconds = (performance.now() - start) / 1000;
const outputMiB = mode === 'score' ? readdirSync(out).reduce((sum, f) => sum + statSync(join(out, f)).size, 0) / 2 ** 20 : 0;
// Whether the native line scanner and the I/O thread were there to use (the addon is built at install).
const native = { scanner: nativeAnswerScan() !== null, ioThread: IoThread.available() };
process.stdout.write(JSON.stringify({ rows, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, outputMiB, native }) + '\n');
