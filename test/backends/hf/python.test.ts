import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHfEnvironment, PACKAGE_ROOT, pythonCommand, sidecarEnv, SIDECAR_SOURCES } from '../../../src/backends/hf/python.js';
import { W2sError } from '../../../src/errors.js';
import { FAKE_PYTHON, fakePythonWithMode } from './helpers.js';

describe('pythonCommand', () => {
  it('prefers --python, then $W2S_PYTHON, then the package .venv-hf, then python3', async () => {
    const { existsSync } = await import('node:fs');
    expect(pythonCommand('/opt/py', { W2S_PYTHON: '/env/py' })).toBe('/opt/py');
    expect(pythonCommand(undefined, { W2S_PYTHON: ' /env/py ' })).toBe('/env/py');
    const venv = join(PACKAGE_ROOT, '.venv-hf', 'bin', 'python');
    expect(pythonCommand(undefined, {})).toBe(existsSync(venv) ? venv : 'python3');
    expect(pythonCommand('', { W2S_PYTHON: '' })).toBe(existsSync(venv) ? venv : 'python3');
  });
});

describe('sidecarEnv', () => {
  it('puts the sidecar sources first on PYTHONPATH and sets the variables the contract asks for', () => {
    expect(SIDECAR_SOURCES).toBe(join(PACKAGE_ROOT, 'python'));
    const env = sidecarEnv({ PATH: '/bin', PYTHONPATH: '/mine' }, { OMP_NUM_THREADS: '2' });
    expect(env).toEqual({ PATH: '/bin', PYTHONPATH: `${SIDECAR_SOURCES}${delimiter}/mine`, TOKENIZERS_PARALLELISM: 'false', PYTHONUNBUFFERED: '1', OMP_NUM_THREADS: '2' });
    expect(sidecarEnv({}).PYTHONPATH).toBe(SIDECAR_SOURCES);
  });
});

describe('checkHfEnvironment', () => {
  it('returns what `w2s_hf info` reports', async () => {
    await expect(checkHfEnvironment(FAKE_PYTHON)).resolves.toEqual({
      event: 'info',
      python: '3.11.2',
      torch: '1.13.0a0',
      transformers: '4.36.2',
      peft: '0.7.1',
      accelerate: '0.25.0',
      cuda: false,
      devices: 0,
      bf16: false,
    });
  });

  it('turns a Python without the packages into an error that says how to set one up, with the Python message', async () => {
    const python = fakePythonWithMode('no-torch');
    const error = (await checkHfEnvironment(python).catch((e: unknown) => e)) as W2sError;
    expect(error).toBeInstanceOf(W2sError);
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/^the Hugging Face engine needs Python with torch, transformers, peft and accelerate: run `bash python\/setup-venv.sh`/);
    expect(error.message).toMatch(/W2S_PYTHON \(or --python\)/);
    expect(error.message).toMatch(/No module named 'torch'\)$/);
  });

  it('turns a missing interpreter into the same advice', async () => {
    await expect(checkHfEnvironment('/nonexistent/bin/python')).rejects.toThrow(/setup-venv\.sh.*\(\/nonexistent\/bin\/python: cannot run \/nonexistent\/bin\/python/);
  });
});
