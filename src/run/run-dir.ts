// The run directory (docs/contracts.md): manifest.json first, then stages/, models/, labels/, results.json, the report.
// A run is resumed by running the same command again: with --out the folder is reused, without it the most recent
// unfinished run of the same configuration under ./runs is.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { badInput } from '../errors.js';
import type { RunConfig } from './config.js';
import { writeJsonAtomically } from '../io/atomic.js';
import { kernelInfo, type KernelInfo } from '../native/kernel-info.js';

export const MANIFEST_FILE = 'manifest.json';
export const RESULTS_FILE = 'results.json';

export interface Manifest {
  tool: 'w2s';
  version: string;
  created: string;
  node: string;
  /** The engine's kernels when the run was created (native or portable, instruction set, sgemm). */
  kernels?: KernelInfo;
  config: RunConfig;
}

export interface OpenedRun {
  dir: string;
  resumed: boolean;
}

/** Open (or create) the run directory for `config`. */
export function openRunDir(config: RunConfig, version: string, out: string | undefined, runsRoot = 'runs', now = new Date()): OpenedRun {
  if (out !== undefined) {
    const dir = resolve(out);
    const manifest = readManifest(dir);
    if (manifest !== undefined) {
      if (!sameConfig(manifest.config, config)) {
        throw badInput('this run directory was made with another configuration; choose a new --out, or run with its own config', { file: join(dir, MANIFEST_FILE), field: 'config' });
      }
      return { dir, resumed: true };
    }
    if (existsSync(dir) && readdirSync(dir).length > 0) throw badInput('the folder exists and is not a w2s run directory', { file: dir });
    createRun(dir, config, version, now);
    return { dir, resumed: false };
  }
  const unfinished = latestUnfinished(resolve(runsRoot), config);
  if (unfinished !== undefined) return { dir: unfinished, resumed: true };
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  let dir = join(resolve(runsRoot), `${stamp}-${config.suite}`);
  for (let i = 2; existsSync(dir); i++) dir = join(resolve(runsRoot), `${stamp}-${config.suite}-${i}`);
  createRun(dir, config, version, now);
  return { dir, resumed: false };
}

function createRun(dir: string, config: RunConfig, version: string, now: Date): void {
  mkdirSync(dir, { recursive: true });
  const manifest: Manifest = { tool: 'w2s', version, created: now.toISOString(), node: process.version, kernels: kernelInfo(), config };
  writeJsonAtomically(join(dir, MANIFEST_FILE), manifest);
}

export function readManifest(dir: string): Manifest | undefined {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch (error) {
    throw badInput(`unreadable manifest (${(error as Error).message})`, { file });
  }
}

function sameConfig(a: RunConfig, b: RunConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The most recently created run under `root` with this configuration and no results yet. */
function latestUnfinished(root: string, config: RunConfig): string | undefined {
  if (!existsSync(root)) return undefined;
  const candidates = readdirSync(root)
    .map((name) => join(root, name))
    .filter((dir) => existsSync(join(dir, MANIFEST_FILE)) && !existsSync(join(dir, RESULTS_FILE)))
    .map((dir) => ({ dir, manifest: readManifest(dir) as Manifest }))
    .filter(({ manifest }) => sameConfig(manifest.config, config))
    .sort((a, b) => b.manifest.created.localeCompare(a.manifest.created));
  return candidates[0]?.dir;
}

/** Write results.json last (atomically): its presence marks a finished run. */
export function writeResults(dir: string, results: unknown): string {
  const file = join(dir, RESULTS_FILE);
  writeJsonAtomically(file, results);
  return file;
}
