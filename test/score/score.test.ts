import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { W2sError } from '../../src/errors.js';
import { reliabilityScores } from '../../src/core/reliability.js';
import { DEFAULT_SELECTION_OPTIONS, SELECTION_METHODS, selectRows, summarizeQuestions, type SelectionMethod, type SelectionOptions } from '../../src/core/selection.js';
import type { AnswerRecord } from '../../src/core/types.js';
import { score, type ScoreOptions } from '../../src/score/score.js';
import { getTask } from '../../src/tasks/registry.js';
import { extraFields, lineStyle, text, writeLine, type LineStyle } from '../io/answers-arbitrary.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'w2s-score-'));
}

function jsonl(rows: readonly unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

function readJsonl(file: string): unknown[] {
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** 40 questions x 5 variants with a spread of agreement; answers interleaved across questions (not grouped). */
function answers(): AnswerRecord[] {
  const rows: AnswerRecord[] = [];
  for (let v = 0; v < 5; v++) {
    for (let q = 0; q < 40; q++) {
      const agree = q % 5; // how many variants after the first disagree
      const answer = v > 0 && v <= agree ? (q % 7 === 0 && v === 1 ? null : `opt${v}`) : 'opt0';
      rows.push({ id: `q${q}`, variant: v, prompt: `P${q}.${v}`, output: `${answer ?? '???'} because`, answer, gold: q % 3 === 0 ? 'opt1' : 'opt0' });
    }
  }
  return rows;
}

const options = { ...DEFAULT_SELECTION_OPTIONS, seed: 3 };

describe('w2s score pipeline', () => {
  it('writes reliability, SFT sets and a summary equal to the in-memory selection', async () => {
    const dir = tmp();
    const input = join(dir, 'answers.jsonl');
    const rows = answers();
    writeFileSync(input, jsonl(rows));
    const out = join(dir, 'out');
    const methods = ['naive', 'filter', 'filter-s', 'reweight', 'reweight-s', 'ceiling', 'majority', 'random', 'consistent', 'filter-reweight'] as const;
    const summary = await score({ ...options, input, out, methods });

    const expected = selectRows(rows, methods, options);
    for (const m of methods) expect(readJsonl(join(out, `sft-${m}.jsonl`))).toEqual(expected.rows.get(m));
    expect(summary.tau).toBe(expected.plan.tau);
    expect(summary.questions).toBe(40);
    expect(summary.rows).toBe(200);

    const reliability = readJsonl(join(out, 'reliability.jsonl')) as Array<{ id: string; n: number; entropy: number; kept: boolean; distribution: Array<{ answer: string | null; count: number }> }>;
    expect(reliability).toHaveLength(40);
    const q0 = reliability.find((r) => r.id === 'q0');
    expect(q0).toMatchObject({ n: 5, entropy: 0, kept: true });
    expect(q0?.distribution).toEqual([{ answer: 'opt0', count: 5, p: 1, reliability: 1 }]);
    expect(reliability.filter((r) => r.kept).length).toBe(summary.kept_questions);

    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(summary);
    expect(summary.gold?.questions_with_gold).toBe(40);
    expect(readdirSync(out).sort()).toEqual(['explore.html', 'reliability.jsonl', 'summary.json', ...methods.map((m) => `sft-${m}.jsonl`)].sort());
  });

  it('reports weak-label accuracy of kept vs dropped questions and AUROC', async () => {
    const dir = tmp();
    const input = join(dir, 'answers.jsonl');
    // Agreeing questions are right, disagreeing ones wrong: the entropy signal is perfect.
    const rows: AnswerRecord[] = [];
    for (let q = 0; q < 10; q++) {
      for (let v = 0; v < 5; v++) {
        const answer = q < 5 ? 'yes' : `no${v}`;
        rows.push({ id: `q${q}`, variant: v, prompt: 'p', output: answer, answer, gold: q < 5 ? 'yes' : 'no0' });
      }
    }
    writeFileSync(input, jsonl(rows));
    const summary = await score({ ...options, input, out: join(dir, 'out') });
    expect(summary.gold?.variant0_accuracy).toEqual({ all: 1, kept: 1, dropped: 1 });
    expect(summary.gold?.row_accuracy).toEqual({ all: 0.6, kept: 1, dropped: 0.2 });
    // 25 right rows at S_prob 1; 5 right and 20 wrong rows tie at 0.2: (25 * 20 + 5 * 20 / 2) / (30 * 20).
    expect(summary.gold?.auroc_reliability).toBeCloseTo(550 / 600, 12);
    expect(summary.gold?.auroc_entropy).toBeNull(); // every original-prompt answer is right: no negatives
    expect(summary.sft_rows).toEqual({ naive: 10, 'filter-s': 10, filter: 25, 'reweight-s': 10, reweight: 50, ceiling: 10 });
  });

  it('derives missing answers with a parser', async () => {
    const dir = tmp();
    const input = join(dir, 'answers.jsonl');
    writeFileSync(input, jsonl([
      { id: 'a', variant: 0, prompt: 'p', output: 'X is it' },
      { id: 'a', variant: 1, prompt: 'p', output: 'X again' },
      { id: 'b', variant: 0, prompt: 'p', output: '??' },
    ]));
    await score({ ...options, input, out: join(dir, 'out'), parseAnswer: (row) => (row.output.startsWith('X') ? 'X' : null) });
    const rel = readJsonl(join(dir, 'out', 'reliability.jsonl')) as Array<{ id: string; distribution: unknown }>;
    expect(rel.find((r) => r.id === 'b')?.distribution).toEqual([{ answer: null, count: 1, p: 1, reliability: 1 }]);
    expect(readJsonl(join(dir, 'out', 'sft-naive.jsonl'))).toEqual([{ id: 'a', prompt: 'p', completion: 'X is it', weight: 1 }]);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', '{"id": "a", "variant": 0,', /line 2: not valid JSON/],
    ['missing field', '{"id": "a", "variant": 1, "prompt": "p", "answer": "x"}', /line 2, field "output": expected a string, missing/],
    ['wrong type', '{"id": "a", "variant": "1", "prompt": "p", "output": "o", "answer": "x"}', /line 2, field "variant": expected a non-negative integer/],
    ['duplicate (id, variant)', '{"id": "a", "variant": 0, "prompt": "p", "output": "o", "answer": "x"}', /line 2, field "variant": duplicate \(id, variant\)/],
    ['missing answer without a task', '{"id": "a", "variant": 1, "prompt": "p", "output": "o"}', /line 2, field "answer": missing \(pass --task/],
    ['two gold answers', '{"id": "a", "variant": 1, "prompt": "p", "output": "o", "answer": "x", "gold": "z"}', /line 2, field "gold": question "a" has two different gold/],
  ];
  it.each(bad)('rejects %s with file, line and field, leaving nothing behind', async (_case, secondLine, message) => {
    const dir = tmp();
    const input = join(dir, 'answers.jsonl');
    writeFileSync(input, `{"id": "a", "variant": 0, "prompt": "p", "output": "o", "answer": "x", "gold": "y"}\n${secondLine}\n`);
    const out = join(dir, 'out');
    let error: unknown;
    try {
      await score({ ...options, input, out });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(W2sError);
    expect((error as W2sError).exitCode).toBe(2);
    expect((error as Error).message).toContain(input);
    expect((error as Error).message).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    ['with the native scanner', undefined],
    ['without native code', 'portable'],
  ])('refuses a line that is not UTF-8 (%s), naming file and line: ids differing in invalid bytes are not merged', async (_path, kernels) => {
    const dir = tmp();
    const input = join(dir, 'answers.jsonl');
    const line = (id: Buffer, variant: number): Buffer =>
      Buffer.concat([Buffer.from('{"id":"bad'), id, Buffer.from(`","variant":${variant},"prompt":"p","output":"o","answer":"x"}\n`)]);
    writeFileSync(input, Buffer.concat([Buffer.from('{"id":"a","variant":0,"prompt":"p","output":"o","answer":"x"}\n'), line(Buffer.from([0xff]), 0), line(Buffer.from([0xfe]), 0)]));
    const out = join(dir, 'out');
    const before = process.env.W2S_KERNELS;
    if (kernels === undefined) delete process.env.W2S_KERNELS;
    else process.env.W2S_KERNELS = kernels;
    let error: unknown;
    try {
      await score({ ...options, input, out });
    } catch (e) {
      error = e;
    } finally {
      if (before === undefined) delete process.env.W2S_KERNELS;
      else process.env.W2S_KERNELS = before;
    }
    expect(error).toBeInstanceOf(W2sError);
    expect((error as W2sError).exitCode).toBe(2);
    expect((error as Error).message).toContain(`${input}, line 2`);
    expect((error as Error).message).toMatch(/not valid UTF-8/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects an empty file and keeps an existing output folder untouched on error', async () => {
    const dir = tmp();
    const input = join(dir, 'empty.jsonl');
    writeFileSync(input, '\n\n');
    const out = join(dir, 'out');
    writeFileSync(join(dir, 'keep'), '');
    await expect(score({ ...options, input, out })).rejects.toThrow(/the file is empty/);
    expect(existsSync(out)).toBe(false);
  });
});

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** The configurations the fixtures' expected outputs were written with (see fixtures/score/README.md). */
const mmlu = getTask('mmlu');
const configurations: Array<[string, string, Partial<ScoreOptions>]> = [
  ['paper', 'answers.jsonl', { seed: 0 }],
  ['all-methods', 'answers.jsonl', { seed: 3, methods: SELECTION_METHODS }],
  ['answer-completion', 'answers.jsonl', { temperature: 0.5, tauPercentile: 30, seed: 11, completion: 'answer', methods: SELECTION_METHODS }],
  [
    'mmlu-task',
    'answers-mmlu.jsonl',
    { seed: 5, methods: SELECTION_METHODS, parseAnswer: (row) => mmlu.parseAnswer(row.output, row), render: (answer, row) => mmlu.renderAnswer(answer, row) },
  ],
];

/** Ways to run the same configuration: the I/O thread or not; the native line scanner or not. */
const paths: Array<[string, boolean, string | undefined]> = [
  ['written from a second thread', true, undefined],
  ['written in place', false, undefined],
  ['without native code', true, 'portable'],
];
const cases = configurations.flatMap(([name, file, config]) => paths.map(([path, ioThread, kernels]) => [name, path, file, config, ioThread, kernels] as const));

describe('w2s score output, byte for byte', () => {
  it.each(cases)('writes the expected files for the fixture (%s, %s)', async (name, _path, file, config, ioThread, kernels) => {
    const input = join(FIXTURES, file);
    const out = join(tmp(), 'out');
    const before = process.env.W2S_KERNELS;
    if (kernels === undefined) delete process.env.W2S_KERNELS;
    else process.env.W2S_KERNELS = kernels;
    try {
      await score({ ...DEFAULT_SELECTION_OPTIONS, ...config, input, out, ioThread });
    } finally {
      if (before === undefined) delete process.env.W2S_KERNELS;
      else process.env.W2S_KERNELS = before;
    }
    const expectedDir = join(FIXTURES, 'expected', name);
    // explore.html (the page, with its script) is checked in test/report/explore.test.ts; the rest byte for byte.
    expect(readdirSync(out).sort()).toEqual(['explore.html', ...readdirSync(expectedDir)].sort());
    for (const f of readdirSync(expectedDir)) {
      let actual = readFileSync(join(out, f));
      // summary.json names the input as it was given: the expected one was written from the fixtures folder.
      if (f === 'summary.json') actual = Buffer.from(actual.toString('utf8').replace(JSON.stringify(input), JSON.stringify(file)));
      expect(actual.equals(readFileSync(join(expectedDir, f))), `${name}/${f}`).toBe(true);
    }
  });
});

/** What the in-memory selection (core/selection.ts) makes of the same rows: every output file's bytes. */
function referenceOutputs(rows: AnswerRecord[], methods: readonly SelectionMethod[], options: SelectionOptions): Map<string, string> {
  const { plan, rows: sft } = selectRows(rows, methods, options);
  const lines = (items: unknown[]): string => items.map((item) => `${JSON.stringify(item)}\n`).join('');
  const reliability = summarizeQuestions(rows).map((s) => {
    const scores = reliabilityScores(s.dist, options.temperature);
    const distribution = s.dist.classes.map((c, i) => ({ answer: c.answer, count: c.count, p: c.count / s.dist.n, reliability: scores[i] }));
    return { id: s.id, n: s.dist.n, distribution, entropy: s.entropy, kept: plan.questions.get(s.id)?.kept ?? false };
  });
  return new Map([['reliability.jsonl', lines(reliability)], ...methods.map((m): [string, string] => [`sft-${m}.jsonl`, lines(sft.get(m) ?? [])])]);
}

/** Questions with unique ids, their variants, answers from a small pool (null included) and consistent gold answers. */
const answerFile = fc
  .uniqueArray(text(5).filter((id) => id !== ''), { minLength: 1, maxLength: 10 })
  .chain((ids) =>
    fc.tuple(
      ...ids.map((id) =>
        fc.record({
          id: fc.constant(id),
          variants: fc.uniqueArray(fc.oneof(fc.nat(6), fc.nat(40)), { minLength: 1, maxLength: 6 }),
          gold: fc.option(fc.constantFrom('A', 'b', 'é', 'x"y')),
          answers: fc.array(fc.option(fc.constantFrom('A', 'b', 'é', 'x"y', '\\n', '\ud800'), { freq: 4 }), { minLength: 6, maxLength: 6 }),
          texts: fc.array(text(8), { minLength: 12, maxLength: 12 }),
          goldOnRow: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        }),
      ),
    ),
  );

describe('w2s score against the in-memory selection', () => {
  it('writes what the in-memory selection gives, for any rows written in any JSON form and any order', async () => {
    await fc.assert(
      fc.asyncProperty(
        answerFile,
        fc.array(lineStyle, { minLength: 1, maxLength: 8 }),
        fc.array(extraFields, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.record({ seed: fc.nat(100), temperature: fc.constantFrom(0.2, 1), tauPercentile: fc.constantFrom(0, 30, 50, 100), completion: fc.constantFrom('output' as const, 'answer' as const) }),
        fc.boolean(),
        async (questions, styles, extras, order, settings, ioThread) => {
          const rows: Array<{ record: AnswerRecord; line: string }> = [];
          for (const q of questions) {
            q.variants.forEach((variant, k) => {
              const record: AnswerRecord = { id: q.id, variant, prompt: q.texts[2 * k] as string, output: q.texts[2 * k + 1] as string, answer: q.answers[k] as string | null };
              if (q.goldOnRow[k] && q.gold !== null) record.gold = q.gold;
              const i = rows.length;
              const line = writeLine({ ...record, extra: extras[i % extras.length] }, styles[i % styles.length] as LineStyle);
              rows.push({ record, line });
            });
          }
          // Interleave the questions: a seeded shuffle of the rows.
          let state = order;
          for (let i = rows.length - 1; i > 0; i--) {
            state = (Math.imul(state, 1103515245) + 12345) >>> 0;
            const j = state % (i + 1);
            [rows[i], rows[j]] = [rows[j] as (typeof rows)[number], rows[i] as (typeof rows)[number]];
          }
          const dir = tmp();
          const input = join(dir, 'answers.jsonl');
          writeFileSync(input, rows.map((r, i) => r.line + (i % 3 === 1 ? '\r\n' : '\n') + (i % 5 === 2 ? '\n' : '')).join(''));
          const records = rows.map((r) => r.record);
          const methods = SELECTION_METHODS.filter((m) => m !== 'ceiling' || records.some((r) => typeof r.gold === 'string'));
          const options = { ...DEFAULT_SELECTION_OPTIONS, ...settings };
          const out = join(dir, 'out');
          const summary = await score({ ...options, input, out, methods, ioThread });
          for (const [file, bytes] of referenceOutputs(records, methods, options)) expect(readFileSync(join(out, file), 'utf8'), file).toBe(bytes);
          const { plan } = selectRows(records, methods, options);
          expect(summary.tau).toBe(plan.tau);
          expect(summary.kept_questions).toBe(plan.counts.kept);
          expect(summary.rows).toBe(records.length);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('w2s score with lines longer than its read buffer', () => {
  it.each([false, true])('writes what the in-memory selection gives (I/O thread %s)', async (ioThread) => {
    const rows = answers().slice(0, 60);
    (rows[7] as AnswerRecord).prompt = 'p'.repeat(9 << 20);
    (rows[30] as AnswerRecord).output = `${'é'.repeat(3 << 20)} opt0`;
    const dir = tmp();
    const input = join(dir, 'answers.jsonl');
    writeFileSync(input, jsonl(rows));
    const out = join(dir, 'out');
    const methods = ['naive', 'filter', 'reweight', 'ceiling'] as const;
    await score({ ...options, input, out, methods, ioThread });
    for (const [file, bytes] of referenceOutputs(rows, methods, options)) expect(readFileSync(join(out, file), 'utf8') === bytes, file).toBe(true);
  });
});

describe('w2s score with a file of several read chunks', () => {
  /** 80,000 rows (about 9 MB: three 4 MiB read chunks), so each method's output also fills its 1 MiB buffer many times. */
  function bigFile(dir: string): { input: string; rows: AnswerRecord[] } {
    const rows: AnswerRecord[] = [];
    const texts = ['red', 'green', 'blue'];
    for (let r = 0; r < 80_000; r++) {
      const q = r >> 2;
      const answer = (q * 7 + r) % 5 === 0 ? null : (texts[(q % 3) + ((r & 3) === 3 ? 1 : 0)] ?? 'red');
      rows.push({ id: `question-${q}`, variant: r & 3, prompt: `Prompt ${r} ${'x'.repeat(40 + (r % 50))}`, output: `${answer ?? '?'}, said row ${r}`, answer, gold: texts[q % 3] as string });
    }
    const input = join(dir, 'answers.jsonl');
    writeFileSync(input, jsonl(rows));
    return { input, rows };
  }

  // Rows are copied in batches with the native addon: the batches must be written before an input chunk is replaced
  // by the next and before an output buffer is written out.
  it.each([
    ['written from a second thread', true, undefined],
    ['written in place', false, undefined],
    ['without native code', true, 'portable'],
  ] as const)('writes what the in-memory selection gives (%s)', async (_path, ioThread, kernels) => {
    const dir = tmp();
    const { input, rows } = bigFile(dir);
    const out = join(dir, 'out');
    const before = process.env.W2S_KERNELS;
    if (kernels === undefined) delete process.env.W2S_KERNELS;
    else process.env.W2S_KERNELS = kernels;
    try {
      await score({ ...options, input, out, methods: SELECTION_METHODS, ioThread });
    } finally {
      if (before === undefined) delete process.env.W2S_KERNELS;
      else process.env.W2S_KERNELS = before;
    }
    for (const [file, bytes] of referenceOutputs(rows, SELECTION_METHODS, options)) expect(readFileSync(join(out, file), 'utf8') === bytes, file).toBe(true);
  });

  // Past 8 MiB of distinct answer texts the answers are not copied for the native row copier; rows go piece by piece.
  it('writes what the in-memory selection gives when the answers are long free-form texts', async () => {
    const dir = tmp();
    const rows: AnswerRecord[] = [];
    for (let r = 0; r < 4_800; r++) {
      const answer = r % 7 === 0 ? `shared answer ${(r >> 2) % 3}` : `answer of row ${r}: ${'y'.repeat(2_500 + (r % 13))}`;
      rows.push({ id: `q${r >> 2}`, variant: r & 3, prompt: `Prompt ${r}`, output: answer, answer, gold: 'shared answer 0' });
    }
    const input = join(dir, 'answers.jsonl');
    writeFileSync(input, jsonl(rows));
    const out = join(dir, 'out');
    await score({ ...options, input, out, methods: SELECTION_METHODS });
    for (const [file, bytes] of referenceOutputs(rows, SELECTION_METHODS, options)) expect(readFileSync(join(out, file), 'utf8') === bytes, file).toBe(true);
  });
});

describe('w2s score stopped by its signal', () => {
  /** 20,000 rows: more than one look at the signal per pass. */
  function manyRows(dir: string): string {
    const input = join(dir, 'answers.jsonl');
    const rows: AnswerRecord[] = [];
    for (let r = 0; r < 20_000; r++) rows.push({ id: `q${r >> 2}`, variant: r & 3, prompt: `P${r}`, output: 'o', answer: r % 3 === 0 ? 'x' : 'y', gold: 'x' });
    writeFileSync(input, jsonl(rows));
    return input;
  }

  it.each([1, 2] as const)('leaves nothing behind when aborted in pass %i', async (abortIn) => {
    const dir = tmp();
    const input = manyRows(dir);
    const out = join(dir, 'out');
    const interrupt = new AbortController();
    const onProgress = (pass: 1 | 2, fraction: number): void => {
      if (pass === abortIn && fraction < 1) interrupt.abort();
    };
    await expect(score({ ...options, input, out, onProgress, signal: interrupt.signal })).rejects.toThrow(/aborted/);
    expect(existsSync(out)).toBe(false);
  });

  it('scores to the end when the signal is not aborted', async () => {
    const dir = tmp();
    const summary = await score({ ...options, input: manyRows(dir), out: join(dir, 'out'), signal: new AbortController().signal });
    expect(summary.rows).toBe(20_000);
  });
});

describe('w2s score bad input', () => {
  const good = '{"id":"a","variant":0,"prompt":"p","output":"o","answer":"x","gold":"y"}';
  const cases: Array<[string, string, RegExp]> = [
    ['a control character in a string', '{"id":"a","variant":1,"prompt":"p\u0001","output":"o","answer":"x"}', /line 2: not valid JSON/],
    ['a fractional variant', '{"id":"a","variant":1.5,"prompt":"p","output":"o","answer":"x"}', /line 2, field "variant": expected a non-negative integer, got 1.5/],
    ['a numeric answer', '{"id":"a","variant":1,"prompt":"p","output":"o","answer":3}', /line 2, field "answer": expected a string or null, got 3/],
    ['choices that are not strings', '{"id":"a","variant":1,"prompt":"p","output":"o","answer":"x","choices":["a",2]}', /line 2, field "choices": expected an array of strings/],
    ['the same variant under an id written differently', '{"id":"\\u0061","variant":0.0,"prompt":"p","output":"o","answer":"x"}', /line 2, field "variant": duplicate \(id, variant\) = \("a", 0\)/],
    ['a gold answer written differently but different', '{"id":"a","variant":1,"prompt":"p","output":"o","answer":"x","gold":"\\u0079 "}', /line 2, field "gold": question "a" has two different gold answers \("y" and "y "\)/],
  ];
  it.each(cases)('rejects %s on a line the scanner reads, with file, line and field', async (_case, line, message) => {
    const dir = tmp();
    const input = join(dir, 'answers.jsonl');
    writeFileSync(input, `${good}\n${line}\n`);
    const out = join(dir, 'out');
    await expect(score({ ...options, input, out })).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  });

  it.each([false, true])('stops, leaving nothing behind, when the file changes between the two passes (I/O thread %s)', async (ioThread) => {
    const dir = tmp();
    const input = join(dir, 'answers.jsonl');
    writeFileSync(input, `${good}\n`);
    const out = join(dir, 'out');
    const onProgress = (pass: 1 | 2, fraction: number): void => {
      if (pass === 1 && fraction === 1) appendFileSync(input, '{"id":"b","variant":0,"prompt":"p","output":"o","answer":"x"}\n');
    };
    await expect(score({ ...options, input, out, onProgress, ioThread })).rejects.toThrow(/line 2, field "id": the file changed while it was being scored/);
    expect(existsSync(out)).toBe(false);
  });
});
