// explore.html in a real browser (Debian's chromium, driven by playwright-core), opened from disk as a user would:
// no console error, no request beyond the page itself, every question of the shipped example in the table, the slider's
// numbers equal to what `w2s score --tau-percentile P` writes, a question's variations side by side.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { ScoreSummary } from '../../src/score/score.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const EXAMPLE = join(__dirname, '..', '..', 'examples', 'answers.jsonl');

interface Line {
  id: string;
  variant: number;
  prompt: string;
  output: string;
}

describe.skipIf(!HAS_CHROMIUM)(`explore.html in headless Chromium${HAS_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} is missing; apt-get install -y chromium)`}`, () => {
  let dir: string;
  let context: BrowserContext;
  const problems: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'w2s-explore-browser-'));
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    context.on('request', (request) => requests.push(request.url()));
    // Anything but the page's own file is refused (and recorded above, so the test fails on it).
    await context.route(/^(?!file:)/, (route) => route.abort());
  });
  afterAll(async () => {
    await context?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  /** `w2s score` as a user runs it; its summary.json. */
  async function scoreCli(input: string, out: string, ...flags: string[]): Promise<ScoreSummary> {
    expect(await main(['node', 'w2s', 'score', '--input', input, '--out', out, ...flags])).toBe(0);
    return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as ScoreSummary;
  }

  async function open(path: string): Promise<Page> {
    problems.length = 0;
    requests.length = 0;
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready]');
    expect(await page.evaluate(() => document.body.dataset.ready)).toBe('true');
    return page;
  }

  const value = async (page: Page, id: string): Promise<number> => Number(await page.locator(`#${id}`).getAttribute('data-value'));

  /** Every question id the table lists, scrolling through it. */
  async function listedIds(page: Page): Promise<string[]> {
    const ids = new Set<string>();
    const viewport = page.locator('#viewport');
    const height = await viewport.evaluate((v) => v.scrollHeight);
    for (let top = 0; top <= height; top += 200) {
      await viewport.evaluate((v, y) => (v.scrollTop = y), top);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
      for (const id of await page.locator('#rows .row > span:first-child').allTextContents()) ids.add(id);
    }
    return [...ids];
  }

  it('shows every question of the shipped example; the slider at P = 30 and 70 gives what w2s score --tau-percentile writes', async () => {
    const out = join(dir, 'example');
    const summary50 = await scoreCli(EXAMPLE, out, '--task', 'mmlu');
    const summaries = new Map<number, ScoreSummary>();
    for (const p of [30, 70]) summaries.set(p, await scoreCli(EXAMPLE, join(dir, `p${p}`), '--task', 'mmlu', '--tau-percentile', String(p), '--methods', 'filter,filter-s,reweight'));
    const lines = readFileSync(EXAMPLE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
    const ids = [...new Set(lines.map((l) => l.id))];
    expect(ids).toHaveLength(41);

    const page = await open(join(out, 'explore.html'));
    expect(await page.title()).toBe('w2s explore: answers.jsonl');
    expect(await page.locator('#shown').textContent()).toBe('41 of 41 questions');
    expect((await listedIds(page)).sort()).toEqual([...ids].sort());
    // The page opens at the settings it was scored with.
    expect(await value(page, 'tau')).toBe(summary50.tau);
    expect(await value(page, 'kept')).toBe(summary50.kept_questions);

    for (const [p, summary] of summaries) {
      await page.locator('#percentile').fill(String(p));
      await expect.poll(() => page.locator('#percentile-value').textContent()).toBe(String(p));
      expect(await value(page, 'tau')).toBe(summary.tau);
      expect(await value(page, 'kept')).toBe(summary.kept_questions);
      expect(await value(page, 'dropped')).toBe(summary.dropped_questions);
      expect(await value(page, 'sft-filter')).toBe(summary.sft_rows.filter);
      expect(await value(page, 'sft-filter-s')).toBe(summary.sft_rows['filter-s']);
      expect(await value(page, 'sft-reweight')).toBe(summary.sft_rows.reweight);
      expect(await value(page, 'acc-kept')).toBe(summary.gold?.variant0_accuracy.kept);
      expect(await value(page, 'acc-dropped')).toBe(summary.gold?.variant0_accuracy.dropped);
      // The table follows: only the kept questions when asked, and the histogram's tau line moves.
      await page.locator('#filter-kept').selectOption('kept');
      expect(await value(page, 'shown')).toBe(summary.kept_questions);
      expect((await listedIds(page)).length).toBe(summary.kept_questions);
      await page.locator('#filter-kept').selectOption('all');
      expect(await page.locator('#histogram svg text', { hasText: `tau ${summary.tau.toFixed(3)}` }).count()).toBe(1);
    }
    expect(summaries.get(30)?.kept_questions).not.toBe(summaries.get(70)?.kept_questions);

    // A question's detail: every variation's prompt and raw output, and its distribution.
    const id = ids[3] as string;
    await page.locator('#search').fill(id);
    expect(await value(page, 'shown')).toBe(1);
    await page.locator('#rows .row').first().click();
    await page.waitForSelector('#detail .variation');
    const own = lines.filter((l) => l.id === id).sort((a, b) => a.variant - b.variant);
    expect(own).toHaveLength(5);
    expect(await page.locator('#detail h2').textContent()).toBe(`Question ${id}`);
    expect(await page.locator('#detail pre.prompt').allTextContents()).toEqual(own.map((l) => l.prompt));
    expect(await page.locator('#detail pre.output').allTextContents()).toEqual(own.map((l) => l.output));
    const counts = (await page.locator('#distribution td:nth-child(2)').allTextContents()).map(Number);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(5);

    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(join(out, 'explore.html')).href]);
    await page.close();
  });

  it('shows text that looks like markup as text, and runs nothing of it', async () => {
    const input = join(dir, 'odd.jsonl');
    const rows = [
      { id: '<b>q1</b>', variant: 0, prompt: '</script><script>window.injected = 1</script>', output: '<img src=x onerror="window.injected = 2">', answer: '<i>A</i>' },
      { id: '<b>q1</b>', variant: 1, prompt: 'plain', output: 'B', answer: 'B' },
    ];
    writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n'));
    const out = join(dir, 'odd');
    await scoreCli(input, out);
    const page = await open(join(out, 'explore.html'));
    await page.locator('#rows .row').first().click();
    await page.waitForSelector('#detail .variation');
    expect(await page.locator('#detail pre.prompt').first().textContent()).toBe(rows[0]?.prompt);
    expect(await page.locator('#detail pre.output').first().textContent()).toBe(rows[0]?.output);
    expect(await page.locator('#rows .row > span:first-child').first().textContent()).toBe('<b>q1</b>');
    expect(await page.evaluate(() => (window as unknown as { injected?: number }).injected)).toBeUndefined();
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(join(out, 'explore.html')).href]);
    await page.close();
  });
});
