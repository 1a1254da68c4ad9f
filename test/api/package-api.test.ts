// The library as users import it: every entry of package.json's `exports` map, loaded from the compiled dist/ (run
// `npm run build` first), its names present, documented in its .d.ts, and working on a tiny input.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainTinyLm, PROMPTS } from '../engine/tiny-lm.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | { types: string; default: string }> };
const entries = Object.entries(pkg.exports).filter((e): e is [string, { types: string; default: string }] => typeof e[1] === 'object');

/* eslint-disable @typescript-eslint/no-explicit-any -- the entries are loaded at run time, as a user's program would */
async function load(subpath: string): Promise<any> {
  const entry = pkg.exports[subpath] as { default: string };
  return import(pathToFileURL(join(ROOT, entry.default)).href);
}

const EXPECTED: Record<string, string[]> = {
  '.': ['answerDistribution', 'entropy', 'tau', 'reliabilityScores', 'reliabilityOf', 'selectRows', 'planSelection', 'SELECTION_METHODS', 'PAPER_METHODS', 'pgr', 'auroc', 'accuracy', 'riskCoverage', 'score', 'W2sError', 'VERSION', 'Rng'],
  './tasks': ['getTask', 'TASK_NAMES', 'mmluPrompt', 'mmluTask', 'gsm8kTask', 'parseOptionAnswer', 'parseFirstLineNumber', 'choosePermutations', 'questionVariations', 'loadSplitRecords'],
  './label': ['label', 'createGenerator', 'OpenAIGenerator', 'DEFAULT_DECODING', 'BACKEND_NAMES'],
  './engine': ['loadModel', 'trainSft', 'generateTexts', 'BuiltinGenerator', 'exportGguf', 'PAPER_LORA'],
  './report': ['writeReport', 'summaryTable', 'table1', 'table2', 'toMarkdown', 'toCsv', 'renderReportHtml', 'reportFigures'],
};

describe('package.json exports', () => {
  it('names the root and the tasks, label, engine and report subpaths, each with its compiled module and types', () => {
    expect(entries.map(([subpath]) => subpath).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [, entry] of entries) {
      expect(existsSync(join(ROOT, entry.default)), entry.default).toBe(true);
      expect(existsSync(join(ROOT, entry.types)), entry.types).toBe(true);
    }
  });

  it.each(Object.entries(EXPECTED))('%s exports its names', async (subpath, names) => {
    const module = await load(subpath);
    for (const name of names) expect(module[name], `${subpath} ${name}`).toBeDefined();
  });

  it('documents every exported name with a TSDoc comment in the .d.ts users see', () => {
    const files = entries.map(([, entry]) => join(ROOT, entry.types));
    const program = ts.createProgram(files, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: true, types: ['node'] });
    const checker = program.getTypeChecker();
    const undocumented: string[] = [];
    for (const file of files) {
      const source = program.getSourceFile(file);
      const moduleSymbol = source && checker.getSymbolAtLocation(source);
      expect(moduleSymbol, file).toBeDefined();
      const exported = checker.getExportsOfModule(moduleSymbol as ts.Symbol);
      expect(exported.length).toBeGreaterThan(3);
      for (const symbol of exported) {
        const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        if (ts.displayPartsToString(target.getDocumentationComment(checker)).trim() === '') undocumented.push(`${file.slice(ROOT.length + 1)}: ${symbol.name}`);
      }
    }
    expect(undocumented).toEqual([]);
  });
});

