#!/usr/bin/env node
// Builds the script of explore.html: type-checks src/report/explore/browser (with the DOM, without Node) and bundles
// it, with the src/core formulas it imports, into dist/report/explore/explorer.js, which the page writer inlines.
// Part of `npm run build`; the bundle ships in the package, so an install from the registry builds nothing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const browserDir = join(root, 'src', 'report', 'explore', 'browser');
const out = join(root, 'dist', 'report', 'explore', 'explorer.js');

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const check = spawnSync(process.execPath, [tsc, '-p', join(browserDir, 'tsconfig.json')], { stdio: 'inherit' });
if (check.status !== 0) process.exit(check.status ?? 1);

const { build } = await import('esbuild');
mkdirSync(dirname(out), { recursive: true });
const temp = `${out}.tmp-${process.pid}`;
await build({
  entryPoints: [join(browserDir, 'main.mts')],
  bundle: true,
  format: 'iife',
  minify: true,
  legalComments: 'none',
  // Browsers with DecompressionStream (the page's blocks are gzip-compressed).
  target: ['chrome103', 'firefox113', 'safari16.4'],
  outfile: temp,
  logLevel: 'warning',
});
renameSync(temp, out);
