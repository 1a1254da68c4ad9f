// The report opened in a real browser (Debian's chromium, driven by playwright-core): it renders, its tables and
// figures are there and have a size, it logs no error and asks for nothing over the network.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/write.js';
import { renamedTask, runResults } from './fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);

describe.skipIf(!HAS_CHROMIUM)(`report.html in headless Chromium${HAS_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} is missing; apt-get install -y chromium)`}`, () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'w2s-report-browser-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders title, both paper tables, every figure with a size, without errors or network requests', async () => {
    const results = renamedTask(runResults(), 'world-judgement', '<script>window.injected = 1</script>');
    const paths = await writeReport(join(dir, 'run'), results);
    const reportUrl = pathToFileURL(paths.html).href;

    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const requests: string[] = [];
      const problems: string[] = [];
      context.on('request', (request) => requests.push(request.url()));
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      await page.goto(reportUrl, { waitUntil: 'load' });

      expect(await page.title()).toBe('w2s run report: default');
      expect(await page.locator('h1').textContent()).toBe('w2s run report: default');
      expect(await page.locator('#table1-filter tbody tr').count()).toBe(5);
      expect(await page.locator('#table2-reweight tbody tr').count()).toBe(5);
      expect(await page.locator('#table1-filter tbody tr th').allTextContents()).toEqual(['weak', 'naive', 'filter-s', 'filter', 'ceiling']);
      expect(await page.locator('#table2-reweight tbody tr th').allTextContents()).toEqual(['weak', 'naive', 'reweight-s', 'reweight', 'ceiling']);

      const svgs = page.locator('#figures figure > svg');
      expect(await svgs.count()).toBe(paths.figures.length);
      for (const box of await svgs.evaluateAll((nodes) => nodes.map((n) => n.getBoundingClientRect().toJSON() as { width: number; height: number }))) {
        expect(box.width).toBeGreaterThan(100);
        expect(box.height).toBeGreaterThan(100);
      }

      // The task name that looks like a script is shown as text and never ran.
      expect(await page.evaluate(() => (window as unknown as { injected?: number }).injected)).toBeUndefined();
      expect(await page.locator('#figures h3').allTextContents()).toContain('<script>window.injected = 1</script>');

      const screenshot = join(dir, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      const png = readFileSync(screenshot);
      expect(png.length).toBeGreaterThan(10_000);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');

      expect(problems).toEqual([]);
      expect(requests).toEqual([reportUrl]);
    } finally {
      await context.close();
    }
  });
});