describe('the root: the pure core and the scorer', () => {
  it('computes the distribution, entropy, tau, S_prob, PGR and AUROC of tiny inputs', async () => {
    const w2s = await load('.');
    const dist = w2s.answerDistribution(['A', 'A', 'B', null]);
    expect(dist).toEqual({ n: 4, classes: [{ answer: 'A', count: 2 }, { answer: 'B', count: 1 }, { answer: null, count: 1 }] });
    // Eq. 3: -(0.5 ln 0.5 + 2 * 0.25 ln 0.25)
    expect(w2s.entropy(dist)).toBeCloseTo(1.0397208, 6);
    expect(w2s.tau([0, 1, 2], 50)).toBe(1);
    // Eq. 4: softmax over p/T of the classes: the majority class has the highest score, and the scores sum to 1.
    const scores: number[] = w2s.reliabilityScores(dist, 0.2);
    expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(scores[0]).toBeGreaterThan(scores[1]);
    expect(w2s.pgr(0.5, 0.6, 0.7)).toEqual({ defined: true, value: expect.closeTo(0.5, 12) });
    expect(w2s.pgr(0.7, 0.6, 0.7).defined).toBe(false);
    expect(w2s.auroc([0.9, 0.8, 0.1], [true, true, false])).toBe(1);
  });

  it('scores answer records (an async iterable) exactly as it scores the same lines in a file', async () => {
    const w2s = await load('.');
    const lines = readFileSync(join(ROOT, 'examples', 'answers.jsonl'), 'utf8').trim().split('\n');
    const records = lines.map((line) => JSON.parse(line));
    async function* produce(): AsyncGenerator<unknown> {
      for (const record of records) yield record;
    }
    const dir = mkdtempSync(join(tmpdir(), 'w2s-api-score-'));
    const fromRecords = await w2s.score(produce(), { out: join(dir, 'records'), task: 'mmlu' });
    const fromFile = await w2s.score(join(ROOT, 'examples', 'answers.jsonl'), { out: join(dir, 'file'), task: 'mmlu' });
    expect({ ...fromRecords, input: '' }).toEqual({ ...fromFile, input: '' });
    expect(fromRecords).toMatchObject({ input: 'answer records', questions: 41, rows: 205 });
    expect(fromRecords.gold.auroc_entropy).toBeGreaterThan(0.5);
    for (const file of ['reliability.jsonl', 'sft-filter.jsonl', 'sft-reweight.jsonl']) {
      expect(readFileSync(join(dir, 'records', file), 'utf8')).toBe(readFileSync(join(dir, 'file', file), 'utf8'));
    }
  });

  it('names the record and field of a bad record, and writes nothing', async () => {
    const w2s = await load('.');
    const dir = mkdtempSync(join(tmpdir(), 'w2s-api-bad-'));
    const records = [{ id: 'q', variant: 0, prompt: 'p', output: 'o', answer: 'a' }, { id: 'q', variant: 'one', prompt: 'p', output: 'o', answer: 'a' }];
    const error = await w2s.score(records, { out: join(dir, 'out') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(w2s.W2sError);
    expect(error.message).toMatch(/^answer records, line 2, field "variant"/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('the subpaths', () => {
  it('w2s/tasks: the App. B prompt, variations and parser of MMLU', async () => {
    const tasks = await load('./tasks');
    const mmlu = tasks.getTask('mmlu');
    const record = mmlu.fromRow({ question: 'What is 2 + 2?', subject: 'elementary_mathematics', choices: ['3', '4', '5', '6'], answer: 1 }, { file: 'x.jsonl', line: 1, format: 'jsonl', split: 'validation', index: 0, occurrence: () => 0 });
    expect(mmlu.prompt(record)).toBe(tasks.mmluPrompt('elementary_mathematics', 'What is 2 + 2?', ['3', '4', '5', '6']));
    const [variations] = await tasks.questionVariations(mmlu, [record], 5, 0);
    expect(variations).toHaveLength(5);
    expect(variations[0].prompt).toBe(mmlu.prompt(record));
    const shown: string[] = variations[1].choices;
    expect(mmlu.parseAnswer(`Answer: ${'ABCD'[shown.indexOf('4')]}`, variations[1])).toBe('4');
    expect(tasks.parseFirstLineNumber('The answer is 1,234.\nmore')).toBe('1234');
  });

  it('w2s/label: labels a split through a Generator object of the caller\'s, which it leaves open', async () => {
    const { label, DEFAULT_DECODING } = await load('./label');
    const asked: string[] = [];
    let closed = false;
    const generator = {
      identity: { backend: 'mine', model: 'always-b' },
      concurrency: 4,
      generate: async (prompt: string) => {
        asked.push(prompt);
        return { ok: true, output: 'Answer: B', finishReason: 'stop', retries: [] };
      },
      close: async () => {
        closed = true;
      },
    };
    const out = mkdtempSync(join(tmpdir(), 'w2s-api-label-'));
    const mmluVal = join(ROOT, 'fixtures', 'mmlu', 'hf', 'all', 'validation.jsonl');
    const summary = await label({ task: 'mmlu', split: 'val', source: { data: [mmluVal], cacheDir: out, seed: 0 }, limit: 3, out, backend: generator, decoding: DEFAULT_DECODING });
    expect(summary).toMatchObject({ backend: 'mine', model: 'always-b', questions: 3, complete_questions: 3, requests: 15, sent: 15 });
    expect(asked).toHaveLength(15);
    expect(closed).toBe(false);
    const answers = readFileSync(join(out, 'answers.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(answers.map((a) => a.answer)).toEqual(answers.map((a) => a.choices[1]));
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).backend).toEqual({ backend: 'mine', model: 'always-b' });
  });

  describe('w2s/engine', () => {
    let checkpoint: string;
    beforeAll(async () => {
      checkpoint = await trainTinyLm(mkdtempSync(join(tmpdir(), 'w2s-api-engine-')));
    });

    it('loads a checkpoint, generates, and fine-tunes a LoRA adapter that loads back', async () => {
      const engine = await load('./engine');
      const greedy = { temperature: 0, maxTokens: 6, stop: [] };
      const before = await engine.generateTexts(engine.loadModel({ checkpoint }), PROMPTS.slice(0, 2), greedy);
      expect(before).toHaveLength(2);
      const out = join(mkdtempSync(join(tmpdir(), 'w2s-api-lora-')), 'adapter');
      const rows = [{ id: 'a', prompt: 'one two', completion: ' red red red', weight: 1 }];
      const settings = { learningRate: 5e-2, batchSize: 1, epochs: 1, maxSteps: 20, schedule: 'constant', warmupSteps: 0, lora: engine.PAPER_LORA, seed: 0 };
      const outcome = await engine.trainSft({ checkpoint }, rows, settings, out);
      expect(outcome).toMatchObject({ model: { checkpoint, adapter: out }, steps: 20 });
      expect(outcome.lastLoss).toBeLessThan(outcome.firstLoss);
      expect(existsSync(join(out, 'adapter_model.safetensors'))).toBe(true);
      // The adapter loads back onto the checkpoint and changes what the model writes.
      const after = await engine.generateTexts({ checkpoint, adapter: out }, PROMPTS.slice(0, 2), greedy);
      expect(after).toHaveLength(2);
      expect(after).not.toEqual(before);
    });
  });

  it('w2s/report: a table as Markdown and CSV', async () => {
    const report = await load('./report');
    const table = { name: 't', title: 'T', header: ['method', 'acc'], rows: [['naive', '0.500']], notes: [] };
    expect(report.toMarkdown(table)).toContain('| naive | 0.500 |');
    expect(report.toCsv(table)).toContain('naive,0.500');
  });
});

describe('package.json', () => {
  it('keeps package.json main and types pointing at the root entry', () => {
    const { main, types } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; types: string };
    const root = pkg.exports['.'] as { types: string; default: string };
    expect(main).toBe(root.default);
    expect(types).toBe(root.types);
  });
});

describe('README', () => {
  it('shows the consumer example that check-package compiles and runs, as it is', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Use as a library'));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(readFileSync(join(ROOT, 'examples', 'library', 'consumer.ts'), 'utf8'));
  });
});
