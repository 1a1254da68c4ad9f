// Which Python runs the Hugging Face sidecar, with what environment, and whether it has what the sidecar needs.
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_FAILURE, W2sError } from '../../errors.js';
import { expectMessage, infoEvent, type HfInfo } from './protocol.js';
import { runSidecar } from './sidecar.js';

/** The package root: `python/` (the sidecar's sources) and `.venv-hf/` (its environment, when made) live there. */
export const PACKAGE_ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
/** The folder put on PYTHONPATH so that `python -m w2s_hf` finds the sidecar. */
export const SIDECAR_SOURCES = join(PACKAGE_ROOT, 'python');

/** The interpreter: `explicit` (--python), else $W2S_PYTHON, else the package's .venv-hf when made, else python3. */
export function pythonCommand(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined && explicit !== '') return explicit;
  const fromEnv = env.W2S_PYTHON?.trim();
  if (fromEnv) return fromEnv;
  const venv = join(PACKAGE_ROOT, '.venv-hf', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

/**
 * The sidecar's environment: ours, with the sidecar's sources first on PYTHONPATH, tokenizers kept single-threaded
 * (their thread pool does not survive the fork of data loaders) and Python's output unbuffered (progress arrives as
 * it happens).
 */
export function sidecarEnv(env: NodeJS.ProcessEnv = process.env, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const path = env.PYTHONPATH ? `${SIDECAR_SOURCES}${delimiter}${env.PYTHONPATH}` : SIDECAR_SOURCES;
  return { ...env, PYTHONPATH: path, TOKENIZERS_PARALLELISM: 'false', PYTHONUNBUFFERED: '1', ...extra };
}

const SETUP_HINT =
  'the Hugging Face engine needs Python with torch, transformers, peft and accelerate: run `bash python/setup-venv.sh` ' +
  '(makes .venv-hf in the package folder) or `pip install ./python` into an environment that has torch, ' +
  'and set W2S_PYTHON (or --python) to its interpreter if it is not .venv-hf';

const checked = new Map<string, Promise<HfInfo>>();

/**
 * Runs `python -m w2s_hf info` once per interpreter and returns what it reports; an interpreter that cannot run the
 * sidecar (missing, or without its packages) is a W2sError that says how to set one up.
 */
export function checkHfEnvironment(python?: string): Promise<HfInfo> {
  const command = pythonCommand(python);
  let pending = checked.get(command);
  if (pending === undefined) {
    pending = probe(command);
    // A failed probe is not remembered: the user may fix the environment and try again in the same process.
    pending.catch(() => checked.delete(command));
    checked.set(command, pending);
  }
  return pending;
}

async function probe(command: string): Promise<HfInfo> {
  let info: HfInfo | undefined;
  const stderr: string[] = [];
  try {
    await runSidecar({
      command,
      args: ['-m', 'w2s_hf', 'info'],
      env: sidecarEnv(),
      name: `${command} -m w2s_hf info`,
      stderr: (line) => stderr.push(line),
      onMessage: (message) => {
        if (message.event === 'info') info = expectMessage(infoEvent, message, 'w2s_hf info');
      },
    });
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new W2sError(`${SETUP_HINT} (${command}: ${cause})`, {}, EXIT_FAILURE);
  }
  if (info === undefined) throw new W2sError(`${SETUP_HINT} (${command} -m w2s_hf info reported nothing)`, {}, EXIT_FAILURE);
  return info;
}
