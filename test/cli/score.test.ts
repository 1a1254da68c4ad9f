import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

let stdout = '';
let stderr = '';
beforeEach(() => {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

const choices = ['red', 'blue', 'green', 'gray'];
function line(id: string, variant: number, output: string, shown: string[], gold: string): string {
  return JSON.stringify({ id, variant, prompt: `Q ${id} ${shown.join('/')}`, output, choices: shown, gold });
}

describe('w2s score (CLI)', () => {
  it('derives answers with --task, maps letters through each variant\'s option order, and writes every method', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-cli-score-'));
    const input = join(dir, 'answers.jsonl');
    writeFileSync(
      input,
      [
        line('q1', 0, 'B. blue', choices, 'blue'),
        line('q1', 1, '(C)', ['red', 'green', 'blue', 'gray'], 'blue'),
        line('q2', 0, 'Answer: A', choices, 'green'),
        line('q2', 1, 'I am not sure', ['green', 'blue', 'red', 'gray'], 'green'),
      ].join('\n'),
    );
    const out = join(dir, 'out');
    expect(await main(['node', 'w2s', 'score', '--input', input, '--out', out, '--task', 'mmlu', '--methods', 'all'])).toBe(0);
    const reliability = readFileSync(join(out, 'reliability.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(reliability[0]).toMatchObject({ id: 'q1', entropy: 0, kept: true, distribution: [{ answer: 'blue', count: 2 }] });
    expect(reliability[1]).toMatchObject({ id: 'q2', kept: false });
    const consistent = readFileSync(join(out, 'sft-consistent.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).completion);
    expect(consistent).toEqual([' B. blue', ' C. blue', ' A. red', ' C. red']);
    expect(stdout).toMatch(/2 questions, 4 answers \(1 unparseable\)/);
  });

  it.each([
    ['a missing input file', ['--input', '/nonexistent/answers.jsonl'], /\/nonexistent\/answers.jsonl: cannot read the answers file/],
    ['a bad temperature', ['--temperature', '-1'], /invalid --temperature: expected a number > 0, got "-1"/],
    ['a temperature that is no number', ['--temperature', 'warm'], /invalid --temperature: expected a number > 0, got "warm"/],
    ['a percentile over 100', ['--tau-percentile', '101'], /invalid --tau-percentile: expected a number from 0 to 100, got "101"/],
    ['a fractional seed', ['--seed', '1.5'], /invalid --seed: expected a whole number >= 0, got "1.5"/],
    ['an unknown completion', ['--completion', 'gold'], /invalid --completion: expected "output" or "answer", got "gold"/],
    ['an unknown method', ['--methods', 'naive,best'], /unknown method "best"/],
    ['an unknown task', ['--task', 'squad'], /unknown task "squad"/],
  ])('exits 2 on %s and writes nothing', async (_case, flags, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-cli-score-'));
    const input = join(dir, 'answers.jsonl');
    writeFileSync(input, line('q1', 0, 'A', choices, 'red'));
    const out = join(dir, 'out');
    const args = ['--input', input, '--out', out, ...flags];
    expect(await main(['node', 'w2s', 'score', ...args])).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace for user mistakes
    expect(existsSync(out)).toBe(false);
  });

  it('names the line when a multiple-choice output comes without its options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-cli-score-'));
    const input = join(dir, 'answers.jsonl');
    writeFileSync(input, `${line('q1', 0, 'A', choices, 'red')}\n${JSON.stringify({ id: 'q1', variant: 1, prompt: 'p', output: 'B' })}\n`);
    expect(await main(['node', 'w2s', 'score', '--input', input, '--out', join(dir, 'out'), '--task', 'mmlu'])).toBe(2);
    expect(stderr).toContain(`${input}, line 2, field "choices"`);
  });
});

/** An answers file of `rows` short lines (5 variants a question), written in 1 MiB pieces. */
function bigAnswers(path: string, rows: number): void {
  const fd = openSync(path, 'w');
  let chunk = '';
  for (let r = 0; r < rows; r++) {
    const answer = choices[(r * 7) % 3] as string;
    chunk += `{"id":"q${Math.floor(r / 5)}","variant":${r % 5},"prompt":"Question ${r} with some words","output":"${answer}","answer":"${answer}","gold":"red"}\n`;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
}

// The compiled CLI in a child process, as a user runs it: Ctrl-C must be heard while it scores.
describe('w2s score (CLI): outputs as a whole, and empty sets said', () => {
  const plain = (id: string, variant: number, answer: string | null): string => JSON.stringify({ id, variant, prompt: `p ${id}`, output: 'o', answer });

  it('replaces an earlier output in --out as a whole: no stale sft file of another method stays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-cli-score-'));
    const input = join(dir, 'answers.jsonl');
    writeFileSync(input, [plain('q1', 0, 'a'), plain('q1', 1, 'a'), plain('q2', 0, 'b'), plain('q2', 1, 'c')].join('\n'));
    const out = join(dir, 'out');
    expect(await main(['node', 'w2s', 'score', '--input', input, '--out', out, '--methods', 'naive,filter,reweight'])).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    expect(await main(['node', 'w2s', 'score', '--input', input, '--out', out, '--methods', 'naive'])).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['explore.html', 'notes.txt', 'reliability.jsonl', 'sft-naive.jsonl', 'summary.json']);
  });

  it('refuses an input that an output of the same name would overwrite (exit 2), writing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-cli-score-'));
    const input = join(dir, 'sft-naive.jsonl');
    const text = [plain('q1', 0, 'a'), plain('q1', 1, 'a')].join('\n');
    writeFileSync(input, text);
    expect(await main(['node', 'w2s', 'score', '--input', input, '--out', dir])).toBe(2);
    expect(stderr).toContain('would be overwritten by an output of the same name');
    expect(readdirSync(dir)).toEqual(['sft-naive.jsonl']);
    expect(readFileSync(input, 'utf8')).toBe(text);
  });

  it('warns, naming the set and the reason, when an SFT set is empty (every answer null; no variant 0)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-cli-score-'));
    const nulls = join(dir, 'nulls.jsonl');
    writeFileSync(nulls, [plain('q1', 0, null), plain('q1', 1, null), plain('q2', 0, null)].join('\n'));
    expect(await main(['node', 'w2s', 'score', '--input', nulls, '--out', join(dir, 'a')])).toBe(0);
    expect(stderr).toContain('warning: sft-naive.jsonl is empty: every answer is unparseable (null)');
    expect(JSON.parse(readFileSync(join(dir, 'a', 'summary.json'), 'utf8')).empty_sets.filter).toBe('every answer is unparseable (null)');
    stderr = '';
    const noOriginal = join(dir, 'no-variant-0.jsonl');
    writeFileSync(noOriginal, [plain('q1', 1, 'a'), plain('q1', 2, 'a')].join('\n'));
    expect(await main(['node', 'w2s', 'score', '--input', noOriginal, '--out', join(dir, 'b'), '--methods', 'naive,filter'])).toBe(0);
    expect(stderr).toContain('warning: sft-naive.jsonl is empty: no question has a parseable answer to its original prompt (variant 0)');
    expect(stderr).not.toContain('sft-filter.jsonl is empty');
  });
});

