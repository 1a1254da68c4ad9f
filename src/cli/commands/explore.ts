import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { badInput } from '../../errors.js';

// The action is declared here, not in src/cli/actions/: it needs nothing but node:fs and node:child_process.

/** `w2s explore DIR`: print the explore page of a `w2s score --out` folder or a run directory, and open it where there is a display. */
export function registerExplore(program: Command): void {
  program
    .command('explore')
    .description('open the reliability explorer (explore.html) that `w2s score` writes into --out, or the pages of a `w2s run` directory')
    .argument('<dir>', 'a `w2s score --out` folder, or a run directory')
    .option('--no-open', 'print the path only')
    .addHelpText(
      'after',
      '\nThe page opens from disk in any browser and loads nothing else. It is opened with xdg-open where DISPLAY or\n' +
        'WAYLAND_DISPLAY is set (Linux), with open on macOS; elsewhere, or without a display, its path is printed only.\n\n' +
        'Example:\n  w2s score --input examples/answers.jsonl --out runs/score-example --task mmlu && w2s explore runs/score-example',
    )
    .action(async (dir: string, flags: { open: boolean }) => {
      const pages = explorePages(dir);
      process.stdout.write(`${pages.join('\n')}\n`);
      const opener = flags.open ? browserOpener() : null;
      if (opener === null) return;
      const error = await launch(opener, pages[0] as string);
      if (error !== null) process.stderr.write(`w2s: could not open ${pages[0]} with ${opener} (${error}); open it in a browser\n`);
    });
}

/** The pages in `dir`: its explore.html, or a run directory's explore/*.html (one per task and seed). */
export function explorePages(dir: string): string[] {
  const page = resolve(dir, 'explore.html');
  if (existsSync(page)) return [page];
  const runPages = resolve(dir, 'explore');
  if (existsSync(join(dir, 'manifest.json')) && existsSync(runPages)) {
    const pages = readdirSync(runPages).filter((name) => name.endsWith('.html')).sort().map((name) => join(runPages, name));
    if (pages.length > 0) return pages;
  }
  throw badInput('no explore page here (`w2s score` writes explore.html into --out; `w2s run` writes explore/*.html into its run directory)', { file: page });
}

/** The command that opens a file in the user's browser, or null where nothing should be started (no display). */
export function browserOpener(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string | null {
  if (platform === 'darwin') return 'open';
  if (platform === 'win32') return null;
  return env.DISPLAY || env.WAYLAND_DISPLAY ? 'xdg-open' : null;
}

/** Starts `command file` on its own (it may outlive us); resolves to null once started, or to why it could not be. */
function launch(command: string, file: string): Promise<string | null> {
  return new Promise((done) => {
    const child = spawn(command, [file], { detached: true, stdio: 'ignore' });
    child.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    child.once('spawn', () => {
      child.unref();
      done(null);
    });
  });
}
