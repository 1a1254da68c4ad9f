// w2s score under malformed input, generated: a valid answers file with one line broken in one of many ways, at any
// place. Every such file must be refused with exit code 2, a message naming the file and the broken line, and nothing
// written at --out. fast-check draws 80 files per run (the same ones every run: the seed is fixed).
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SELECTION_OPTIONS } from '../../src/core/selection.js';
import { W2sError } from '../../src/errors.js';
import { score } from '../../src/score/score.js';

/** A valid line: question `q<i % 5>`, variant `i / 5`, so no (id, variant) pair repeats. */
function validLine(i: number): Record<string, unknown> {
  return { id: `q${i % 5}`, variant: Math.floor(i / 5), prompt: `prompt ${i}`, output: `out ${i}`, answer: `a${i % 3}`, gold: `g${i % 5}` };
}

/** Ways to break line i (0-based) of a file whose lines are `lines`; each returns the broken line's text. */
const BREAKS: ReadonlyArray<[string, (line: Record<string, unknown>, i: number, lines: Record<string, unknown>[]) => string | undefined]> = [
  ['truncated JSON', (l) => JSON.stringify(l).slice(0, -3)],
  ['a JSON array', (l) => JSON.stringify([l])],
  ['a bare number', () => '42'],
  ['no id', ({ id: _id, ...rest }) => JSON.stringify(rest)],
  ['an empty id', (l) => JSON.stringify({ ...l, id: '' })],
  ['a numeric id', (l) => JSON.stringify({ ...l, id: 7 })],
  ['a string variant', (l) => JSON.stringify({ ...l, variant: '1' })],
  ['a negative variant', (l) => JSON.stringify({ ...l, variant: -1 })],
  ['a fractional variant', (l) => JSON.stringify({ ...l, variant: 1.5 })],
  ['no prompt', ({ prompt: _p, ...rest }) => JSON.stringify(rest)],
  ['a prompt that is not a string', (l) => JSON.stringify({ ...l, prompt: ['p'] })],
  ['no output', ({ output: _o, ...rest }) => JSON.stringify(rest)],
  ['a numeric answer', (l) => JSON.stringify({ ...l, answer: 3 })],
  ['a numeric gold', (l) => JSON.stringify({ ...l, gold: 3 })],
  ['choices that are not strings', (l) => JSON.stringify({ ...l, choices: [1, 2] })],
  ['no answer and no task', ({ answer: _a, ...rest }) => JSON.stringify(rest)],
  ['a repeated (id, variant)', (_l, i, lines) => (i === 0 ? undefined : JSON.stringify({ ...(lines[0] as object), prompt: 'again' }))],
  ['a byte-order mark', (l, i) => (i === 0 ? `\uFEFF${JSON.stringify(l)}` : undefined)],
];

describe('w2s score on malformed files (generated)', () => {
  it('refuses every one with exit 2, the file and the broken line, and writes nothing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'w2s-score-fuzz-'));
    let files = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 30 }), fc.nat(), fc.nat(BREAKS.length - 1), fc.boolean(), async (count, at, kind, crlf) => {
        const lines = Array.from({ length: count }, (_, i) => validLine(i));
        const index = at % count;
        const [name, breakLine] = BREAKS[kind] as (typeof BREAKS)[number];
        const broken = breakLine(lines[index] as Record<string, unknown>, index, lines);
        fc.pre(broken !== undefined);
        const texts = lines.map((l) => JSON.stringify(l));
        texts[index] = broken as string;
        const dir = join(root, String(files++));
        const input = join(mkdtempSync(`${dir}-`), 'answers.jsonl');
        writeFileSync(input, texts.join(crlf ? '\r\n' : '\n') + '\n');
        const out = join(dir, 'out');
        let error: unknown;
        try {
          await score({ ...DEFAULT_SELECTION_OPTIONS, input, out, ioThread: false });
        } catch (e) {
          error = e;
        }
        expect(error, name).toBeInstanceOf(W2sError);
        expect((error as W2sError).exitCode, name).toBe(2);
        expect((error as Error).message, name).toContain(input);
        expect((error as Error).message, name).toContain(`line ${index + 1}`);
        expect(existsSync(out), name).toBe(false);
      }),
      { numRuns: 80, seed: 20261207 },
    );
    expect(files).toBeGreaterThanOrEqual(50);
  });
});