describe('w2s score (CLI): problems with the options name the file and line', () => {
  it.each<[string, Record<string, unknown>, string[], RegExp]>([
    ['no options for a letter answer', { output: 'B', choices: [] }, [], /line 2, field "choices": a multiple-choice answer needs the options/],
    ['an answer that is none of the options', { output: 'B', answer: 'q', choices: ['x', 'y', 'z', 'w'], gold: 'x' }, ['--completion', 'answer', '--methods', 'naive'], /line 2, field "answer": answer "q" is not one of the options/],
  ])('%s: exit 2, nothing written', async (_case, fields, flags, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'w2s-cli-score-'));
    const input = join(dir, 'answers.jsonl');
    const first = { id: 'q0', variant: 0, prompt: 'p', output: 'A', choices: ['x', 'y', 'z', 'w'], gold: 'x' };
    writeFileSync(input, [JSON.stringify(first), JSON.stringify({ id: 'q1', variant: 0, prompt: 'p', ...fields })].join('\n'));
    const out = join(dir, 'out');
    expect(await main(['node', 'w2s', 'score', '--input', input, '--out', out, '--task', 'mmlu', ...flags])).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain(input);
    expect(existsSync(out)).toBe(false);
  });
});

describe('w2s score (child process)', () => {
  it('stops at SIGINT mid-run with exit code 1, leaving nothing at --out', async () => {
    if (!existsSync('dist/cli/commands/score.js')) throw new Error('dist/ is not built: run `npx tsc -p .` before this test');
    const dir = mkdtempSync(join(tmpdir(), 'w2s-cli-score-'));
    const input = join(dir, 'answers.jsonl');
    bigAnswers(input, 1_000_000);
    const out = join(dir, 'out');
    const child = spawn(process.execPath, ['bin/w2s.js', 'score', '--input', input, '--out', out, '--methods', 'all'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Pass 2 has begun once the staging folder is there: files are being written.
    const staging = (): boolean => existsSync(out) && readdirSync(out).some((n) => n.startsWith('.w2s-staging-'));
    while (!staging()) await new Promise((wake) => setTimeout(wake, 5));
    child.kill('SIGINT');
    expect(await done).toBe(1);
    expect(output).toContain(`w2s: stopped; nothing was written to ${out}`);
    expect(existsSync(out)).toBe(false);
  });
});
