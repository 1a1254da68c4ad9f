import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/backends/hf/python.js';

/*
 * The Python that runs the Hugging Face libraries in tests (the sidecar, the format parity check): $W2S_PYTHON, as for
 * users, else the .venv-hf of python/setup-venv.sh. Tests that need it are skipped without it, unless
 * W2S_PARITY=require (CI) turns its absence into a failure.
 */
export const HF_PYTHON = process.env.W2S_PYTHON?.trim() || join(PACKAGE_ROOT, '.venv-hf', 'bin', 'python');
export const hfPythonAvailable = existsSync(HF_PYTHON);
export const parityRequired = process.env.W2S_PARITY === 'require';
