// `w2s explore DIR`, the compiled CLI in a child process: it prints the page's path, and opens it (xdg-open, here a
// stand-in on PATH that records its argument) only where there is a display.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserOpener } from '../../src/cli/commands/explore.js';

const BIN = resolve(__dirname, '..', '..', 'bin', 'w2s.js');

describe('w2s explore', () => {
  let dir: string;
  let fakeBin: string;
  let marker: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'w2s-explore-cli-'));
    fakeBin = join(dir, 'bin');
    marker = join(dir, 'opened.txt');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > "${marker}"\n`);
    chmodSync(join(fakeBin, 'xdg-open'), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function explore(args: string[], display: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
    rmSync(marker, { force: true });
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${fakeBin}:${process.env.PATH ?? ''}`, ...display };
    if (!('DISPLAY' in display)) delete env.DISPLAY;
    if (!('WAYLAND_DISPLAY' in display)) delete env.WAYLAND_DISPLAY;
    const child = spawnSync(process.execPath, [BIN, 'explore', ...args], { env, encoding: 'utf8' });
    return { status: child.status, stdout: child.stdout, stderr: child.stderr };
  }

  /** The stand-in runs detached: wait a little for what it records. */
  async function opened(): Promise<string | null> {
    for (let i = 0; i < 50 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
    return existsSync(marker) ? readFileSync(marker, 'utf8') : null;
  }

  it('prints the page and starts nothing without a display; opens it with one, unless --no-open', async () => {
    const out = join(dir, 'score-out');
    mkdirSync(out);
    const page = join(out, 'explore.html');
    writeFileSync(page, '<!DOCTYPE html>');

    const headless = explore([out], {});
    expect(headless).toMatchObject({ status: 0, stdout: `${page}\n` });
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(marker)).toBe(false);

    expect(explore([out], { DISPLAY: ':99' })).toMatchObject({ status: 0, stdout: `${page}\n` });
    expect(await opened()).toBe(page);
    expect(explore([out], { WAYLAND_DISPLAY: 'wayland-0' }).status).toBe(0);
    expect(await opened()).toBe(page);

    expect(explore([out, '--no-open'], { DISPLAY: ':99' })).toMatchObject({ status: 0, stdout: `${page}\n` });
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(marker)).toBe(false);
  });

  it("lists a run directory's pages; a folder without a page is exit 2 naming the path", () => {
    const run = join(dir, 'run');
    mkdirSync(join(run, 'explore'), { recursive: true });
    writeFileSync(join(run, 'manifest.json'), '{}');
    for (const name of ['b-seed-0.html', 'a-seed-1.html', 'a-seed-0.html']) writeFileSync(join(run, 'explore', name), '');
    expect(explore([run], {})).toMatchObject({ status: 0, stdout: ['a-seed-0.html', 'a-seed-1.html', 'b-seed-0.html'].map((n) => `${join(run, 'explore', n)}\n`).join('') });

    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const missing = explore([empty], {});
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(join(empty, 'explore.html'));
    expect(missing.stdout).toBe('');
  });

  it('opens with open on macOS, and on Linux only with a display', () => {
    expect(browserOpener('darwin', {})).toBe('open');
    expect(browserOpener('linux', {})).toBeNull();
    expect(browserOpener('linux', { DISPLAY: '' })).toBeNull();
    expect(browserOpener('linux', { DISPLAY: ':0' })).toBe('xdg-open');
    expect(browserOpener('freebsd', { WAYLAND_DISPLAY: 'wayland-0' })).toBe('xdg-open');
    expect(browserOpener('win32', { DISPLAY: ':0' })).toBeNull();
  });
});
