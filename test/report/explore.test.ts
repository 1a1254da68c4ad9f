// explore.html without a browser: what `w2s score` and `w2s run` embed (every row's texts, answers, gold), and the
// page's own computations (src/core, as bundled) against what `w2s score` writes for the same settings.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SELECTION_OPTIONS } from '../../src/core/selection.js';
import type { AnswerRecord } from '../../src/core/types.js';
import { readAnswerLines } from '../../src/io/answers.js';
import { runExplorePage } from '../../src/report/explore/paths.js';
import { EXPLORE_MAX_ROWS, ScoreExplorePage, writeExplorePage } from '../../src/report/explore/writer.js';
import { writeReport } from '../../src/report/write.js';
import { score, type ScoreOptions, type ScoreSummary } from '../../src/score/score.js';
import { getTask } from '../../src/tasks/registry.js';
import { readExplorePage } from './explore-page.js';
import { runResults, SEEDS } from './fixture.js';

const EXAMPLE = join(__dirname, '..', '..', 'examples', 'answers.jsonl');
const mmlu = getTask('mmlu');
const withTask: Partial<ScoreOptions> = { parseAnswer: (row) => mmlu.parseAnswer(row.output, row) };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'w2s-explore-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const readJsonl = (path: string): Record<string, unknown>[] => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('explore.html from w2s score', () => {
  it("computes, for every percentile and temperature, the tau, kept questions, SFT set sizes and accuracies that w2s score writes", async () => {
    const out = join(dir, 'example');
    await score({ ...DEFAULT_SELECTION_OPTIONS, ...withTask, input: EXAMPLE, out });
    const page = readExplorePage(join(out, 'explore.html'));
    expect(page.model.questions).toHaveLength(41);
    expect(page.data.rowQuestion).toHaveLength(205);
    let checked = 0;
    for (const temperature of [0.2, 1.5]) {
      for (const tauPercentile of [0, 10, 25, 30, 50, 62.5, 70, 90, 100]) {
        const at = join(dir, `example-${tauPercentile}-${temperature}`);
        const summary: ScoreSummary = await score({ ...DEFAULT_SELECTION_OPTIONS, ...withTask, input: EXAMPLE, out: at, tauPercentile, temperature, explore: false });
        const e = page.model.evaluate(tauPercentile, temperature);
        expect(e.tau).toBe(summary.tau);
        expect(e.keptCount).toBe(summary.kept_questions);
        expect(e.sft).toEqual({ filter: summary.sft_rows.filter, 'filter-s': summary.sft_rows['filter-s'], reweight: summary.sft_rows.reweight });
        expect(e.accuracy).toEqual(summary.gold?.variant0_accuracy);
        // Question by question: kept, entropy and the top answer's S_prob as reliability.jsonl has them.
        const reliability = readJsonl(join(at, 'reliability.jsonl')) as { id: string; entropy: number; kept: boolean; distribution: { reliability: number }[] }[];
        expect(reliability.map((r) => r.id)).toEqual(page.model.questions.map((q) => q.id));
        reliability.forEach((r, q) => {
          expect(e.kept[q] === 1).toBe(r.kept);
          expect(page.model.questions[q]?.summary.entropy).toBe(r.entropy);
          expect(e.majorityScore[q]).toBe(r.distribution[0]?.reliability);
        });
        checked++;
      }
    }
    expect(checked).toBe(18);
  });

  it('embeds every row: id, variant, answer, gold, prompt and output as in the file, whatever the text; in blocks', async () => {
    const records: AnswerRecord[] = [];
    const odd = ['</script><script>window.injected = 1</script>', 'quote " backslash \\ tab \t newline \n', 'héllo ✓ 😀 \u2028 \u0000', '<img src=x onerror="window.injected=2">'];
    const long = 'x'.repeat(400);
    for (let q = 0; q < 800; q++) {
      // Rows of a question are not all together: variants 3-4 of every question come after all the others.
      for (let v = 0; v < 3; v++) records.push(record(q, v));
    }
    for (let q = 0; q < 800; q++) for (let v = 3; v < 5; v++) if (q % 7 !== 0 || v !== 4) records.push(record(q, v));
    // A question with no original prompt (no variant 0) and no gold answer.
    records.push({ id: 'no-original', variant: 1, prompt: 'p1', output: 'o1', answer: 'B' }, { id: 'no-original', variant: 2, prompt: 'p2', output: 'o2', answer: null });
    function record(q: number, v: number): AnswerRecord {
      const answer = (q + v) % 5 === 0 ? null : ['A', 'B', 'C'][(q * v) % 3] as string;
      return { id: `q${q}`, variant: v, prompt: `${odd[(q + v) % odd.length]} ${q}/${v} ${long}`, output: `${odd[q % odd.length]} out ${v}`, answer, gold: q % 11 === 0 ? null : 'A' };
    }
    const input = join(dir, 'odd.jsonl');
    writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n'));
    const out = join(dir, 'odd');
    await score({ ...DEFAULT_SELECTION_OPTIONS, input, out });
    const page = readExplorePage(join(out, 'explore.html'));
    expect(page.data.textBlockStarts.length).toBeGreaterThan(3);
    expect(page.texts).toHaveLength(records.length);
    records.forEach((r, i) => {
      expect(page.data.ids[page.data.rowQuestion[i] as number]).toBe(r.id);
      expect(page.data.rowVariant[i]).toBe(r.variant);
      expect(page.model.answer(page.data.rowAnswer[i] as number)).toBe(r.answer);
      expect(page.texts[i]).toEqual([r.prompt, r.output]);
    });
    const byId = new Map(page.model.questions.map((q) => [q.id, q]));
    expect(byId.get('q0')?.original).toBe(records[0]?.prompt);
    expect(byId.get('q0')?.summary.gold).toBeNull();
    expect(byId.get('q1')?.summary.gold).toBe('A');
    expect(byId.get('no-original')).toMatchObject({ original: '', correct: null });
    expect(byId.get('no-original')?.summary.gold).toBeUndefined();
    // The script and the markup are the only HTML: no text of the data appears outside its compressed block.
    expect(page.html).not.toContain('window.injected');

    // w2s run's writer makes the same page from the records in memory.
    const fromRecords = join(dir, 'from-records.html');
    writeExplorePage(fromRecords, [...readAnswerLines(input)].map(({ row }) => row as AnswerRecord), DEFAULT_SELECTION_OPTIONS, 'odd', input);
    const same = readExplorePage(fromRecords);
    expect(same.texts).toEqual(page.texts);
    expect(same.data.ids).toEqual(page.data.ids);
    expect(same.data.rowAnswer.map((c) => same.model.answer(c))).toEqual(page.data.rowAnswer.map((c) => page.model.answer(c)));
    expect(same.model.questions.map((q) => q.summary.gold)).toEqual(page.model.questions.map((q) => q.summary.gold));
    for (const p of [20, 50, 80]) {
      const [a, b] = [same.model.evaluate(p, 0.2), page.model.evaluate(p, 0.2)];
      expect({ tau: a.tau, kept: [...a.kept], sft: a.sft, accuracy: a.accuracy }).toEqual({ tau: b.tau, kept: [...b.kept], sft: b.sft, accuracy: b.accuracy });
    }
  });

  it('is part of the output set: a re-score without it removes the earlier page; over the row limit none is made', async () => {
    const input = join(dir, 'small.jsonl');
    writeFileSync(input, ['a', 'b'].map((id) => JSON.stringify({ id, variant: 0, prompt: 'p', output: 'o', answer: id })).join('\n'));
    const out = join(dir, 'small');
    await score({ ...DEFAULT_SELECTION_OPTIONS, input, out });
    expect(existsSync(join(out, 'explore.html'))).toBe(true);
    await score({ ...DEFAULT_SELECTION_OPTIONS, input, out, explore: false });
    expect(existsSync(join(out, 'explore.html'))).toBe(false);

    const path = join(dir, 'too-big.html');
    expect(ScoreExplorePage.open(path, EXPLORE_MAX_ROWS + 1, 'x')).toBeNull();
    expect(existsSync(path)).toBe(false);
    const page = ScoreExplorePage.open(path, EXPLORE_MAX_ROWS, 'x');
    expect(page).not.toBeNull();
    page?.abandon();
  });
});

describe('explore pages of a run', () => {
  it('report.html links each task and seed whose page exists', async () => {
    const runDir = join(dir, 'run');
    const results = runResults();
    const [task] = Object.keys(results.tasks) as [string];
    const href = runExplorePage(task, SEEDS[0] as number);
    mkdirSync(join(runDir, 'explore'), { recursive: true });
    writeFileSync(join(runDir, href), '<!DOCTYPE html>');
    const paths = await writeReport(runDir, results);
    const html = readFileSync(paths.html, 'utf8');
    expect(html).toContain(`<a href="${href}">seed ${SEEDS[0]}</a>`);
    expect(html).not.toContain(runExplorePage(task, SEEDS[1] as number));
    expect(href).toMatch(/^explore\/[a-z0-9._-]+-seed-\d+\.html$/);
  });
});
